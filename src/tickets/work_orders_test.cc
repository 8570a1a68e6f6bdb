// The work-order service over an in-memory database and a fake clock: creation with auto-dispatch
// and 并单, every action of DOMAIN.md through the state machine, 一单多派, 退单/改派, 延期, 回访
// reopening once, 预警/超时 by Tick across a restart, sealed contact data, lists.
#include "tickets/work_orders.h"

#include <gtest/gtest.h>

#include <chrono>

#include "security/keys.h"
#include "storage/testing/test_database.h"
#include "tickets/order_list.h"
#include "tickets/testing/clock_sla.h"

namespace zx::tickets {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
constexpr int64_t kStart = 1764900000000;  // 2025-12-05 10:00 China time

class WorkOrdersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(storage::testing::OpenTestDatabase()).value();
    cipher_ = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_)));
    Reopen();
  }
  void Reopen() { orders_ = std::move(WorkOrders::Open(*db_, cipher_, sla_, clock_)).value(); }

  NewOrder Complaint(std::vector<Assignment> departments = {{"cgj", Role::kLead}},
                     std::string place = "幸福路") {
    NewOrder n;
    n.channel = "chat";
    n.text = "幸福路上井盖丢了，我电话13812345678";
    n.summary = "幸福路井盖缺失";
    n.topic = "ts.road_damage";
    n.district = "东城区";
    n.place = std::move(place);
    n.tier = Tier::k24h;
    n.departments = std::move(departments);
    n.contact = "13812345678";
    n.fields = {{"district", "东城区", 0.9, std::nullopt, ""}};
    return n;
  }
  Order Create(NewOrder n) { return std::move(orders_->Create(n, "u:1")).value(); }
  std::vector<std::string> Actions(const std::string& id) {
    std::vector<std::string> out;
    auto history = orders_->History(id);
    for (const auto& e : history.value()) out.push_back(e.action);
    return out;
  }

  FakeClock clock_{kStart};
  testing::ClockSla sla_;
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<security::FieldCipher> cipher_;
  std::unique_ptr<WorkOrders> orders_;
};

TEST_F(WorkOrdersTest, CreateDispatchesAtOnceWithTheClockOfTheTier) {
  Order o = Create(Complaint());
  EXPECT_EQ(o.id.substr(0, 10), "GD20251205");
  EXPECT_EQ(o.id.size(), 14u);
  EXPECT_EQ(o.state, OrderState::kDispatched);
  ASSERT_EQ(o.tasks.size(), 1u);
  EXPECT_EQ(o.tasks[0].department, "cgj");
  EXPECT_EQ(o.tasks[0].state, TaskState::kDispatched);
  EXPECT_EQ(o.tasks[0].due_ms, kStart + 24 * 3600000LL);
  EXPECT_EQ(o.tasks[0].warn_ms, kStart + 24 * 3600000LL * 8 / 10);
  EXPECT_EQ(o.contact_masked, "138****5678");
  EXPECT_EQ(Actions(o.id), (std::vector<std::string>{"create", "dispatch", "dispatch"}));
  Order second = Create(Complaint({{"gaj", Role::kLead}}, "解放路"));
  EXPECT_EQ(second.id, "GD202512050002");
}

TEST_F(WorkOrdersTest, NoDepartmentWaitsForTheDispatcher) {
  Order o = Create(Complaint({}));
  EXPECT_EQ(o.state, OrderState::kPendingDispatch);
  EXPECT_TRUE(o.tasks.empty());
  o = orders_->Dispatch(o.id, {{"cgj", Role::kLead}}, "u:2", "人工派单").value();
  EXPECT_EQ(o.state, OrderState::kDispatched);
  auto again = orders_->Dispatch(o.id, {{"zjj", Role::kLead}}, "u:2");
  EXPECT_EQ(again.status().code(), Code::kFailedPrecondition);
}

