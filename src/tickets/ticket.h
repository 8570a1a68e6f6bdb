// A work order (工单) and its tasks, as DOMAIN.md "Work orders" defines them: one order per
// matter, one task per department it was dispatched to (一单多派: role 主办 or 协办), each task
// with its own state, clock and reply; an append-only history of every step.
//
// States are stored and exchanged as the codes below (stable, ASCII); StateLabel gives the
// Chinese word staff see. The legal moves between them are in tickets/state_machine.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tickets/sla.h"

namespace zx::tickets {

// The order as a whole.
enum class OrderState {
  kPendingDispatch,  // 待人工派单: no department yet (not in the catalogue, or every task returned)
  kDispatched,       // 办理中: tasks are out with departments
  kResolved,         // 已办结: every task replied; the return visit is due
  kClosed,           // 已归档: visited (or 未回访 after the attempts)
  kMerged,           // 已并单: a duplicate report, merged into another order (reversible)
};

// One department's part of an order.
enum class TaskState {
  kDispatched,  // 待签收
  kAccepted,    // 办理中 (签收 done)
  kReturned,    // 已退单: back with the dispatcher, who re-dispatches (改派) or upholds it
  kResolved,    // 已办结: the department replied
  kWithdrawn,   // 已撤回: re-dispatched to another department; kept for the record
};

enum class Role { kLead, kAssist };  // 主办, 协办

// The return visit (回访).
enum class VisitState {
  kNone,        // not yet due (the order is not 办结)
  kDue,         // 待回访
  kDone,        // 已回访: the citizen answered
  kUnanswered,  // 未回访: no answer after the attempts (counted apart)
};

enum class Satisfaction { kNone, kSatisfied, kBasicallySatisfied, kDissatisfied };

// Extension (延期) of one task: asked by the department, decided by a supervisor.
enum class ExtensionState { kNone, kRequested, kApproved, kRefused };

std::string_view OrderStateCode(OrderState s);   // "pending_dispatch", "dispatched", ...
std::string_view OrderStateLabel(OrderState s);  // "待人工派单", "办理中", ...
std::optional<OrderState> ParseOrderState(std::string_view code);
std::string_view TaskStateCode(TaskState s);   // "dispatched", "accepted", ...
std::string_view TaskStateLabel(TaskState s);  // "待签收", "办理中", ...
std::optional<TaskState> ParseTaskState(std::string_view code);
std::string_view RoleCode(Role r);   // "lead", "assist"
std::string_view RoleLabel(Role r);  // "主办", "协办"
std::optional<Role> ParseRole(std::string_view code_or_label);
std::string_view VisitStateCode(VisitState s);  // "none", "due", "done", "unanswered"
std::optional<VisitState> ParseVisitState(std::string_view code);
std::string_view SatisfactionLabel(Satisfaction s);  // "", "满意", "基本满意", "不满意"
// "满意"/"基本满意"/"不满意", or the keys "1"/"2"/"3" of a phone's return visit.
std::optional<Satisfaction> ParseSatisfaction(std::string_view word);
std::string_view ExtensionStateCode(ExtensionState s);  // "none", "requested", ...
std::optional<ExtensionState> ParseExtensionState(std::string_view code);

// One department of an order and its role (the dispatch catalogue's entries, an order's
// dispatch).
struct Assignment {
  std::string code;  // department code of kb/departments.tsv ("cgj")
  Role role = Role::kLead;
  bool operator==(const Assignment&) const = default;
};

// The reasons a department may give for 退单 (DOMAIN.md); free text is allowed besides.
inline constexpr std::string_view kReturnReasons[] = {"属地不符", "权属不清", "职能交叉",
                                                      "诉求不清"};

struct Task {
  std::string department;  // code of the dispatch catalogue (DOMAIN.md), e.g. "cgj"
  Role role = Role::kLead;
  TaskState state = TaskState::kDispatched;
  int64_t dispatched_ms = 0;
  int64_t accept_by_ms = 0;   // the 签收 limit (响应率)
  int64_t accepted_ms = 0;    // 0 until 签收
  int64_t due_ms = 0;         // the deadline (moved only by an approved extension); 0: none
                              // could be computed (no calendar for its year)
  int64_t warn_ms = 0;        // 预警 from here on
  bool warned = false;        // 预警 was marked (and the 催办 reminder sent)
  bool overdue = false;       // 超时 was marked and escalated
  int64_t resolved_ms = 0;    // 0 until 办结
  std::string reply;          // the department's answer (办结)
  std::string return_reason;  // the last 退单 reason
  ExtensionState extension = ExtensionState::kNone;
  int extension_days = 0;  // asked for (working days; hours for hour tiers: see Extend)
  std::string extension_reason;
  std::string no_deadline_reason;  // why due_ms is 0 (not stored: said in the history)
};

// A field auto-fill set: the machine's value is kept when a person confirms or changes it.
struct FilledField {
  std::string name;  // "topic", "category", "department", "district", "place", "sla", ...
  std::string machine_value;
  double confidence = 0;
  std::optional<std::string> person_value;  // set once a person confirmed or changed it
  std::string confirmed_by;
  // What the order uses: the person's value when there is one.
  const std::string& value() const { return person_value ? *person_value : machine_value; }
  bool machine() const { return !person_value.has_value(); }
};

struct Order {
  std::string id;  // "GD" + YYYYMMDD (China time) + 4-digit sequence of the day
  OrderState state = OrderState::kPendingDispatch;
  std::string channel;          // "chat", "voice", "api", "agent"
  std::string conversation_id;  // where it came from ("" for API/agent forms)
  std::string topic;            // a complaint topic of the knowledge base, or ""
  std::string category;         // the deployment's own learned label, or ""
  std::string summary;          // one sentence, no personal data
  std::string text;             // what the citizen said (personal data masked)
  std::string district;         // "" when not stated
  std::string place;            // "" when not stated
  Tier tier = Tier::k24h;
  bool urgent = false;  // the tier was raised to 2h by danger in the text
  double confidence = 0;
  // Contact: the number, name and address details are sealed in the store; the order carries
  // the masked number always, and the plain values only when they were opened (and audited).
  std::string contact_masked;
  std::optional<std::string> contact;
  std::optional<std::string> name;
  std::optional<std::string> address;
  std::vector<Task> tasks;
  std::vector<FilledField> fields;
  std::string merged_into;  // the order this duplicate was merged into, "" when not merged
  int reopened = 0;         // times 不满意 reopened it (at most once)
  VisitState visit = VisitState::kNone;
  int64_t visit_due_ms = 0;  // the end of the working day after 办结
  bool visit_solved = false;
  Satisfaction satisfaction = Satisfaction::kNone;
  int64_t created_ms = 0;
  int64_t resolved_ms = 0;  // when the last task was 办结
  int64_t closed_ms = 0;
  std::string created_by;  // principal id, or "system" for a conversation

  // The 主办 department ("" while none).
  std::string LeadDepartment() const;
  // The scope of staff who may see it: every department of a live or returned task, and the
  // district (security's RecordScope is built from these by the caller).
  std::vector<std::string> Departments() const;
};

// One step of the append-only history.
struct HistoryEntry {
  int64_t seq = 0;  // 1, 2, ... per order
  int64_t at_ms = 0;
  std::string actor;       // principal id ("u:3", "k:..."), "system" or "cli:<user>"
  std::string action;      // "create", "dispatch", "accept", "return", "redispatch", "uphold", ...
  std::string department;  // the task's department, "" for the order itself
  std::string from_state;
  std::string to_state;
  std::string reason;
};

}  // namespace zx::tickets
