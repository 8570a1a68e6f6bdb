#include "tickets/work_orders.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "text/pii.h"
#include "tickets/calendar.h"
#include "tickets/sla.h"
#include "tickets/state_machine.h"

namespace zx::tickets {
namespace {

constexpr int64_t kChinaOffsetMs = 8LL * 3600 * 1000;  // UTC+8, no daylight saving

// "20261205": the China-time day of `ms`, for order numbers.
std::string ChinaDay(int64_t ms) {
  std::time_t t = static_cast<std::time_t>((ms + kChinaOffsetMs) / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

HistoryEntry Step(std::string action, std::string department, std::string_view from,
                  std::string_view to, std::string reason = "") {
  HistoryEntry e;
  e.action = std::move(action);
  e.department = std::move(department);
  e.from_state = std::string(from);
  e.to_state = std::string(to);
  e.reason = std::move(reason);
  return e;
}

bool Live(const Task& t) {
  return t.state == TaskState::kDispatched || t.state == TaskState::kAccepted;
}

// The task of `department` that is not withdrawn; not_found names the order and department.
Result<Task*> TaskOf(Order& o, const std::string& department) {
  for (auto& t : o.tasks)
    if (t.department == department && t.state != TaskState::kWithdrawn) return &t;
  return NotFound("order " + o.id + " has no task for department " + department);
}

std::string DigitsOf(std::string_view phone) {
  std::string d;
  for (char c : phone)
    if (c >= '0' && c <= '9') d.push_back(c);
  if (d.size() == 13 && d.compare(0, 2, "86") == 0) d.erase(0, 2);
  return d;
}

// "；时限未计算：<why>" for a task the calendar could not time, else "".
std::string NoDeadlineNote(const Task& t) {
  return t.no_deadline_reason.empty() ? "" : "；时限未计算：" + t.no_deadline_reason;
}

Status CheckDepartments(const std::vector<Assignment>& departments) {
  std::set<std::string> seen;
  int leads = 0;
  for (const auto& d : departments) {
    if (d.code.empty()) return InvalidArgument("a department code is empty");
    if (!seen.insert(d.code).second)
      return InvalidArgument("department " + d.code + " is listed twice");
    if (d.role == Role::kLead) ++leads;
  }
  if (!departments.empty() && leads != 1)
    return InvalidArgument("an order is dispatched to exactly one 主办 (lead) department");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<WorkOrders>> WorkOrders::Open(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
    const SlaCalendar& calendar, const Clock& clock, WorkOrderOptions options) {
  ZX_ASSIGN_OR_RETURN(auto store, OrderStore::Open(db, std::move(cipher)));
  return std::unique_ptr<WorkOrders>(new WorkOrders(std::move(store), calendar, clock, options));
}

Status WorkOrders::StartTask(Order& order, Task& task, int64_t now) const {
  task.dispatched_ms = now;
  // A deadline the calendar cannot give (a year without a table) is never guessed: the task
  // runs without one (0: no 预警, no 超时) and says why in its history; the order is not lost.
  task.due_ms = task.warn_ms = task.accept_by_ms = 0;
  task.no_deadline_reason.clear();
  auto due = calendar_.Due(now, order.tier);
  if (due.ok()) {
    task.due_ms = *due;
    auto warn = calendar_.WarnAt(now, task.due_ms, order.tier);
    if (warn.ok()) task.warn_ms = *warn;
  } else if (due.status().code() == Code::kFailedPrecondition) {
    task.no_deadline_reason = due.status().message();
  } else {
    return due.status();
  }
  auto accept_by = calendar_.AcceptBy(now, order.tier);
  if (accept_by.ok()) task.accept_by_ms = *accept_by;
  task.state = TaskState::kDispatched;
  task.accepted_ms = task.resolved_ms = 0;
  task.warned = task.overdue = false;
  task.extension = ExtensionState::kNone;
  task.extension_days = 0;
  task.extension_reason.clear();
  return Status::Ok();
}

Status WorkOrders::DispatchTo(Order& order, const std::vector<Assignment>& departments,
                              const std::string& reason, std::vector<HistoryEntry>& history,
                              int64_t now) {
  ZX_RETURN_IF_ERROR(CheckDepartments(departments));
  if (departments.empty()) return InvalidArgument("name at least one department to dispatch to");
  ZX_ASSIGN_OR_RETURN(OrderState next, OrderAfter(order.state, OrderAction::kDispatch));
  for (const auto& d : departments) {
    for (const auto& t : order.tasks)
      if (t.department == d.code && t.state != TaskState::kWithdrawn)
        return FailedPrecondition("order " + order.id + " is already with " + d.code);
  }
  for (const auto& d : departments) {
    Task fresh;
    fresh.department = d.code;
    fresh.role = d.role;
    ZX_RETURN_IF_ERROR(StartTask(order, fresh, now));
    auto old = std::find_if(order.tasks.begin(), order.tasks.end(),
                            [&](const Task& t) { return t.department == d.code; });
    if (old != order.tasks.end())
      *old = fresh;  // a department it was withdrawn from earlier: the same row again
    else
      order.tasks.push_back(fresh);
    history.push_back(Step("dispatch", d.code, "", TaskStateCode(TaskState::kDispatched),
                           std::string(RoleLabel(d.role)) + (reason.empty() ? "" : "；" + reason) +
                               NoDeadlineNote(fresh)));
  }
  history.push_back(
      Step("dispatch", "", OrderStateCode(order.state), OrderStateCode(next), reason));
  order.state = next;
  return Status::Ok();
}

// After a task changed: the order follows when every live task was returned or resolved.
Status WorkOrders::SettleOrder(Order& order, std::vector<HistoryEntry>& history,
                               int64_t now) const {
  if (order.state != OrderState::kDispatched) return Status::Ok();
  int live = 0, returned = 0, resolved = 0;
  for (const auto& t : order.tasks) {
    if (t.state == TaskState::kWithdrawn) continue;
    ++live;
    if (t.state == TaskState::kReturned) ++returned;
    if (t.state == TaskState::kResolved) ++resolved;
  }
  if (live == 0) return Status::Ok();
  OrderAction action;
  if (returned == live)
    action = OrderAction::kAllReturned;
  else if (resolved == live)
    action = OrderAction::kAllResolved;
  else
    return Status::Ok();
  ZX_ASSIGN_OR_RETURN(OrderState next, OrderAfter(order.state, action));
  history.push_back(Step(action == OrderAction::kAllReturned ? "all_returned" : "resolve", "",
                         OrderStateCode(order.state), OrderStateCode(next)));
  order.state = next;
  if (next == OrderState::kResolved) {
    order.resolved_ms = now;
    order.visit = VisitState::kDue;
    ZX_ASSIGN_OR_RETURN(order.visit_due_ms, calendar_.VisitDue(now));
  }
  return Status::Ok();
}

Result<Order> WorkOrders::Create(const NewOrder& in, const std::string& actor) {
  if (in.text.empty()) return InvalidArgument("a work order needs what the citizen said (text)");
  ZX_RETURN_IF_ERROR(CheckDepartments(in.departments));
  const int64_t now = clock_.NowUnixMillis();
  Order o;
  Status done = store_->db().Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(o.id, store_->NextId(ChinaDay(now)));
    o.channel = in.channel;
    o.conversation_id = in.conversation_id;
    o.topic = in.topic;
    o.category = in.category;
    o.summary = text::MaskText(in.summary);
    o.text = in.text;
    o.district = in.district;
    o.place = in.place;
    o.tier = in.tier;
    o.urgent = in.urgent;
    o.confidence = in.confidence;
    std::string digits = DigitsOf(in.contact);
    if (!digits.empty()) {
      o.contact = digits;
      o.contact_masked = text::MaskPhone(digits);
    }
    if (!in.name.empty()) o.name = in.name;
    if (!in.address.empty()) o.address = in.address;
    o.fields = in.fields;
    o.created_ms = now;
    o.created_by = actor;
    std::vector<HistoryEntry> history;
    history.push_back(
        Step("create", "", "", OrderStateCode(OrderState::kPendingDispatch), "来源 " + in.channel));
    std::string duplicate;
    if (options_.merge_duplicates && !o.topic.empty() && !o.place.empty()) {
      ZX_ASSIGN_OR_RETURN(
          duplicate, store_->FindDuplicate(o.topic, o.place, now - options_.merge_window_ms, ""));
    }
    if (!duplicate.empty()) {
      o.state = OrderState::kMerged;
      o.merged_into = duplicate;
      history.push_back(Step("merge", "", OrderStateCode(OrderState::kPendingDispatch),
                             OrderStateCode(OrderState::kMerged), "重复诉求，并入 " + duplicate));
    } else if (!in.departments.empty()) {
      ZX_RETURN_IF_ERROR(DispatchTo(o, in.departments, "自动派单", history, now));
    }
    for (auto& e : history) {
      e.at_ms = now;
      e.actor = actor;
    }
    ZX_RETURN_IF_ERROR(store_->Save(o, true));
    ZX_RETURN_IF_ERROR(store_->AppendHistory(o.id, std::move(history)));
    if (!duplicate.empty()) {
      HistoryEntry in_main = Step("merge_in", "", "", "", "并入重复诉求 " + o.id);
      in_main.at_ms = now;
      in_main.actor = actor;
      ZX_RETURN_IF_ERROR(store_->AppendHistory(duplicate, {in_main}));
    }
    return Status::Ok();
  });
  ZX_RETURN_IF_ERROR(done);
  o.text = text::MaskText(o.text);  // as stored
  o.contact.reset();                // the caller opens personal data through Get (audited there)
  o.name.reset();
  o.address.reset();
  return o;
}

Result<Order> WorkOrders::Get(const std::string& id, bool open_personal) const {
  return store_->Load(id, open_personal);
}

Result<std::vector<HistoryEntry>> WorkOrders::History(const std::string& id) const {
  ZX_RETURN_IF_ERROR(store_->Load(id, false).status());
  return store_->History(id);
}

Result<std::vector<std::string>> WorkOrders::MergedInto(const std::string& id) const {
  return store_->MergedInto(id);
}

Result<OrderPage> WorkOrders::List(const OrderQuery& query) const {
  ZX_ASSIGN_OR_RETURN(OrderPage page, store_->List(query));
  const int64_t now = clock_.NowUnixMillis();
  for (OrderRow& r : page.rows) {
    if (r.due_ms <= 0) continue;
    r.left_ms = r.due_ms - now;
    if (CountsWorkingDays(r.tier)) {
      auto days = WorkingDaysThrough(now, r.due_ms);
      if (days.ok()) r.working_days_left = *days;
    }
  }
  return page;
}

Result<int64_t> WorkOrders::WorkingDaysThrough(int64_t now_ms, int64_t due_ms) const {
  // Counted from tomorrow, as the tier counts from the day after dispatch; a deadline is the
  // end (24:00) of its day, so the last day counted is the one before due_ms.
  const int64_t tomorrow = now_ms - ToChinaLocal(now_ms).ms_of_day + kDayMs;
  int64_t days = 0;
  for (int64_t day = tomorrow; day < due_ms; day += kDayMs) {
    ZX_ASSIGN_OR_RETURN(bool working, calendar_.IsWorkingDay(day));
    days += working ? 1 : 0;
  }
  return days;
}

Result<std::vector<std::pair<ListTab, int64_t>>> WorkOrders::CountTabs(OrderQuery query) const {
  std::vector<std::pair<ListTab, int64_t>> out;
  for (ListTab tab : kListTabs) {
    query.tab = tab;
    ZX_ASSIGN_OR_RETURN(int64_t n, store_->Count(query));
    out.emplace_back(tab, n);
  }
  return out;
}

Result<Order> WorkOrders::Change(
    const std::string& id, const std::string& actor,
    const std::function<Status(Order&, std::vector<HistoryEntry>&)>& change) {
  Order out;
  ZX_RETURN_IF_ERROR(store_->db().Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(Order o, store_->Load(id, false));
    std::vector<HistoryEntry> history;
    ZX_RETURN_IF_ERROR(change(o, history));
    const int64_t now = clock_.NowUnixMillis();
    for (auto& e : history) {
      if (e.at_ms == 0) e.at_ms = now;
      if (e.actor.empty()) e.actor = actor;
    }
    ZX_RETURN_IF_ERROR(store_->Save(o, false));
    ZX_RETURN_IF_ERROR(store_->AppendHistory(id, std::move(history)));
    out = std::move(o);
    return Status::Ok();
  }));
  return out;
}

Result<Order> WorkOrders::Dispatch(const std::string& id,
                                   const std::vector<Assignment>& departments,
                                   const std::string& actor, const std::string& reason) {
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    return DispatchTo(o, departments, reason, h, clock_.NowUnixMillis());
  });
}