TEST_F(WorkOrdersTest, BadDepartmentListsAreRefused) {
  EXPECT_EQ(orders_->Create(Complaint({{"cgj", Role::kLead}, {"cgj", Role::kAssist}}), "u:1")
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(orders_->Create(Complaint({{"cgj", Role::kAssist}}), "u:1").status().code(),
            Code::kInvalidArgument);
  NewOrder empty = Complaint();
  empty.text.clear();
  EXPECT_EQ(orders_->Create(empty, "u:1").status().code(), Code::kInvalidArgument);
}

TEST_F(WorkOrdersTest, SeveralDepartmentsCloseOnlyWhenEveryTaskIsResolved) {
  Order o = Create(Complaint({{"cgj", Role::kLead}, {"zjj", Role::kAssist}}));
  ASSERT_EQ(o.tasks.size(), 2u);
  EXPECT_EQ(o.LeadDepartment(), "cgj");
  ASSERT_TRUE(orders_->Accept(o.id, "cgj", "u:5").ok());
  // 办结 before 签收 is refused, clearly.
  auto early = orders_->Resolve(o.id, "zjj", "已处理", "u:6");
  EXPECT_EQ(early.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(early.status().message().find("待签收"), std::string::npos);
  o = orders_->Resolve(o.id, "cgj", "已补装井盖", "u:5").value();
  EXPECT_EQ(o.state, OrderState::kDispatched);
  ASSERT_TRUE(orders_->Accept(o.id, "zjj", "u:6").ok());
  o = orders_->Resolve(o.id, "zjj", "已协助", "u:6").value();
  EXPECT_EQ(o.state, OrderState::kResolved);
  EXPECT_EQ(o.visit, VisitState::kDue);
  EXPECT_GT(o.visit_due_ms, clock_.NowUnixMillis());
  EXPECT_EQ(orders_->Resolve(o.id, "zjj", "again", "u:6").status().code(),
            Code::kFailedPrecondition);
}

TEST_F(WorkOrdersTest, ReturnGoesToTheDispatcherWhoRedispatchesOrUpholds) {
  Order o = Create(Complaint());
  EXPECT_EQ(orders_->Return(o.id, "cgj", "", "u:5").status().code(), Code::kInvalidArgument);
  o = orders_->Return(o.id, "cgj", "权属不清", "u:5").value();
  EXPECT_EQ(o.state, OrderState::kPendingDispatch);
  EXPECT_EQ(o.tasks[0].state, TaskState::kReturned);
  EXPECT_EQ(o.tasks[0].return_reason, "权属不清");
  OrderQuery returned;
  returned.returned = true;
  EXPECT_EQ(orders_->List(returned).value().total, 1);

  o = orders_->Redispatch(o.id, "cgj", "zjj", "u:2", "属住建").value();
  EXPECT_EQ(o.state, OrderState::kDispatched);
  EXPECT_EQ(o.LeadDepartment(), "zjj");
  EXPECT_EQ(o.Departments(), std::vector<std::string>{"zjj"});

  o = orders_->Return(o.id, "zjj", "职能交叉", "u:7").value();
  o = orders_->Uphold(o.id, "zjj", "u:2", "属住建职责").value();
  EXPECT_EQ(o.state, OrderState::kDispatched);
  EXPECT_EQ(o.tasks.back().state, TaskState::kDispatched);
  auto h = Actions(o.id);
  EXPECT_EQ(h.back(), "dispatch");
}

TEST_F(WorkOrdersTest, ExtensionMovesTheDeadlineOnlyWhenApproved) {
  NewOrder n = Complaint();
  n.tier = Tier::k7d;
  Order o = Create(n);
  int64_t due = o.tasks[0].due_ms;
  EXPECT_EQ(orders_->DecideExtension(o.id, "cgj", true, "", "u:9").status().code(),
            Code::kFailedPrecondition);
  ASSERT_TRUE(orders_->AskExtension(o.id, "cgj", 3, "需第三方检测", "u:5").ok());
  EXPECT_EQ(orders_->AskExtension(o.id, "cgj", 3, "again", "u:5").status().code(),
            Code::kFailedPrecondition);
  o = orders_->DecideExtension(o.id, "cgj", false, "理由不足", "u:9").value();
  EXPECT_EQ(o.tasks[0].due_ms, due);
  EXPECT_EQ(o.tasks[0].extension, ExtensionState::kRefused);
  ASSERT_TRUE(orders_->AskExtension(o.id, "cgj", 3, "需第三方检测", "u:5").ok());
  o = orders_->DecideExtension(o.id, "cgj", true, "同意", "u:9").value();
  EXPECT_EQ(o.tasks[0].due_ms, due + 3 * testing::ClockSla::kDay);
  // After the deadline, no extension can be asked.
  clock_.Set(o.tasks[0].due_ms + 1);
  EXPECT_EQ(orders_->AskExtension(o.id, "cgj", 1, "late", "u:5").status().code(),
            Code::kFailedPrecondition);
}

TEST_F(WorkOrdersTest, DissatisfiedReopensOnceThenArchives) {
  Order o = Create(Complaint());
  auto finish = [&] {
    ASSERT_TRUE(orders_->Accept(o.id, "cgj", "u:5").ok());
    o = orders_->Resolve(o.id, "cgj", "已处理", "u:5").value();
    ASSERT_EQ(o.state, OrderState::kResolved);
  };
  finish();
  EXPECT_EQ(orders_->RecordVisit(o.id, false, Satisfaction::kNone, "u:3").status().code(),
            Code::kInvalidArgument);
  clock_.Advance(hours(5));
  o = orders_->RecordVisit(o.id, false, Satisfaction::kDissatisfied, "u:3").value();
  EXPECT_EQ(o.state, OrderState::kDispatched);
  EXPECT_EQ(o.reopened, 1);
  EXPECT_EQ(o.tasks[0].state, TaskState::kDispatched);
  EXPECT_EQ(o.tasks[0].dispatched_ms, clock_.NowUnixMillis());  // a new clock
  finish();
  o = orders_->RecordVisit(o.id, false, Satisfaction::kDissatisfied, "u:3").value();
  EXPECT_EQ(o.state, OrderState::kClosed);
  EXPECT_EQ(o.visit, VisitState::kDone);
  EXPECT_EQ(o.satisfaction, Satisfaction::kDissatisfied);
  EXPECT_EQ(orders_->RecordVisit(o.id, true, Satisfaction::kSatisfied, "u:3").status().code(),
            Code::kFailedPrecondition);
}

TEST_F(WorkOrdersTest, UnansweredVisitIsArchivedApart) {
  Order o = Create(Complaint());
  EXPECT_EQ(orders_->VisitUnanswered(o.id, "system").status().code(), Code::kFailedPrecondition);
  ASSERT_TRUE(orders_->Accept(o.id, "cgj", "u:5").ok());
  ASSERT_TRUE(orders_->Resolve(o.id, "cgj", "已处理", "u:5").ok());
  o = orders_->VisitUnanswered(o.id, "system").value();
  EXPECT_EQ(o.state, OrderState::kClosed);
  EXPECT_EQ(o.visit, VisitState::kUnanswered);
}

TEST_F(WorkOrdersTest, DuplicatesMergeByTopicPlaceAndWindowAndCanBeUndone) {
  Order first = Create(Complaint());
  clock_.Advance(hours(5));
  Order dup = Create(Complaint());
  EXPECT_EQ(dup.state, OrderState::kMerged);
  EXPECT_EQ(dup.merged_into, first.id);
  EXPECT_TRUE(dup.tasks.empty());
  EXPECT_EQ(orders_->MergedInto(first.id).value(), std::vector<std::string>{dup.id});
  // Same place, another matter: kept apart.
  NewOrder other = Complaint();
  other.topic = "ts.garbage";
  EXPECT_EQ(Create(other).state, OrderState::kDispatched);
  // Same matter elsewhere: kept apart.
  EXPECT_EQ(Create(Complaint({{"cgj", Role::kLead}}, "建设路")).state, OrderState::kDispatched);
  // Outside the window: a new order.
  clock_.Advance(hours(72));
  EXPECT_EQ(Create(Complaint()).state, OrderState::kDispatched);

  Order undone = orders_->Unmerge(dup.id, "u:2", "不是同一井盖").value();
  EXPECT_EQ(undone.state, OrderState::kPendingDispatch);
  EXPECT_TRUE(undone.merged_into.empty());
  EXPECT_TRUE(orders_->MergedInto(first.id).value().empty());
  auto h = Actions(first.id);
  EXPECT_EQ(h.back(), "unmerge_out");
}

TEST_F(WorkOrdersTest, ManualMergeWithdrawsTasksAndUnmergeDispatchesThemAgain) {
  Order a = Create(Complaint());
  Order b = Create(Complaint({{"gaj", Role::kLead}}, "解放路"));
  EXPECT_EQ(orders_->Merge(a.id, a.id, "u:2", "").status().code(), Code::kInvalidArgument);
  b = orders_->Merge(b.id, a.id, "u:2", "同一事件").value();
  EXPECT_EQ(b.state, OrderState::kMerged);
  EXPECT_EQ(b.tasks[0].state, TaskState::kWithdrawn);
  EXPECT_EQ(orders_->Merge(a.id, b.id, "u:2", "").status().code(), Code::kFailedPrecondition);
  b = orders_->Unmerge(b.id, "u:2", "").value();
  EXPECT_EQ(b.state, OrderState::kDispatched);
  EXPECT_EQ(b.LeadDepartment(), "gaj");
}

TEST_F(WorkOrdersTest, TickMarksWarningAndOverdueOnceAndSurvivesARestart) {
  NewOrder n = Complaint();
  n.tier = Tier::k2h;
  Order o = Create(n);
  EXPECT_TRUE(orders_->Tick().value().empty());
  clock_.Advance(minutes(95));  // 80% of 2 h is 96 min
  EXPECT_TRUE(orders_->Tick().value().empty());
  clock_.Advance(minutes(1));
  auto events = orders_->Tick().value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SlaEvent::kWarned);
  EXPECT_TRUE(orders_->Tick().value().empty());  // once
  OrderQuery warned;
  warned.warned = true;
  EXPECT_EQ(orders_->List(warned).value().total, 1);

  Reopen();  // a restart: the state is in the database, not in timers
  clock_.Advance(hours(3));
  events = orders_->Tick().value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SlaEvent::kOverdue);
  EXPECT_EQ(events[0].department, "cgj");
  OrderQuery overdue;
  overdue.overdue = true;
  EXPECT_EQ(orders_->List(overdue).value().total, 1);
  auto h = Actions(o.id);
  EXPECT_EQ(h[h.size() - 2], "warn");
  EXPECT_EQ(h.back(), "overdue");
  EXPECT_EQ(orders_->History(o.id).value().back().actor, "system");
}

