#include "tickets/state_machine.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace zx::tickets {
namespace {

constexpr TaskState kTaskStates[] = {TaskState::kDispatched, TaskState::kAccepted,
                                     TaskState::kReturned, TaskState::kResolved,
                                     TaskState::kWithdrawn};
constexpr TaskAction kTaskActions[] = {
    TaskAction::kAccept,  TaskAction::kReturn, TaskAction::kUphold,      TaskAction::kWithdraw,
    TaskAction::kResolve, TaskAction::kReopen, TaskAction::kAskExtension};
constexpr OrderState kOrderStates[] = {OrderState::kPendingDispatch, OrderState::kDispatched,
                                       OrderState::kResolved, OrderState::kClosed,
                                       OrderState::kMerged};
constexpr OrderAction kOrderActions[] = {OrderAction::kDispatch,    OrderAction::kAllReturned,
                                         OrderAction::kAllResolved, OrderAction::kVisit,
                                         OrderAction::kReopen,      OrderAction::kMerge,
                                         OrderAction::kUnmerge};

// Every legal move of DOMAIN.md, written out; everything else must be refused.
TEST(StateMachine, EveryTaskMoveIsLegalOrRefusedWithAClearError) {
  using S = TaskState;
  using A = TaskAction;
  const std::map<std::pair<S, A>, S> legal = {
      {{S::kDispatched, A::kAccept}, S::kAccepted},
      {{S::kDispatched, A::kReturn}, S::kReturned},
      {{S::kAccepted, A::kReturn}, S::kReturned},
      {{S::kReturned, A::kUphold}, S::kDispatched},
      {{S::kDispatched, A::kWithdraw}, S::kWithdrawn},
      {{S::kAccepted, A::kWithdraw}, S::kWithdrawn},
      {{S::kReturned, A::kWithdraw}, S::kWithdrawn},
      {{S::kAccepted, A::kResolve}, S::kResolved},
      {{S::kResolved, A::kReopen}, S::kDispatched},
      {{S::kDispatched, A::kAskExtension}, S::kDispatched},
      {{S::kAccepted, A::kAskExtension}, S::kAccepted},
  };
  int refused = 0;
  for (S from : kTaskStates) {
    for (A action : kTaskActions) {
      auto got = TaskAfter(from, action);
      auto it = legal.find({from, action});
      if (it != legal.end()) {
        ASSERT_TRUE(got.ok()) << TaskStateCode(from) << " " << TaskActionLabel(action);
        EXPECT_EQ(*got, it->second);
      } else {
        ASSERT_FALSE(got.ok()) << TaskStateCode(from) << " " << TaskActionLabel(action);
        EXPECT_EQ(got.status().code(), Code::kFailedPrecondition);
        EXPECT_NE(got.status().message().find(std::string(TaskStateLabel(from))),
                  std::string::npos);
        EXPECT_NE(got.status().message().find(std::string(TaskActionLabel(action))),
                  std::string::npos);
        ++refused;
      }
    }
  }
  EXPECT_EQ(refused, 5 * 7 - 11);
}

TEST(StateMachine, EveryOrderMoveIsLegalOrRefused) {
  using S = OrderState;
  using A = OrderAction;
  const std::map<std::pair<S, A>, S> legal = {
      {{S::kPendingDispatch, A::kDispatch}, S::kDispatched},
      {{S::kDispatched, A::kAllReturned}, S::kPendingDispatch},
      {{S::kDispatched, A::kAllResolved}, S::kResolved},
      {{S::kResolved, A::kVisit}, S::kClosed},
      {{S::kResolved, A::kReopen}, S::kDispatched},
      {{S::kPendingDispatch, A::kMerge}, S::kMerged},
      {{S::kDispatched, A::kMerge}, S::kMerged},
      {{S::kMerged, A::kUnmerge}, S::kPendingDispatch},
  };
  for (S from : kOrderStates) {
    for (A action : kOrderActions) {
      auto got = OrderAfter(from, action);
      auto it = legal.find({from, action});
      if (it != legal.end()) {
        ASSERT_TRUE(got.ok());
        EXPECT_EQ(*got, it->second);
      } else {
        ASSERT_FALSE(got.ok()) << OrderStateCode(from) << " " << OrderActionLabel(action);
        EXPECT_EQ(got.status().code(), Code::kFailedPrecondition);
        EXPECT_NE(got.status().message().find(std::string(OrderStateLabel(from))),
                  std::string::npos);
      }
    }
  }
}

TEST(StateMachine, CodesRoundTrip) {
  for (OrderState s : kOrderStates) EXPECT_EQ(ParseOrderState(OrderStateCode(s)), s);
  for (TaskState s : kTaskStates) EXPECT_EQ(ParseTaskState(TaskStateCode(s)), s);
  EXPECT_EQ(ParseRole("主办"), Role::kLead);
  EXPECT_EQ(ParseRole("assist"), Role::kAssist);
  EXPECT_EQ(ParseSatisfaction("3"), Satisfaction::kDissatisfied);
  EXPECT_EQ(ParseSatisfaction("基本满意"), Satisfaction::kBasicallySatisfied);
  EXPECT_FALSE(ParseSatisfaction("").has_value());
  EXPECT_FALSE(ParseOrderState("open").has_value());
}

}  // namespace
}  // namespace zx::tickets