Result<Order> WorkOrders::Redispatch(const std::string& id, const std::string& from,
                                     const std::string& to, const std::string& actor,
                                     const std::string& reason) {
  if (to.empty() || to == from) return InvalidArgument("改派 needs another department");
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    if (o.state != OrderState::kDispatched && o.state != OrderState::kPendingDispatch)
      return FailedPrecondition("cannot 改派 an order that is " +
                                std::string(OrderStateLabel(o.state)));
    for (const auto& t : o.tasks)
      if (t.department == to && t.state != TaskState::kWithdrawn)
        return FailedPrecondition("order " + o.id + " is already with " + to);
    ZX_ASSIGN_OR_RETURN(Task * task, TaskOf(o, from));
    ZX_ASSIGN_OR_RETURN(TaskState next, TaskAfter(task->state, TaskAction::kWithdraw));
    h.push_back(Step("redispatch", from, TaskStateCode(task->state), TaskStateCode(next),
                     "改派至 " + to + (reason.empty() ? "" : "：" + reason)));
    task->state = next;
    Role role = task->role;
    if (o.state == OrderState::kPendingDispatch) {
      ZX_RETURN_IF_ERROR(DispatchTo(o, {{to, role}}, "改派自 " + from, h, clock_.NowUnixMillis()));
      return Status::Ok();
    }
    Task fresh;
    fresh.department = to;
    fresh.role = role;
    ZX_RETURN_IF_ERROR(StartTask(o, fresh, clock_.NowUnixMillis()));
    auto old = std::find_if(o.tasks.begin(), o.tasks.end(),
                            [&](const Task& t) { return t.department == to; });
    if (old != o.tasks.end())
      *old = fresh;
    else
      o.tasks.push_back(fresh);
    h.push_back(Step("dispatch", to, "", TaskStateCode(TaskState::kDispatched),
                     std::string(RoleLabel(role)) + "；改派自 " + from + NoDeadlineNote(fresh)));
    return SettleOrder(o, h, clock_.NowUnixMillis());
  });
}