TEST_F(WorkOrdersTest, PersonalFieldsAreSealedAndFoundByBlindIndex) {
  NewOrder n = Complaint();
  n.name = "张三";
  n.address = "幸福路12号3单元502";
  Order o = Create(n);
  EXPECT_FALSE(o.contact.has_value());
  Order opened = orders_->Get(o.id, true).value();
  EXPECT_EQ(opened.contact, "13812345678");
  EXPECT_EQ(opened.name, "张三");
  EXPECT_EQ(opened.address, "幸福路12号3单元502");
  Order closed = orders_->Get(o.id).value();
  EXPECT_FALSE(closed.contact.has_value());
  EXPECT_EQ(closed.text.find("13812345678"), std::string::npos);  // masked in the text too
  auto st = db_->Prepare("SELECT contact_enc, name_enc, address_enc, text FROM tickets").value();
  ASSERT_TRUE(st.Step().value());
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(st.Text(c).find("13812345678"), std::string::npos);
    EXPECT_EQ(st.Text(c).find("张三"), std::string::npos);
  }
  OrderQuery by_phone;
  by_phone.phone = "13812345678";
  EXPECT_EQ(orders_->List(by_phone).value().total, 1);

  // Under another key file (the old one lost): the order reads as before, its personal fields
  // answer key_missing (410 at the edge), never a server error.
  cipher_ = std::make_shared<security::FieldCipher>(
      std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_)));
  Reopen();
  EXPECT_TRUE(orders_->Get(o.id).ok());
  auto lost = orders_->Get(o.id, true);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), Code::kKeyMissing) << lost.status().message();
  EXPECT_NE(lost.status().message().find(o.id), std::string::npos);
}

