// ReturnVisits: the 回访 of work orders by telephone (DOMAIN.md "回访", scenario
// ob.return_visit). Once an order is 办结 and has a contact number, a notice call
// (campaigns/notice_calls.h) asks the citizen for their verdict by keys: 1 满意, 2 基本满意,
// 3 不满意 (9 hears it again). 1 and 2 count as solved; 3 as not solved and 不满意, which reopens
// the order once (tickets::WorkOrders::RecordVisit). A call that finds nobody (or no key) is
// tried again later — `retry_after_ms`, then twice that — only inside the calling window, up to
// `max_attempts`; after the last, the visit is 未回访 (WorkOrders::VisitUnanswered).
//
// Nothing is dialled twice for the same attempt, also after a restart: each attempt has the id
// "rv:<order>:<round>:<n>" (round = the times the order was reopened) and is written to the
// return_visits table before the call starts; NoticeCalls keeps attempt ids unique as well.
// Orders without a number (most chats) are left 待回访 for a person (POST .../visit).
//
// Tick() does one pass: the answers of calls that ended, then the calls that are due. The
// server runs it on a timer; tests call it with a FakeClock. Not thread-safe: one caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/config.h"
#include "base/status.h"
#include "base/worker.h"
#include "campaigns/notice_calls.h"
#include "storage/database.h"
#include "tickets/calendar.h"
#include "tickets/sla_calendar.h"
#include "tickets/work_orders.h"

namespace zx::campaigns {

struct ReturnVisitOptions {
  int max_attempts = 3;
  int64_t retry_after_ms = 30LL * 60 * 1000;  // then twice that, and so on
  // The words of the call; "{id}" becomes the order's number (spoken digit by digit).
  std::string text =
      "您好，这里是12345热线回访。您反映的问题，工单编号{id}，已经办结。请您评价办理结果："
      "满意请按1，基本满意请按2，不满意请按3，重听请按9。";
  // True when a call may be placed at this moment (working days and hours, DOMAIN.md).
  std::function<bool(int64_t unix_ms)> may_call = [](int64_t) { return true; };
  // How often ScheduleOn runs Tick.
  std::chrono::seconds check_every{30};
};

// [visits] of the configuration: when and how persistently return visits call.
struct VisitConfig {
  std::string hours = "09:00-12:00,14:00-20:00";  // China time ("" never calls)
  int working_days_only = 1;                      // 0: every day of the week
  int max_attempts = 3;
  int retry_after_min = 30;  // after the first unanswered call; then twice that, ...
  int check_every_s = 30;
};
const ConfigSection<VisitConfig>& VisitConfigSection();

// The options of `config` over `calendar` (which must outlive them). kInvalidArgument naming
// visits.hours when it is malformed.
Result<ReturnVisitOptions> ReturnVisitOptionsFrom(const VisitConfig& config,
                                                  const tickets::SlaCalendar& calendar);

struct ReturnVisitTick {
  int started = 0;     // calls placed
  int answered = 0;    // verdicts recorded
  int unanswered = 0;  // visits given up (未回访)
};

// A calling window: inside one of `periods` (China time), on a working day of `calendar` when
// `working_days_only` (a day without a calendar table: no calls). DOMAIN.md's default is working
// days, 09:00–12:00 and 14:00–20:00. `calendar` must outlive the function.
std::function<bool(int64_t unix_ms)> CallingWindow(const tickets::SlaCalendar& calendar,
                                                   std::vector<tickets::WorkingPeriod> periods,
                                                   bool working_days_only = true);

class ReturnVisits {
 public:
  static Result<std::unique_ptr<ReturnVisits>> Open(storage::Database& db,
                                                    tickets::WorkOrders& orders, NoticeCalls& calls,
                                                    const Clock& clock,
                                                    ReturnVisitOptions options = {});
  // Creates the table only (migration "return_visits"), for a schema made without the
  // service (`zhixian migrate`); Open does it too.
  static Status Migrate(storage::Database& db);
  Result<ReturnVisitTick> Tick();
  // Runs Tick every 30 seconds on `worker` (a failure is logged); stop the worker first. With
  // `may_run`, only when it says so (this node holds the job: storage/leases.h).
  void ScheduleOn(Worker& worker, std::function<bool()> may_run = {});

 private:
  ReturnVisits(storage::Database& db, tickets::WorkOrders& orders, NoticeCalls& calls,
               const Clock& clock, ReturnVisitOptions options)
      : db_(db), orders_(orders), calls_(calls), clock_(clock), options_(std::move(options)) {}
  Status Collect(ReturnVisitTick& tick);
  Status StartDue(ReturnVisitTick& tick);

  storage::Database& db_;
  tickets::WorkOrders& orders_;
  NoticeCalls& calls_;
  const Clock& clock_;
  ReturnVisitOptions options_;
};

}  // namespace zx::campaigns
