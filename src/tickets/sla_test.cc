#include "tickets/sla.h"

#include <gtest/gtest.h>

namespace zx::tickets {
namespace {

TEST(Sla, NamesRoundTrip) {
  for (Tier t : {Tier::k2h, Tier::k24h, Tier::k7d, Tier::k15d})
    EXPECT_EQ(ParseTier(TierName(t)), t);
  EXPECT_FALSE(ParseTier("3d").has_value());
  EXPECT_FALSE(ParseTier("").has_value());
}

TEST(Sla, OnlyDayTiersCountWorkingDays) {
  EXPECT_FALSE(CountsWorkingDays(Tier::k2h));
  EXPECT_FALSE(CountsWorkingDays(Tier::k24h));
  EXPECT_TRUE(CountsWorkingDays(Tier::k7d));
  EXPECT_TRUE(CountsWorkingDays(Tier::k15d));
}

TEST(Sla, RaisingNeverLowers) {
  EXPECT_EQ(MoreUrgent(Tier::k7d, Tier::k2h), Tier::k2h);
  EXPECT_EQ(MoreUrgent(Tier::k2h, Tier::k7d), Tier::k2h);
  EXPECT_EQ(MoreUrgent(Tier::k24h, Tier::k15d), Tier::k24h);
}

}  // namespace
}  // namespace zx::tickets
