// The legal moves of orders and tasks (DOMAIN.md "Work orders"). Every change of state in
// tickets goes through these two functions; a move not in their tables is a failed_precondition
// that names the state and the action ("cannot 签收 a task that is 已办结"), never a silent change.
#pragma once

#include <string_view>

#include "base/status.h"
#include "tickets/ticket.h"

namespace zx::tickets {

enum class TaskAction {
  kAccept,        // 签收: 待签收 -> 办理中
  kReturn,        // 退单: 待签收/办理中 -> 已退单
  kUphold,        // the dispatcher upholds the dispatch: 已退单 -> 待签收
  kWithdraw,      // 改派 away from this department: 待签收/办理中/已退单 -> 已撤回
  kResolve,       // 办结 with a reply: 办理中 -> 已办结
  kReopen,        // 不满意 at the return visit: 已办结 -> 待签收
  kAskExtension,  // 延期 asked: 待签收/办理中 (state unchanged)
};

enum class OrderAction {
  kDispatch,     // 派单: 待人工派单 -> 办理中
  kAllReturned,  // every live task returned: 办理中 -> 待人工派单
  kAllResolved,  // every live task 办结: 办理中 -> 已办结
  kVisit,        // 回访 answered or given up: 已办结 -> 已归档
  kReopen,       // 不满意 (once): 已办结 -> 办理中
  kMerge,        // 并单: 待人工派单/办理中 -> 已并单
  kUnmerge,      // undo 并单: 已并单 -> 待人工派单
};

std::string_view TaskActionLabel(TaskAction a);    // "签收", "退单", ...
std::string_view OrderActionLabel(OrderAction a);  // "派单", "回访", ...

Result<TaskState> TaskAfter(TaskState from, TaskAction action);
Result<OrderState> OrderAfter(OrderState from, OrderAction action);

}  // namespace zx::tickets
