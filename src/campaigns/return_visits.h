// ReturnVisits: the 回访 of work orders by telephone (DOMAIN.md "回访", scenario
// ob.return_visit), run as attempts of the standing campaign "ob.return_visit" of the campaign
// engine (campaigns/campaign_engine.h), so they get its exactly-once attempts, calling windows,
// per-number caps across all campaigns, do-not-call check at dial time, pacing, concurrency and
// figures.
//
// Once an order is 办结 and has a contact number, one verdict target is added to the campaign
// for the order and its round (round = the times the order was reopened): the table
// return_visit_targets keys (order, round) and is written in the same transaction as the
// target, so a target is never added twice. The call asks for the verdict by keys: 1 满意,
// 2 基本满意, 3 不满意 (9 hears it again), or the words. 1 and 2 count as solved; 3 as not solved
// and 不满意, which reopens the order once (tickets::WorkOrders::RecordVisit; the second round
// gets a new target). A call that finds nobody, or no key, is tried again under the campaign's
// rules (the [visits] window, retry_after_ms then twice that, up to max_attempts, and the
// engine's caps); after the last, the visit is 未回访 (WorkOrders::VisitUnanswered). A target
// the engine ends as dnc (on the do-not-call list at dial time) or cancelled leaves the order
// 待回访 for a person.
//
// Exactly once: the engine's hook writes the verdict (or 未回访) into the order's
// return_visit_targets row in the transaction that writes the attempt's outcome; Tick then
// applies it to the order and marks it applied. A crash in between applies it on the next Tick;
// one after the order changed but before the mark is recognised (the order is no longer 待回访
// in that round) and not applied again.
//
// Before the campaign: attempts "rv:<order>:<round>:<n>" in the table return_visits (kept, read
// only, as history). Tick finishes such a call still open (its key is recorded as before), and an
// order's round with earlier rv: attempts starts its target with those attempts counted.
//
// Orders without a number are left 待回访 for a person (POST .../visit), but for those of a web
// chat, which are visited by a message in their conversation (message_visits.h); so are all
// orders with a number when there is no campaign engine (no key file).
//
// Tick() does one pass: the verdicts to apply, the rv: calls left open, then the targets to add.
// The server runs it on a timer; the engine places the calls on its own. Tests call both with a
// FakeClock. Not thread-safe: one caller (the hook runs on the engine's thread and touches only
// the database).
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
#include "campaigns/campaign_engine.h"
#include "campaigns/notice_calls.h"
#include "storage/database.h"
#include "tickets/calendar.h"
#include "tickets/sla_calendar.h"
#include "tickets/work_orders.h"

namespace zx::campaigns {

// The standing campaign of return visits.
inline constexpr const char* kReturnVisitCampaign = "ob.return_visit";

struct ReturnVisitOptions {
  int max_attempts = 3;
  int64_t retry_after_ms = 30LL * 60 * 1000;  // then twice that, and so on
  // The words of the call; "{id}" becomes the order's number (spoken digit by digit).
  std::string text =
      "您好，这里是12345热线回访。您反映的问题，工单编号{id}，已经办结。请您评价办理结果："
      "满意请按1，基本满意请按2，不满意请按3，重听请按9。";
  // The calling window (China time) and whether only on working days of the calendar.
  std::vector<tickets::WorkingPeriod> periods = {{9 * 60, 12 * 60}, {14 * 60, 20 * 60}};
  bool working_days_only = true;
  // How often ScheduleOn runs Tick.
  std::chrono::seconds check_every{30};
};

// The campaign's rules of `options`: its window, max_attempts, and retry_after_ms, then twice
// that, and so on.
CampaignRules ReturnVisitRules(const ReturnVisitOptions& options);

// [visits] of the configuration: when and how persistently return visits call.
struct VisitConfig {
  std::string hours = "09:00-12:00,14:00-20:00";  // China time ("" never calls)
  int working_days_only = 1;                      // 0: every day of the week
  int max_attempts = 3;
  int retry_after_min = 30;  // after the first unanswered call; then twice that, ...
  int check_every_s = 30;
  int message_wait_hours = 48;  // a chat citizen's verdict by message (message_visits.h)
};
const ConfigSection<VisitConfig>& VisitConfigSection();

// The options of `config`. kInvalidArgument naming visits.hours when it is malformed.
Result<ReturnVisitOptions> ReturnVisitOptionsFrom(const VisitConfig& config);

struct ReturnVisitTick {
  int added = 0;       // targets added to the campaign
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
  // Opens (or creates) the standing campaign in `campaigns` with the options' rules and this
  // object's hook: one ReturnVisits per engine. `calls` finishes the rv: calls of before.
  static Result<std::unique_ptr<ReturnVisits>> Open(storage::Database& db,
                                                    tickets::WorkOrders& orders,
                                                    Campaigns& campaigns, NoticeCalls& calls,
                                                    const Clock& clock,
                                                    ReturnVisitOptions options = {});
  // Creates the tables only (migration "return_visits"), for a schema made without the
  // service (`zhixian migrate`); Open does it too.
  static Status Migrate(storage::Database& db);
  Result<ReturnVisitTick> Tick();
  // Runs Tick every check_every on `worker` (a failure is logged); stop the worker first. With
  // `may_run`, only when it says so (this node holds the job: storage/leases.h).
  void ScheduleOn(Worker& worker, std::function<bool()> may_run = {});

 private:
  ReturnVisits(storage::Database& db, tickets::WorkOrders& orders, Campaigns& campaigns,
               NoticeCalls& calls, const Clock& clock, ReturnVisitOptions options)
      : db_(db),
        orders_(orders),
        campaigns_(campaigns),
        calls_(calls),
        clock_(clock),
        options_(std::move(options)) {}
  // The engine's hook (in its transaction): the verdict or 未回访 kept for Apply.
  Status Heard(const AttemptOutcome& outcome);
  Status Apply(ReturnVisitTick& tick);
  Status FinishLegacy(ReturnVisitTick& tick);
  Status AddDue(ReturnVisitTick& tick);

  storage::Database& db_;
  tickets::WorkOrders& orders_;
  Campaigns& campaigns_;
  NoticeCalls& calls_;
  const Clock& clock_;
  ReturnVisitOptions options_;
};

}  // namespace zx::campaigns
