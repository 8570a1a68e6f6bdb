#include "tickets/ticket.h"

#include <algorithm>
#include <array>
#include <utility>

namespace zx::tickets {
namespace {

// One table per enum: value, code, label. Parse accepts the code (and, for roles, the label).
template <typename E>
struct Name {
  E value;
  std::string_view code;
  std::string_view label;
};

constexpr std::array kOrderStates = {
    Name<OrderState>{OrderState::kPendingDispatch, "pending_dispatch", "待人工派单"},
    Name<OrderState>{OrderState::kDispatched, "dispatched", "办理中"},
    Name<OrderState>{OrderState::kResolved, "resolved", "已办结"},
    Name<OrderState>{OrderState::kClosed, "closed", "已归档"},
    Name<OrderState>{OrderState::kMerged, "merged", "已并单"},
};
constexpr std::array kTaskStates = {
    Name<TaskState>{TaskState::kDispatched, "dispatched", "待签收"},
    Name<TaskState>{TaskState::kAccepted, "accepted", "办理中"},
    Name<TaskState>{TaskState::kReturned, "returned", "已退单"},
    Name<TaskState>{TaskState::kResolved, "resolved", "已办结"},
    Name<TaskState>{TaskState::kWithdrawn, "withdrawn", "已撤回"},
};
constexpr std::array kRoles = {
    Name<Role>{Role::kLead, "lead", "主办"},
    Name<Role>{Role::kAssist, "assist", "协办"},
};
constexpr std::array kVisitStates = {
    Name<VisitState>{VisitState::kNone, "none", ""},
    Name<VisitState>{VisitState::kDue, "due", "待回访"},
    Name<VisitState>{VisitState::kDone, "done", "已回访"},
    Name<VisitState>{VisitState::kUnanswered, "unanswered", "未回访"},
};
constexpr std::array kSatisfactions = {
    Name<Satisfaction>{Satisfaction::kNone, "", ""},
    Name<Satisfaction>{Satisfaction::kSatisfied, "1", "满意"},
    Name<Satisfaction>{Satisfaction::kBasicallySatisfied, "2", "基本满意"},
    Name<Satisfaction>{Satisfaction::kDissatisfied, "3", "不满意"},
};
constexpr std::array kExtensions = {
    Name<ExtensionState>{ExtensionState::kNone, "none", ""},
    Name<ExtensionState>{ExtensionState::kRequested, "requested", "延期待审"},
    Name<ExtensionState>{ExtensionState::kApproved, "approved", "延期已批准"},
    Name<ExtensionState>{ExtensionState::kRefused, "refused", "延期未批准"},
};

template <typename E, size_t N>
const Name<E>& Find(const std::array<Name<E>, N>& table, E value) {
  for (const auto& n : table)
    if (n.value == value) return n;
  return table[0];
}

template <typename E, size_t N>
std::optional<E> ByCode(const std::array<Name<E>, N>& table, std::string_view code) {
  for (const auto& n : table)
    if (n.code == code) return n.value;
  return std::nullopt;
}

}  // namespace

std::string_view OrderStateCode(OrderState s) { return Find(kOrderStates, s).code; }
std::string_view OrderStateLabel(OrderState s) { return Find(kOrderStates, s).label; }
std::optional<OrderState> ParseOrderState(std::string_view c) { return ByCode(kOrderStates, c); }
std::string_view TaskStateCode(TaskState s) { return Find(kTaskStates, s).code; }
std::string_view TaskStateLabel(TaskState s) { return Find(kTaskStates, s).label; }
std::optional<TaskState> ParseTaskState(std::string_view c) { return ByCode(kTaskStates, c); }
std::string_view RoleCode(Role r) { return Find(kRoles, r).code; }
std::string_view RoleLabel(Role r) { return Find(kRoles, r).label; }
std::optional<Role> ParseRole(std::string_view s) {
  for (const auto& n : kRoles)
    if (n.code == s || n.label == s) return n.value;
  return std::nullopt;
}
std::string_view VisitStateCode(VisitState s) { return Find(kVisitStates, s).code; }
std::optional<VisitState> ParseVisitState(std::string_view c) { return ByCode(kVisitStates, c); }
std::string_view SatisfactionLabel(Satisfaction s) { return Find(kSatisfactions, s).label; }
std::optional<Satisfaction> ParseSatisfaction(std::string_view word) {
  if (word.empty()) return std::nullopt;
  for (const auto& n : kSatisfactions)
    if (n.value != Satisfaction::kNone && (n.code == word || n.label == word)) return n.value;
  return std::nullopt;
}
std::string_view ExtensionStateCode(ExtensionState s) { return Find(kExtensions, s).code; }
std::optional<ExtensionState> ParseExtensionState(std::string_view c) {
  return ByCode(kExtensions, c);
}

std::string Order::LeadDepartment() const {
  for (const auto& t : tasks)
    if (t.role == Role::kLead && t.state != TaskState::kWithdrawn) return t.department;
  return "";
}

std::vector<std::string> Order::Departments() const {
  std::vector<std::string> out;
  for (const auto& t : tasks)
    if (t.state != TaskState::kWithdrawn &&
        std::find(out.begin(), out.end(), t.department) == out.end())
      out.push_back(t.department);
  return out;
}

}  // namespace zx::tickets