Result<Order> WorkOrders::Uphold(const std::string& id, const std::string& department,
                                 const std::string& actor, const std::string& reason) {
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    ZX_ASSIGN_OR_RETURN(Task * task, TaskOf(o, department));
    ZX_ASSIGN_OR_RETURN(TaskState next, TaskAfter(task->state, TaskAction::kUphold));
    h.push_back(Step("uphold", department, TaskStateCode(task->state), TaskStateCode(next),
                     reason.empty() ? "维持原派单" : reason));
    task->state = next;  // its clock runs on: the deadline never pauses by itself
    if (o.state == OrderState::kPendingDispatch) {
      ZX_ASSIGN_OR_RETURN(OrderState order_next, OrderAfter(o.state, OrderAction::kDispatch));
      h.push_back(
          Step("dispatch", "", OrderStateCode(o.state), OrderStateCode(order_next), "维持原派单"));
      o.state = order_next;
    }
    return Status::Ok();
  });
}

Result<Order> WorkOrders::Accept(const std::string& id, const std::string& department,
                                 const std::string& actor) {
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    ZX_ASSIGN_OR_RETURN(Task * task, TaskOf(o, department));
    ZX_ASSIGN_OR_RETURN(TaskState next, TaskAfter(task->state, TaskAction::kAccept));
    h.push_back(Step("accept", department, TaskStateCode(task->state), TaskStateCode(next)));
    task->state = next;
    task->accepted_ms = clock_.NowUnixMillis();
    return Status::Ok();
  });
}

