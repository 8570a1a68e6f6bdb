// WorkOrders: the work-order service. It creates orders (with 并单 of duplicates), runs every
// action of DOMAIN.md on them through the state machine (tickets/state_machine.h), keeps the
// append-only history, and watches the time limits (Tick). Who may do what is decided before a
// call reaches it (the policy table and the record's scope, in http); here every action is
// checked only for being legal in the order's state, and recorded with its actor.
//
// Time: every clock reading comes from the injectable Clock; deadlines from an SlaCalendar
// (tickets/sla_calendar.h: the holiday calendar). Nothing lives in timers: 预警, 超时 and
// 催办 are marked by Tick from what the database holds, so a restart loses nothing and a
// Tick after downtime catches up.
//
// Thread-safe: each action is one database transaction (load, check, save, history).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "tickets/order_store.h"
#include "tickets/sla_calendar.h"
#include "tickets/ticket.h"

namespace zx::tickets {

struct NewOrder {
  std::string channel = "api";  // "chat", "voice", "api", "agent"
  std::string conversation_id;
  std::string text;  // what the citizen said (masked before it is stored)
  std::string summary;
  std::string topic;
  std::string category;
  std::string district;
  std::string place;
  Tier tier = Tier::k24h;
  bool urgent = false;
  double confidence = 0;
  std::vector<Assignment> departments;  // empty: 待人工派单
  std::string contact;                  // phone number, plain (sealed by the store)
  std::string name;
  std::string address;
  // What the machine filled (auto-fill), each kept beside what a person sets later.
  std::vector<FilledField> fields;
};

// The longest 延期 one request may ask: working days, or hours for the 2h and 24h tiers.
inline constexpr int kMaxExtensionUnits = 30;

struct WorkOrderOptions {
  int64_t merge_window_ms = 72LL * 3600 * 1000;  // 并单: same topic and place within this
  bool merge_duplicates = true;
};

// What Tick marked, for notifications, logs and metrics.
struct SlaEvent {
  enum Kind { kWarned, kOverdue } kind;
  std::string order_id;
  std::string department;
  std::string district;  // the order's ("" not stated)
  int64_t due_ms = 0;
};

class WorkOrders {
 public:
  // Migrates the tables. `cipher` may be null (no key file): then contact, name and address are
  // not stored at all (the masked number is), as elsewhere in zhixian.
  static Result<std::unique_ptr<WorkOrders>> Open(
      storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
      const SlaCalendar& calendar, const Clock& clock, WorkOrderOptions options = {});

  // Creates an order; dispatches it at once when `order.departments` names any (else it waits
  // as 待人工派单). A duplicate (same topic and place within the window, of an order not closed)
  // is stored merged into that order (Order::merged_into). invalid_argument for an empty text or
  // a department listed twice or without a lead.
  Result<Order> Create(const NewOrder& order, const std::string& actor);

  // Loads an order with its tasks and fields; contact, name and address opened only when asked
  // (the caller audits that). not_found for an unknown id.
  Result<Order> Get(const std::string& id, bool open_personal = false) const;
  Result<std::vector<HistoryEntry>> History(const std::string& id) const;
  // The orders merged into `id` (its other reporters).
  Result<std::vector<std::string>> MergedInto(const std::string& id) const;
  // A page of orders, each with the time left to its deadline (OrderRow::left_ms,
  // working_days_left).
  Result<OrderPage> List(const OrderQuery& query) const;
  // How many orders each tab of the screens holds under `query`'s other filters.
  Result<std::vector<std::pair<ListTab, int64_t>>> CountTabs(OrderQuery query) const;

  // The dispatcher: 派单 (待人工派单 -> 办理中), 改派 (one department's task to another), or
  // upholding a returned task (it goes back to the same department).
  Result<Order> Dispatch(const std::string& id, const std::vector<Assignment>& departments,
                         const std::string& actor, const std::string& reason = "");
  Result<Order> Redispatch(const std::string& id, const std::string& from_department,
                           const std::string& to_department, const std::string& actor,
                           const std::string& reason);
  Result<Order> Uphold(const std::string& id, const std::string& department,
                       const std::string& actor, const std::string& reason);

  // A department: 签收, 退单 (reason required: one of kReturnReasons or free text), 办结 with
  // its reply (required), 延期 asked (before the deadline, with a reason).
  Result<Order> Accept(const std::string& id, const std::string& department,
                       const std::string& actor);
  Result<Order> Return(const std::string& id, const std::string& department,
                       const std::string& reason, const std::string& actor);
  Result<Order> Resolve(const std::string& id, const std::string& department,
                        const std::string& reply, const std::string& actor);
  Result<Order> AskExtension(const std::string& id, const std::string& department, int days,
                             const std::string& reason, const std::string& actor);
  // A supervisor decides an asked extension; approval moves the deadline (and the 预警 point).
  Result<Order> DecideExtension(const std::string& id, const std::string& department, bool approve,
                                const std::string& reason, const std::string& actor);

  // 回访: the citizen's answer. 不满意 reopens the order once (its tasks back to 待签收 with new
  // clocks); otherwise, and the second time, the order is archived.
  Result<Order> RecordVisit(const std::string& id, bool solved, Satisfaction satisfaction,
                            const std::string& actor, const std::string& note = "");
  // No answer after the attempts: archived as 未回访.
  Result<Order> VisitUnanswered(const std::string& id, const std::string& actor);

  // 并单 by hand and its undo; an unmerged order is dispatched to its auto-filled departments
  // again when it has them, else waits for the dispatcher.
  Result<Order> Merge(const std::string& id, const std::string& into, const std::string& actor,
                      const std::string& reason);
  Result<Order> Unmerge(const std::string& id, const std::string& actor, const std::string& reason);

  // A person confirms (value == the machine's) or corrects an auto-filled field; both values
  // are kept. Correcting "sla" re-times live tasks; "district"/"place" change the order's.
  Result<Order> ConfirmField(const std::string& id, const std::string& name,
                             const std::string& value, const std::string& actor);

  // Marks 预警 (the 催办 reminder) and 超时 (escalated to the department's supervisor) for every
  // live task whose moment has passed, in the history; returns what it marked, for the caller's
  // notifications and metrics. Idempotent: a second Tick at the same moment marks nothing.
  Result<std::vector<SlaEvent>> Tick();

  OrderStore& store() { return *store_; }

 private:
  WorkOrders(std::unique_ptr<OrderStore> store, const SlaCalendar& calendar, const Clock& clock,
             WorkOrderOptions options)
      : store_(std::move(store)), calendar_(calendar), clock_(clock), options_(options) {}

  // Loads, lets `change` act on the order (recording history entries), saves; one transaction.
  Result<Order> Change(const std::string& id, const std::string& actor,
                       const std::function<Status(Order&, std::vector<HistoryEntry>&)>& change);
  Status StartTask(Order& order, Task& task, int64_t now) const;
  Status DispatchTo(Order& order, const std::vector<Assignment>& departments,
                    const std::string& reason, std::vector<HistoryEntry>& history, int64_t now);
  Status SettleOrder(Order& order, std::vector<HistoryEntry>& history, int64_t now) const;
  // Working days after the China-time day of `now_ms` through the day of the deadline `due_ms`
  // (7 on the day a 7d task is dispatched; 0 on its last day and after).
  Result<int64_t> WorkingDaysThrough(int64_t now_ms, int64_t due_ms) const;

  std::unique_ptr<OrderStore> store_;
  const SlaCalendar& calendar_;
  const Clock& clock_;
  WorkOrderOptions options_;
};

}  // namespace zx::tickets
