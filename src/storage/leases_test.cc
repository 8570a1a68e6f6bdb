#include "storage/leases.h"

#include <gtest/gtest.h>

#include "storage/testing/test_database.h"

namespace zx::storage {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Leases, OneNodeHoldsAJobUntilItRunsOutThenAnotherTakesItOver) {
  auto db = testing::OpenTestDatabase();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  FakeClock clock(1700000000000);
  auto a = std::move(Leases::Open(**db, clock, "node-a").value());
  auto b = std::move(Leases::Open(**db, clock, "node-b").value());
  EXPECT_TRUE(a->Hold("tickets.clock", seconds(90)).value());
  EXPECT_FALSE(b->Hold("tickets.clock", seconds(90)).value());  // a holds it
  EXPECT_TRUE(b->Hold("retention", seconds(90)).value());       // another job is b's
  clock.Advance(seconds(60));
  EXPECT_TRUE(a->Hold("tickets.clock", seconds(90)).value());  // renewed until 150 s
  clock.Advance(seconds(60));
  EXPECT_FALSE(b->Hold("tickets.clock", seconds(90)).value());  // still a's (renewed)
  clock.Advance(seconds(31));                                   // a died: its lease ran out
  EXPECT_TRUE(b->Hold("tickets.clock", seconds(90)).value());
  EXPECT_FALSE(a->Hold("tickets.clock", seconds(90)).value());  // a came back: b has it now
  // A node that stops gives its jobs up at once.
  ASSERT_TRUE(b->Release("tickets.clock").ok());
  EXPECT_TRUE(a->Hold("tickets.clock", seconds(90)).value());
  ASSERT_TRUE(b->Release("tickets.clock").ok());  // not b's: nothing happens
  EXPECT_FALSE(b->Hold("tickets.clock", milliseconds(1)).value());
}

TEST(Leases, ANodeIsAliveWhileItRenewsItsOwnLease) {
  auto db = testing::OpenTestDatabase();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  FakeClock clock(1700000000000);
  auto a = std::move(Leases::Open(**db, clock, "node-a").value());
  auto b = std::move(Leases::Open(**db, clock, "node-b").value());
  EXPECT_FALSE(b->Alive("node-a").value());  // never started
  EXPECT_TRUE(a->Hold(Leases::NodeJob("node-a"), seconds(30)).value());
  EXPECT_TRUE(b->Alive("node-a").value());
  clock.Advance(seconds(31));  // killed: no renewal
  EXPECT_FALSE(b->Alive("node-a").value());
  EXPECT_TRUE(a->Hold(Leases::NodeJob("node-a"), seconds(30)).value());  // started again
  EXPECT_TRUE(b->Alive("node-a").value());
  ASSERT_TRUE(a->Release(Leases::NodeJob("node-a")).ok());  // stopped
  EXPECT_FALSE(b->Alive("node-a").value());
}

TEST(Leases, ANodeIsNamedByItsHostAndDataDirectory) {
  EXPECT_EQ(NodeName("/srv/zhixian"), NodeName("/srv/zhixian/"));
  EXPECT_NE(NodeName("/srv/a"), NodeName("/srv/b"));
  EXPECT_EQ(NodeName("/srv/a").substr(NodeName("/srv/a").find(':')), ":/srv/a");
}

}  // namespace
}  // namespace zx::storage