Result<Order> WorkOrders::Return(const std::string& id, const std::string& department,
                                 const std::string& reason, const std::string& actor) {
  if (reason.empty())
    return InvalidArgument("退单 needs a reason (属地不符, 权属不清, 职能交叉, 诉求不清, or text)");
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    ZX_ASSIGN_OR_RETURN(Task * task, TaskOf(o, department));
    ZX_ASSIGN_OR_RETURN(TaskState next, TaskAfter(task->state, TaskAction::kReturn));
    h.push_back(
        Step("return", department, TaskStateCode(task->state), TaskStateCode(next), reason));
    task->state = next;
    task->return_reason = reason;
    return SettleOrder(o, h, clock_.NowUnixMillis());
  });
}

Result<Order> WorkOrders::Resolve(const std::string& id, const std::string& department,
                                  const std::string& reply, const std::string& actor) {
  if (reply.empty()) return InvalidArgument("办结 needs the department's reply");
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    ZX_ASSIGN_OR_RETURN(Task * task, TaskOf(o, department));
    ZX_ASSIGN_OR_RETURN(TaskState next, TaskAfter(task->state, TaskAction::kResolve));
    h.push_back(Step("resolve", department, TaskStateCode(task->state), TaskStateCode(next)));
    task->state = next;
    task->reply = reply;
    task->resolved_ms = clock_.NowUnixMillis();
    return SettleOrder(o, h, task->resolved_ms);
  });
}

