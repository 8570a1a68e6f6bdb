// The work-order service on the real calendar: DOMAIN.md's 2025 国庆 example end to end, the 签收
// limit in working hours, the visit due the next working day, and 延期 in working days.
#include "tickets/sla_calendar.h"

#include <gtest/gtest.h>

#include "storage/testing/test_database.h"
#include "tickets/work_orders.h"

namespace zx::tickets {
namespace {

int64_t At(const char* local) { return ParseChinaLocalMinute(local).value(); }

class SlaCalendarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sla_ = MakeSlaCalendar(WorkCalendar::Load(std::string(ZX_SOURCE_DIR) + "/kb/calendar").value());
    db_ = std::move(storage::testing::OpenTestDatabase()).value();
    orders_ = std::move(WorkOrders::Open(*db_, nullptr, *sla_, clock_)).value();
  }
  FakeClock clock_{At("2025-09-30 10:00")};
  std::unique_ptr<SlaCalendar> sla_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<WorkOrders> orders_;
};

TEST_F(SlaCalendarTest, ASevenDayOrderOverNationalDay) {
  NewOrder n;
  n.text = "建议在小区门口加装路灯";
  n.tier = Tier::k7d;
  n.departments = {{"jd", Role::kLead}};
  Order o = orders_->Create(n, "u:1").value();
  ASSERT_EQ(o.tasks.size(), 1u);
  EXPECT_EQ(FormatDeadline(o.tasks[0].due_ms), "2025-10-16 24:00");
  // 签收 within 4 working hours: from Tuesday 10:00 on the eve of the holiday.
  EXPECT_GT(o.tasks[0].accept_by_ms, o.tasks[0].dispatched_ms);
  // 预警 at 80% of the working time, after the holiday.
  EXPECT_GT(o.tasks[0].warn_ms, At("2025-10-09 00:00"));
  EXPECT_LT(o.tasks[0].warn_ms, o.tasks[0].due_ms);
  // 延期 of 2 working days: 10-17 is a Friday, then the weekend, so 10-20.
  ASSERT_TRUE(orders_->AskExtension(o.id, "jd", 2, "需现场勘查", "u:5").ok());
  o = orders_->DecideExtension(o.id, "jd", true, "同意", "u:9").value();
  EXPECT_EQ(FormatDeadline(o.tasks[0].due_ms), "2025-10-20 24:00");
}

TEST_F(SlaCalendarTest, TheVisitIsDueByTheEndOfTheNextWorkingDay) {
  // 办结 on Tuesday 2025-09-30: the next working day is 10-09, after the holiday.
  EXPECT_EQ(FormatDeadline(sla_->VisitDue(At("2025-09-30 15:00")).value()), "2025-10-09 24:00");
  // On Saturday 2025-10-11, a 调休 working day: the next is Monday 10-13.
  EXPECT_EQ(FormatDeadline(sla_->VisitDue(At("2025-10-11 09:00")).value()), "2025-10-13 24:00");
}

TEST_F(SlaCalendarTest, UrgentOrdersRunOnTheClock) {
  EXPECT_EQ(FormatDeadline(sla_->Due(At("2025-10-01 23:30"), Tier::k2h).value()),
            "2025-10-02 01:30");
  EXPECT_EQ(sla_->AcceptBy(At("2025-10-01 23:30"), Tier::k2h).value(), At("2025-10-02 00:30"));
  EXPECT_EQ(sla_->WarnAt(At("2025-10-01 10:00"), At("2025-10-01 12:00"), Tier::k2h).value(),
            At("2025-10-01 11:36"));
}

// A deadline in a year without a table is not guessed, and the order is not lost: the task runs
// without one and its history says why.
TEST_F(SlaCalendarTest, AYearWithoutATableLeavesTheTaskWithoutADeadline) {
  clock_.Set(At("2026-12-20 10:00"));  // 15 working days reach into 2027
  NewOrder n;
  n.text = "小区规划问题，情况复杂";
  n.tier = Tier::k15d;
  n.departments = {{"zrzy", Role::kLead}};
  auto o = orders_->Create(n, "u:1");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->tasks[0].due_ms, 0);
  EXPECT_EQ(o->tasks[0].warn_ms, 0);
  auto history = orders_->History(o->id).value();
  bool said = false;
  for (const auto& e : history) said |= e.reason.find("时限未计算") != std::string::npos;
  EXPECT_TRUE(said);
  clock_.Set(At("2027-03-01 10:00"));
  EXPECT_TRUE(orders_->Tick().value().empty());  // never 超时 without a deadline
  EXPECT_EQ(orders_->AskExtension(o->id, "zrzy", 2, "x", "u:5").status().code(),
            Code::kFailedPrecondition);
}

}  // namespace
}  // namespace zx::tickets
