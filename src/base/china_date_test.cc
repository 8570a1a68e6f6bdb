#include "base/china_date.h"

#include <gtest/gtest.h>

namespace zx {
namespace {

constexpr int64_t kBeijingMidnight = 1796486400000;  // 2026-12-06 00:00 UTC+8

TEST(ChinaDate, TheDayIsBeijingsDay) {
  EXPECT_EQ(ChinaDate(kBeijingMidnight - 1), "2026-12-05");
  EXPECT_EQ(ChinaDate(kBeijingMidnight), "2026-12-06");
  EXPECT_EQ(ChinaDate(0), "1970-01-01");
  EXPECT_EQ(ChinaDayStartMs("2026-12-06").value(), kBeijingMidnight);
}

TEST(ChinaDate, OnlyRealDates) {
  EXPECT_TRUE(IsDate("2024-02-29"));
  EXPECT_FALSE(IsDate("2026-02-29"));
  EXPECT_FALSE(IsDate("2026-02-30"));
  EXPECT_FALSE(IsDate("2026-1-01"));
  EXPECT_FALSE(IsDate("2024/02/29"));
  EXPECT_FALSE(IsDate("2026-13-01"));
  EXPECT_FALSE(IsDate("yesterday!"));
  EXPECT_FALSE(ChinaDayStartMs("2026-02-30").ok());
}

TEST(ChinaDate, DaysAreAddedOnTheCalendar) {
  EXPECT_EQ(AddDays("2026-03-01", -1).value(), "2026-02-28");
  EXPECT_EQ(AddDays("2024-03-01", -1).value(), "2024-02-29");
  EXPECT_EQ(AddDays("2026-12-31", 1).value(), "2027-01-01");
  EXPECT_EQ(AddDays("2026-02-30", 0).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace zx