TEST_F(WorkOrdersTest, ConfirmedFieldsKeepTheMachinesValue) {
  Order o = Create(Complaint());
  EXPECT_EQ(orders_->ConfirmField(o.id, "contact", "x", "u:1").status().code(),
            Code::kInvalidArgument);
  o = orders_->ConfirmField(o.id, "district", "西城区", "u:1").value();
  EXPECT_EQ(o.district, "西城区");
  ASSERT_EQ(o.fields.size(), 1u);
  EXPECT_EQ(o.fields[0].machine_value, "东城区");
  EXPECT_EQ(o.fields[0].value(), "西城区");
  EXPECT_FALSE(o.fields[0].machine());
  int64_t due = o.tasks[0].due_ms;
  o = orders_->ConfirmField(o.id, "sla", "2h", "u:1").value();
  EXPECT_EQ(o.tier, Tier::k2h);
  EXPECT_LT(o.tasks[0].due_ms, due);
}

TEST_F(WorkOrdersTest, ListsFilterPageAndSortOnTheServer) {
  for (int i = 0; i < 30; ++i) {
    NewOrder n = Complaint({{i % 2 ? "cgj" : "gaj", Role::kLead}}, "路" + std::to_string(i));
    n.district = i % 3 ? "东城区" : "西城区";
    Create(n);
    clock_.Advance(minutes(1));
  }
  OrderQuery q;
  q.department = "cgj";
  q.district = "东城区";
  q.limit = 4;
  OrderPage page = orders_->List(q).value();
  EXPECT_EQ(page.total, 10);
  ASSERT_EQ(page.rows.size(), 4u);
  EXPECT_GT(page.rows[0].created_ms, page.rows[1].created_ms);
  q.offset = 8;
  EXPECT_EQ(orders_->List(q).value().rows.size(), 2u);
  q.limit = 0;
  EXPECT_EQ(orders_->List(q).status().code(), Code::kInvalidArgument);
}

