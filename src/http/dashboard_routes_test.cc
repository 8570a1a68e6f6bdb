#include "http/dashboard_routes.h"

#include <gtest/gtest.h>

namespace zx::http {
namespace {

using nlohmann::json;

// Issue 16 (4), DOMAIN.md: a portrait never shows a cell of fewer than 5 people, nor a total.
TEST(AgePortraitTest, EveryCountUnderFiveIsShownAsLessThanFive) {
  dialogue::ConversationFigures f;
  f.ages = {{"30-44岁", 7}, {"60岁及以上", 3}, {"旧段", 5}};
  f.age_districts = {{"30-44岁", {{"东城区", 5}, {"西城区", 2}}},
                     {"60岁及以上", {{"东城区", 3}}},
                     {"旧段", {{"南城区", 5}}}};
  const json ages = AgePortrait(f, {"18-29岁", "30-44岁", "60岁及以上"}, {"东城区", "西城区"});
  // Every band of the file in its order, then a band counted that the file no longer has; every
  // district of the file, then one counted that it does not name.
  const json want = json::parse(R"([
    {"band": "18-29岁", "count": "<5", "districts": [
      {"district": "东城区", "count": "<5"}, {"district": "西城区", "count": "<5"},
      {"district": "南城区", "count": "<5"}]},
    {"band": "30-44岁", "count": 7, "districts": [
      {"district": "东城区", "count": 5}, {"district": "西城区", "count": "<5"},
      {"district": "南城区", "count": "<5"}]},
    {"band": "60岁及以上", "count": "<5", "districts": [
      {"district": "东城区", "count": "<5"}, {"district": "西城区", "count": "<5"},
      {"district": "南城区", "count": "<5"}]},
    {"band": "旧段", "count": 5, "districts": [
      {"district": "东城区", "count": "<5"}, {"district": "西城区", "count": "<5"},
      {"district": "南城区", "count": 5}]}
  ])");
  EXPECT_EQ(ages, want) << ages.dump();
}

TEST(AgePortraitTest, NothingCountedIsAnEmptyChart) {
  EXPECT_EQ(AgePortrait({}, {"18-29岁"}, {"东城区"}), json::array());
}

}  // namespace
}  // namespace zx::http
