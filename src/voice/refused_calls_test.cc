#include "voice/refused_calls.h"

#include <gtest/gtest.h>

#include "storage/testing/test_database.h"

namespace zx::voice {
namespace {

TEST(RefusedCalls, CountsTheRefusedOfAPeriod) {
  auto db = std::move(storage::testing::OpenTestDatabase()).value();
  FakeClock clock(1'000'000);
  auto refused = std::move(RefusedCalls::Open(*db, clock)).value();
  ASSERT_TRUE(refused->Record("capacity").ok());
  clock.Advance(std::chrono::minutes(10));
  ASSERT_TRUE(refused->Record("per_source").ok());
  EXPECT_EQ(*refused->Count(0, 0), 2);
  EXPECT_EQ(*refused->Count(1'000'001, 0), 1);
  EXPECT_EQ(*refused->Count(0, 1'000'001), 1);
  EXPECT_EQ(*refused->Count(2'000'000, 3'000'000), 0);
}

}  // namespace
}  // namespace zx::voice