Result<Order> WorkOrders::AskExtension(const std::string& id, const std::string& department,
                                       int days, const std::string& reason,
                                       const std::string& actor) {
  if (days < 1 || days > kMaxExtensionUnits)
    return InvalidArgument("延期 is 1 to " + std::to_string(kMaxExtensionUnits) +
                           " days (hours for 2h/24h)");
  if (reason.empty()) return InvalidArgument("延期 needs a reason");
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    ZX_ASSIGN_OR_RETURN(Task * task, TaskOf(o, department));
    ZX_RETURN_IF_ERROR(TaskAfter(task->state, TaskAction::kAskExtension).status());
    if (task->due_ms == 0)
      return FailedPrecondition("the task has no deadline (no calendar for its year) to extend");
    if (clock_.NowUnixMillis() >= task->due_ms)
      return FailedPrecondition("延期 must be asked before the deadline; it has passed");
    if (task->extension == ExtensionState::kRequested)
      return FailedPrecondition("an extension is already waiting for a decision");
    task->extension = ExtensionState::kRequested;
    task->extension_days = days;
    task->extension_reason = reason;
    h.push_back(Step(
        "extension_ask", department, "", "requested",
        std::to_string(days) + (CountsWorkingDays(o.tier) ? " 个工作日：" : " 小时：") + reason));
    return Status::Ok();
  });
}

Result<Order> WorkOrders::DecideExtension(const std::string& id, const std::string& department,
                                          bool approve, const std::string& reason,
                                          const std::string& actor) {
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    ZX_ASSIGN_OR_RETURN(Task * task, TaskOf(o, department));
    if (task->extension != ExtensionState::kRequested)
      return FailedPrecondition("no extension of " + department + " is waiting for a decision");
    task->extension = approve ? ExtensionState::kApproved : ExtensionState::kRefused;
    std::string moved;
    if (approve) {
      const int64_t now = clock_.NowUnixMillis();
      ZX_ASSIGN_OR_RETURN(task->due_ms,
                          calendar_.Extend(task->due_ms, o.tier, task->extension_days));
      ZX_ASSIGN_OR_RETURN(task->warn_ms,
                          calendar_.WarnAt(task->dispatched_ms, task->due_ms, o.tier));
      if (task->due_ms > now) task->overdue = false;
      if (task->warn_ms > now) task->warned = false;
    }
    h.push_back(Step(approve ? "extension_approve" : "extension_refuse", department, "requested",
                     ExtensionStateCode(task->extension), reason));
    return Status::Ok();
  });
}

