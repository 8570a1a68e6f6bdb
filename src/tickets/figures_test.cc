// The three rates from the orders as stored, with their denominators, and the hotspot burst
// detector: a rise above the usual rate is a hotspot, a long-standing high level is not.
#include "tickets/figures.h"

#include <gtest/gtest.h>

#include <chrono>

#include "security/keys.h"
#include "storage/testing/test_database.h"
#include "tickets/testing/clock_sla.h"
#include "tickets/work_orders.h"

namespace zx::tickets {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
constexpr int64_t kStart = 1764900000000;

class FiguresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(storage::testing::OpenTestDatabase()).value();
    orders_ = std::move(WorkOrders::Open(*db_, nullptr, sla_, clock_)).value();
  }
  Order Create(const std::string& department, const std::string& topic = "ts.garbage",
               const std::string& district = "东城区", const std::string& place = "") {
    NewOrder n;
    n.text = "投诉";
    n.topic = topic;
    n.district = district;
    n.place = place;
    n.departments = {{department, Role::kLead}};
    return std::move(orders_->Create(n, "u:1")).value();
  }
  FakeClock clock_{kStart};
  testing::ClockSla sla_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<WorkOrders> orders_;
};

TEST_F(FiguresTest, TheThreeRatesWithTheirDenominators) {
  Order a = Create("cgj");  // accepted in time, resolved in time, 满意, solved
  Order b = Create("cgj");  // accepted late, resolved late, 不满意 twice
  Order c = Create("gaj");  // returned, extension asked
  ASSERT_TRUE(orders_->Accept(a.id, "cgj", "u:5").ok());
  ASSERT_TRUE(orders_->AskExtension(c.id, "gaj", 1, "需协调", "u:6").ok());
  ASSERT_TRUE(orders_->Return(c.id, "gaj", "属地不符", "u:6").ok());
  clock_.Advance(hours(5));  // past the 4-hour 签收 limit
  ASSERT_TRUE(orders_->Accept(b.id, "cgj", "u:5").ok());
  ASSERT_TRUE(orders_->Resolve(a.id, "cgj", "已清运", "u:5").ok());
  clock_.Advance(hours(20));  // past b's 24 h deadline
  ASSERT_TRUE(orders_->Resolve(b.id, "cgj", "已清运", "u:5").ok());
  ASSERT_TRUE(orders_->RecordVisit(a.id, true, Satisfaction::kSatisfied, "u:3").ok());
  ASSERT_TRUE(orders_->RecordVisit(b.id, false, Satisfaction::kDissatisfied, "u:3").ok());
  ASSERT_TRUE(orders_->Accept(b.id, "cgj", "u:5").ok());
  ASSERT_TRUE(orders_->Resolve(b.id, "cgj", "再次清运", "u:5").ok());
  ASSERT_TRUE(orders_->RecordVisit(b.id, false, Satisfaction::kDissatisfied, "u:3").ok());

  FigureQueries figures(*db_);
  FigureQuery all;
  all.from_ms = kStart;
  Figures f = figures.Compute(all).value();
  EXPECT_EQ(f.created, 3);
  // Tasks dispatched: a, b, c, and b's reopened task (the same row, dispatched again).
  EXPECT_EQ(f.response.denominator, 3);
  EXPECT_EQ(f.solved.denominator, 2);
  EXPECT_EQ(f.solved.numerator, 1);
  EXPECT_EQ(f.satisfied.numerator, 1);
  EXPECT_EQ(f.returned, 1);
  EXPECT_EQ(f.extensions, 1);
  FigureQuery cgj = all;
  cgj.department = "cgj";
  Figures c1 = figures.Compute(cgj).value();
  EXPECT_EQ(c1.on_time.denominator, 2);  // a, and b's last 办结
  EXPECT_EQ(c1.on_time.numerator, 2);    // b's reopened task had a new clock
  EXPECT_EQ(c1.returned, 0);
  auto by = figures.ByDepartment(all).value();
  ASSERT_EQ(by.size(), 2u);
  EXPECT_EQ(by[0].department, "cgj");
  EXPECT_EQ(by[1].department, "gaj");
  EXPECT_EQ(by[1].returned, 1);
}

// The dashboard's additions: 预警 and 超时 marked in the period, the district filter, orders per
// topic.
TEST_F(FiguresTest, MarksDistrictsAndTopicsForTheDashboard) {
  Create("cgj", "ts.garbage", "东城区");
  Create("cgj", "ts.noise", "东城区");
  Create("cgj", "ts.noise", "西城区");
  clock_.Advance(hours(30));  // past every 24 h deadline: each task warned, then overdue
  ASSERT_TRUE(orders_->Tick().ok());
  FigureQueries figures(*db_);
  FigureQuery all;
  all.from_ms = kStart;
  Figures f = figures.Compute(all).value();
  EXPECT_EQ(f.overdue, 3);
  FigureQuery east = all;
  east.district = "东城区";
  Figures e = figures.Compute(east).value();
  EXPECT_EQ(e.created, 2);
  EXPECT_EQ(e.overdue, 2);
  EXPECT_EQ(e.response.denominator, 2);
  auto topics = figures.Topics(all).value();
  ASSERT_EQ(topics.size(), 2u);
  EXPECT_EQ(topics[0].topic, "ts.noise");
  EXPECT_EQ(topics[0].count, 2);
  auto east_topics = figures.Topics(east).value();
  ASSERT_EQ(east_topics.size(), 2u);
  EXPECT_EQ(east_topics[0].count, 1);
}

TEST_F(FiguresTest, ABurstIsAHotspotALongHighLevelIsNot) {
  // Fourteen quiet days: one report a day of garbage in 东城区, six of noise in 西城区.
  for (int day = 0; day < 14; ++day) {
    Create("cgj", "ts.garbage", "东城区", "路" + std::to_string(day));
    for (int i = 0; i < 6; ++i) Create("gaj", "ts.noise", "西城区", "街" + std::to_string(i));
    clock_.Advance(hours(24));
  }
  // Today: seven garbage reports in 东城区 (a burst), six noise reports in 西城区 (as usual).
  for (int i = 0; i < 7; ++i) {
    Create("cgj", "ts.garbage", "东城区", "新路" + std::to_string(i));
    Create("gaj", "ts.noise", "西城区", "街" + std::to_string(i));
    clock_.Advance(minutes(30));
  }
  FigureQueries figures(*db_);
  auto hot = figures.Hotspots(clock_.NowUnixMillis()).value();
  ASSERT_EQ(hot.size(), 1u);
  EXPECT_EQ(hot[0].topic, "ts.garbage");
  EXPECT_EQ(hot[0].district, "东城区");
  EXPECT_EQ(hot[0].count, 7);
  EXPECT_GE(hot[0].rise, 3.0);
}

}  // namespace
}  // namespace zx::tickets
