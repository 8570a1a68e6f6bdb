#include "tickets/state_machine.h"

#include <string>

namespace zx::tickets {
namespace {

using TS = TaskState;
using OS = OrderState;

struct TaskMove {
  TaskAction action;
  TS from;
  TS to;
};
constexpr TaskMove kTaskMoves[] = {
    {TaskAction::kAccept, TS::kDispatched, TS::kAccepted},
    {TaskAction::kReturn, TS::kDispatched, TS::kReturned},
    {TaskAction::kReturn, TS::kAccepted, TS::kReturned},
    {TaskAction::kUphold, TS::kReturned, TS::kDispatched},
    {TaskAction::kWithdraw, TS::kDispatched, TS::kWithdrawn},
    {TaskAction::kWithdraw, TS::kAccepted, TS::kWithdrawn},
    {TaskAction::kWithdraw, TS::kReturned, TS::kWithdrawn},
    {TaskAction::kResolve, TS::kAccepted, TS::kResolved},
    {TaskAction::kReopen, TS::kResolved, TS::kDispatched},
    {TaskAction::kAskExtension, TS::kDispatched, TS::kDispatched},
    {TaskAction::kAskExtension, TS::kAccepted, TS::kAccepted},
};

struct OrderMove {
  OrderAction action;
  OS from;
  OS to;
};
constexpr OrderMove kOrderMoves[] = {
    {OrderAction::kDispatch, OS::kPendingDispatch, OS::kDispatched},
    {OrderAction::kAllReturned, OS::kDispatched, OS::kPendingDispatch},
    {OrderAction::kAllResolved, OS::kDispatched, OS::kResolved},
    {OrderAction::kVisit, OS::kResolved, OS::kClosed},
    {OrderAction::kReopen, OS::kResolved, OS::kDispatched},
    {OrderAction::kMerge, OS::kPendingDispatch, OS::kMerged},
    {OrderAction::kMerge, OS::kDispatched, OS::kMerged},
    {OrderAction::kUnmerge, OS::kMerged, OS::kPendingDispatch},
};

}  // namespace

std::string_view TaskActionLabel(TaskAction a) {
  switch (a) {
    case TaskAction::kAccept:
      return "签收";
    case TaskAction::kReturn:
      return "退单";
    case TaskAction::kUphold:
      return "维持派单";
    case TaskAction::kWithdraw:
      return "改派";
    case TaskAction::kResolve:
      return "办结";
    case TaskAction::kReopen:
      return "重办";
    case TaskAction::kAskExtension:
      return "申请延期";
  }
  return "?";
}

std::string_view OrderActionLabel(OrderAction a) {
  switch (a) {
    case OrderAction::kDispatch:
      return "派单";
    case OrderAction::kAllReturned:
      return "全部退单";
    case OrderAction::kAllResolved:
      return "办结";
    case OrderAction::kVisit:
      return "回访";
    case OrderAction::kReopen:
      return "重办";
    case OrderAction::kMerge:
      return "并单";
    case OrderAction::kUnmerge:
      return "撤销并单";
  }
  return "?";
}

Result<TaskState> TaskAfter(TaskState from, TaskAction action) {
  for (const auto& m : kTaskMoves)
    if (m.action == action && m.from == from) return m.to;
  return FailedPrecondition("cannot " + std::string(TaskActionLabel(action)) + " a task that is " +
                            std::string(TaskStateLabel(from)));
}

Result<OrderState> OrderAfter(OrderState from, OrderAction action) {
  for (const auto& m : kOrderMoves)
    if (m.action == action && m.from == from) return m.to;
  return FailedPrecondition("cannot " + std::string(OrderActionLabel(action)) +
                            " an order that is " + std::string(OrderStateLabel(from)));
}

}  // namespace zx::tickets