Result<Order> WorkOrders::RecordVisit(const std::string& id, bool solved, Satisfaction satisfaction,
                                      const std::string& actor, const std::string& note) {
  if (satisfaction == Satisfaction::kNone)
    return InvalidArgument("回访 needs 满意, 基本满意 or 不满意");
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    const int64_t now = clock_.NowUnixMillis();
    std::string what = std::string(solved ? "已解决" : "未解决") + "，" +
                       std::string(SatisfactionLabel(satisfaction)) +
                       (note.empty() ? "" : "；" + note);
    if (o.state == OrderState::kMerged) {
      // Another reporter of a merged matter: visited once the main order is 办结.
      ZX_ASSIGN_OR_RETURN(Order main, store_->Load(o.merged_into, false));
      if (main.state != OrderState::kResolved && main.state != OrderState::kClosed)
        return FailedPrecondition("the order it was merged into (" + main.id + ") is not 办结 yet");
      o.visit = VisitState::kDone;
      o.visit_solved = solved;
      o.satisfaction = satisfaction;
      h.push_back(Step("visit", "", OrderStateCode(o.state), OrderStateCode(o.state), what));
      return Status::Ok();
    }
    bool reopen = satisfaction == Satisfaction::kDissatisfied && o.reopened == 0;
    ZX_ASSIGN_OR_RETURN(OrderState next,
                        OrderAfter(o.state, reopen ? OrderAction::kReopen : OrderAction::kVisit));
    h.push_back(Step("visit", "", OrderStateCode(o.state), OrderStateCode(next), what));
    o.state = next;
    o.visit_solved = solved;
    o.satisfaction = satisfaction;
    if (!reopen) {
      o.visit = VisitState::kDone;
      o.closed_ms = now;
      return Status::Ok();
    }
    // 不满意: once more to the same departments, each with a new clock.
    ++o.reopened;
    o.visit = VisitState::kNone;
    o.visit_due_ms = 0;
    o.resolved_ms = 0;
    for (auto& t : o.tasks) {
      if (t.state != TaskState::kResolved) continue;
      ZX_ASSIGN_OR_RETURN(TaskState task_next, TaskAfter(t.state, TaskAction::kReopen));
      h.push_back(Step("reopen", t.department, TaskStateCode(t.state), TaskStateCode(task_next),
                       "回访不满意，重新办理"));
      ZX_RETURN_IF_ERROR(StartTask(o, t, now));
    }
    return Status::Ok();
  });
}

Result<Order> WorkOrders::VisitUnanswered(const std::string& id, const std::string& actor) {
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    ZX_ASSIGN_OR_RETURN(OrderState next, OrderAfter(o.state, OrderAction::kVisit));
    h.push_back(Step("visit", "", OrderStateCode(o.state), OrderStateCode(next), "未回访"));
    o.state = next;
    o.visit = VisitState::kUnanswered;
    o.closed_ms = clock_.NowUnixMillis();
    return Status::Ok();
  });
}

Result<Order> WorkOrders::Merge(const std::string& id, const std::string& into,
                                const std::string& actor, const std::string& reason) {
  if (id == into) return InvalidArgument("an order cannot be merged into itself");
  ZX_ASSIGN_OR_RETURN(Order main, store_->Load(into, false));
  if (main.state == OrderState::kMerged || main.state == OrderState::kClosed)
    return FailedPrecondition("cannot merge into " + into + ", which is " +
                              std::string(OrderStateLabel(main.state)));
  auto merged = Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    ZX_ASSIGN_OR_RETURN(OrderState next, OrderAfter(o.state, OrderAction::kMerge));
    for (auto& t : o.tasks) {
      if (t.state == TaskState::kWithdrawn) continue;
      ZX_ASSIGN_OR_RETURN(TaskState task_next, TaskAfter(t.state, TaskAction::kWithdraw));
      h.push_back(
          Step("withdraw", t.department, TaskStateCode(t.state), TaskStateCode(task_next), "并单"));
      t.state = task_next;
    }
    h.push_back(Step("merge", "", OrderStateCode(o.state), OrderStateCode(next),
                     "并入 " + into + (reason.empty() ? "" : "：" + reason)));
    o.state = next;
    o.merged_into = into;
    return Status::Ok();
  });
  if (merged.ok())
    (void)Change(into, actor, [&](Order&, std::vector<HistoryEntry>& h) -> Status {
      h.push_back(Step("merge_in", "", "", "", "并入重复诉求 " + id));
      return Status::Ok();
    });
  return merged;
}

