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

// A row with one hidden cell and its total shown would give that cell away (the total less
// the cells shown): the smallest cell shown is hidden too, as "≥5", or the total when no cell
// is shown.
TEST(AgePortraitTest, NoHiddenCellCanBeWorkedOutFromItsRowsTotal) {
  dialogue::ConversationFigures f;
  f.ages = {{"30-44岁", 20}, {"45-59岁", 9}, {"60岁及以上", 12}};
  f.age_districts = {{"30-44岁", {{"东城区", 9}, {"西城区", 3}, {"南城区", 8}}},
                     {"45-59岁", {{"东城区", 2}}},
                     {"60岁及以上", {{"东城区", 6}, {"西城区", 6}}}};
  const json ages = AgePortrait(f, {"30-44岁", "45-59岁", "60岁及以上"}, {"东城区", "西城区"});
  const json want = json::parse(R"([
    {"band": "30-44岁", "count": 20, "districts": [
      {"district": "东城区", "count": 9}, {"district": "西城区", "count": "<5"},
      {"district": "南城区", "count": "≥5"}]},
    {"band": "45-59岁", "count": 9, "districts": [
      {"district": "东城区", "count": "<5"}, {"district": "西城区", "count": "<5"},
      {"district": "南城区", "count": "<5"}]},
    {"band": "60岁及以上", "count": 12, "districts": [
      {"district": "东城区", "count": "≥5"}, {"district": "西城区", "count": 6},
      {"district": "南城区", "count": "<5"}]}
  ])");
  EXPECT_EQ(ages, want) << ages.dump();

  dialogue::ConversationFigures one;  // one district: its cell hidden, so is the total
  one.ages = {{"30-44岁", 8}};
  one.age_districts = {{"30-44岁", {{"东城区", 3}}}};
  EXPECT_EQ(AgePortrait(one, {"30-44岁"}, {"东城区"}), json::parse(R"([
    {"band": "30-44岁", "count": "≥5", "districts": [{"district": "东城区", "count": "<5"}]}
  ])"));
}

TEST(AgePortraitTest, NothingCountedIsAnEmptyChart) {
  EXPECT_EQ(AgePortrait({}, {"18-29岁"}, {"东城区"}), json::array());
}

}  // namespace
}  // namespace zx::http