// Issue 12: a department's list (with or without a district, a handler's scope) runs from that
// department's tasks on an index that counts and pages without a sort, and it lists exactly the
// orders with a task of the department that is not withdrawn, also after the district changed,
// a task was withdrawn by 改派 or a 协办 task was added.
TEST_F(WorkOrdersTest, DepartmentListsUseTheTaskIndexAndMatchEveryTask) {
  std::vector<std::string> ids;
  for (int i = 0; i < 24; ++i) {
    std::vector<Assignment> to = {{i % 2 ? "cgj" : "gaj", Role::kLead}};
    if (i % 5 == 0) to.push_back({i % 2 ? "gaj" : "cgj", Role::kAssist});  // 一单多派
    NewOrder n = Complaint(to, "路" + std::to_string(i));
    n.district = i % 3 ? "东城区" : "西城区";
    ids.push_back(Create(n).id);
    clock_.Advance(minutes(1));
  }
  ASSERT_TRUE(orders_->ConfirmField(ids[1], "district", "西城区", "u:2").ok());  // was 东城区
  ASSERT_TRUE(orders_->Redispatch(ids[3], "cgj", "zjj", "u:2", "不属本部门").ok());

  // What the list must say, from every order and its tasks.
  auto expected = [&](const std::string& department, const std::string& district) {
    std::vector<std::string> out;
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      Order o = orders_->Get(*it).value();
      if (!district.empty() && o.district != district) continue;
      for (const auto& t : o.tasks)
        if (t.department == department && t.state != TaskState::kWithdrawn) out.push_back(o.id);
    }
    return out;
  };
  for (const char* department : {"cgj", "gaj", "zjj"}) {
    for (const char* district : {"", "东城区", "西城区"}) {
      OrderQuery q;
      q.department = department;
      q.district = district;
      q.limit = 100;
      OrderPage page = orders_->List(q).value();
      std::vector<std::string> got;
      for (const auto& r : page.rows) got.push_back(r.id);
      EXPECT_EQ(got, expected(department, district)) << department << " " << district;
      EXPECT_EQ(page.total, static_cast<int64_t>(got.size()));
    }
  }
  OrderQuery in_hand;  // a filter on the order itself: the count joins the orders
  in_hand.department = "cgj";
  in_hand.district = "东城区";
  in_hand.state = OrderState::kDispatched;
  ASSERT_TRUE(orders_->Accept(ids[13], "cgj", "u:5").ok());  // 13 leaves 办理中: 已办结
  ASSERT_TRUE(orders_->Resolve(ids[13], "cgj", "已处理", "u:5").ok());
  OrderPage dispatched = orders_->List(in_hand).value();
  std::vector<std::string> want;
  for (const auto& id : expected("cgj", "东城区"))
    if (orders_->Get(id).value().state == OrderState::kDispatched) want.push_back(id);
  std::vector<std::string> got;
  for (const auto& r : dispatched.rows) got.push_back(r.id);
  EXPECT_EQ(got, want);
  EXPECT_EQ(dispatched.total, static_cast<int64_t>(want.size()));
  EXPECT_LT(want.size(), expected("cgj", "东城区").size());

  OrderQuery window;  // created in a window, oldest first
  window.department = "cgj";
  window.from_ms = kStart + 4 * 60000;
  window.until_ms = kStart + 10 * 60000;
  window.descending = false;
  OrderPage page = orders_->List(window).value();
  ASSERT_EQ(page.rows.size(), 3u);  // orders 5, 7 and 9 (3 went to zjj by 改派)
  EXPECT_EQ(page.rows[0].id, ids[5]);
  EXPECT_EQ(page.rows[2].id, ids[9]);
  EXPECT_EQ(page.total, 3);

  // The query plans checked below are SQLite's; PostgreSQL chooses its own by its statistics.
  if (db_->dialect() != storage::Dialect::kSqlite) return;
  OrderQuery scope;
  scope.department = "cgj";
  scope.district = "东城区";
  std::string plan = ExplainOrderList(*db_, scope, cipher_.get()).value();
  EXPECT_NE(plan.find("count: SEARCH t USING COVERING INDEX ticket_tasks_scope"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("count: SEARCH tickets"), std::string::npos) << plan;  // the index alone
  EXPECT_NE(plan.find("page: SEARCH t USING COVERING INDEX ticket_tasks_scope"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;  // no sort of the matches
  scope.district.clear();
  plan = ExplainOrderList(*db_, scope, cipher_.get()).value();
  EXPECT_NE(plan.find("page: SEARCH t USING COVERING INDEX ticket_tasks_department_created"),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

// Migration tickets/2 fills the tasks' district and creation time of a database made before it.
TEST_F(WorkOrdersTest, TheTaskIndexMigrationFillsTasksOfAnOlderDatabase) {
  Order a = Create(Complaint({{"cgj", Role::kLead}}, "甲路"));
  NewOrder west = Complaint({{"cgj", Role::kLead}}, "乙路");
  west.district = "西城区";
  Create(west);
  // Back to version 1: the columns and indexes of version 2 gone, its record removed.
  ASSERT_TRUE(
      db_->Exec("DROP INDEX ticket_tasks_scope; DROP INDEX ticket_tasks_department_created; "
                "ALTER TABLE ticket_tasks DROP COLUMN district; "
                "ALTER TABLE ticket_tasks DROP COLUMN created_ms; "
                "CREATE INDEX ticket_tasks_department ON ticket_tasks(department, "
                "ticket_id, state); DELETE FROM schema_migrations WHERE module = "
                "'tickets' AND version = 2")
          .ok());
  Reopen();
  OrderQuery q;
  q.department = "cgj";
  q.district = "东城区";
  OrderPage page = orders_->List(q).value();
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].id, a.id);
  q.from_ms = kStart;
  q.district.clear();
  EXPECT_EQ(orders_->List(q).value().total, 2);
}

}  // namespace
}  // namespace zx::tickets