Result<Order> WorkOrders::Unmerge(const std::string& id, const std::string& actor,
                                  const std::string& reason) {
  std::string was;
  auto out = Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    ZX_ASSIGN_OR_RETURN(OrderState next, OrderAfter(o.state, OrderAction::kUnmerge));
    was = o.merged_into;
    h.push_back(Step("unmerge", "", OrderStateCode(o.state), OrderStateCode(next),
                     "撤销并入 " + was + (reason.empty() ? "" : "：" + reason)));
    o.state = next;
    o.merged_into.clear();
    // Back to the departments it had before the merge, if any; else to the dispatcher.
    std::vector<Assignment> before;
    for (const auto& t : o.tasks) before.push_back({t.department, t.role});
    if (!before.empty()) return DispatchTo(o, before, "撤销并单", h, clock_.NowUnixMillis());
    return Status::Ok();
  });
  if (out.ok())
    (void)Change(was, actor, [&](Order&, std::vector<HistoryEntry>& h) -> Status {
      h.push_back(Step("unmerge_out", "", "", "", "撤销并单 " + id));
      return Status::Ok();
    });
  return out;
}

Result<Order> WorkOrders::ConfirmField(const std::string& id, const std::string& name,
                                       const std::string& value, const std::string& actor) {
  static const std::set<std::string> kEditable = {"topic", "category", "district",
                                                  "place", "sla",      "summary"};
  if (!kEditable.count(name))
    return InvalidArgument("field must be one of topic, category, district, place, sla, summary");
  std::optional<Tier> tier;
  if (name == "sla") {
    tier = ParseTier(value);
    if (!tier) return InvalidArgument("sla must be 2h, 24h, 7d or 15d");
  }
  return Change(id, actor, [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
    auto f = std::find_if(o.fields.begin(), o.fields.end(),
                          [&](const FilledField& x) { return x.name == name; });
    if (f == o.fields.end()) {
      o.fields.push_back({name, "", 0, std::nullopt, ""});
      f = o.fields.end() - 1;
    }
    std::string before = f->value();
    f->person_value = value;
    f->confirmed_by = actor;
    if (name == "topic") o.topic = value;
    if (name == "category") o.category = value;
    if (name == "district") o.district = value;
    if (name == "place") o.place = value;
    if (name == "summary") o.summary = text::MaskText(value);
    if (tier && *tier != o.tier) {
      // A person may set any tier (only the machine never lowers one): live tasks re-timed.
      o.tier = *tier;
      for (auto& t : o.tasks) {
        if (!Live(t)) continue;
        // Re-timed from its dispatch, as StartTask times it (no deadline: none).
        Task retimed = t;
        ZX_RETURN_IF_ERROR(StartTask(o, retimed, t.dispatched_ms));
        t.due_ms = retimed.due_ms;
        t.warn_ms = retimed.warn_ms;
        t.accept_by_ms = retimed.accept_by_ms;
        const int64_t now = clock_.NowUnixMillis();
        t.overdue = t.due_ms > 0 && t.due_ms <= now;
        t.warned = t.warn_ms > 0 && t.warn_ms <= now;
      }
    }
    h.push_back(Step(before == value ? "confirm_field" : "correct_field", "", "", "",
                     name + "：" + before + " → " + value));
    return Status::Ok();
  });
}

Result<std::vector<SlaEvent>> WorkOrders::Tick() {
  const int64_t now = clock_.NowUnixMillis();
  ZX_ASSIGN_OR_RETURN(auto ids, store_->DueForTick(now));
  std::vector<SlaEvent> events;
  for (const auto& id : ids) {
    auto changed = Change(id, "system", [&](Order& o, std::vector<HistoryEntry>& h) -> Status {
      for (auto& t : o.tasks) {
        if (!Live(t)) continue;
        if (!t.overdue && t.due_ms > 0 && t.due_ms <= now) {
          t.overdue = t.warned = true;
          h.push_back(Step("overdue", t.department, "", "", "超时，已上报部门督办"));
          events.push_back({SlaEvent::kOverdue, o.id, t.department, o.district, t.due_ms});
        } else if (!t.warned && t.warn_ms > 0 && t.warn_ms <= now) {
          t.warned = true;
          h.push_back(Step("warn", t.department, "", "", "预警，已催办"));
          events.push_back({SlaEvent::kWarned, o.id, t.department, o.district, t.due_ms});
        }
      }
      return Status::Ok();
    });
    ZX_RETURN_IF_ERROR(changed.status());
  }
  return events;
}

}  // namespace zx::tickets
