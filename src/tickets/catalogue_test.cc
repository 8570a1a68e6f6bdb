// The data files of auto-fill: the real ones load, and a malformed one is refused with the file,
// the line and the reason (issue 12, item 10).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tickets/catalogue.h"
#include "tickets/gazetteer.h"
#include "tickets/urgency.h"

namespace zx::tickets {
namespace {

const std::string kKb = std::string(ZX_SOURCE_DIR) + "/kb";

std::string Write(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "zx-tickets-catalogue-test";
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(CatalogueTest, LoadsTheCityCatalogueWithEveryComplaintTopic) {
  auto codes = LoadDepartmentCodes(kKb + "/departments.tsv");
  ASSERT_TRUE(codes.ok()) << codes.status().message();
  auto c = Catalogue::Load(kKb + "/tickets/dispatch.toml", *codes);
  ASSERT_TRUE(c.ok()) << c.status().message();
  // Every `complaint` row of intents.tsv, with its department (DOMAIN.md).
  const std::vector<std::pair<std::string, std::string>> topics = {
      {"ld.wage_arrears", "rsj"}, {"ts.noise", "gaj"},       {"ts.road_damage", "cgj"},
      {"ts.garbage", "cgj"},      {"ts.water_outage", "sw"}, {"ts.power_outage", "gd"},
      {"ts.heating", "zjj"},      {"ts.property", "zjj"},    {"ts.illegal_building", "cgj"},
      {"ts.food_safety", "scjg"}, {"ts.consumer", "scjg"},   {"ts.parking", "gaj"},
      {"ts.dog", "gaj"},          {"ts.suggestion", "jd"},   {"meta.service_complaint", "jd"}};
  for (const auto& [topic, dept] : topics) {
    const Matter* first = nullptr;
    for (const Matter& m : c->matters())
      if (m.topic == topic && !first) first = &m;
    ASSERT_NE(first, nullptr) << topic;
    EXPECT_EQ(first->departments.front().code, dept) << topic;
    EXPECT_EQ(first->departments.front().role, Role::kLead) << topic;
  }
  ASSERT_NE(c->FindCategory("劳动和社会保障"), nullptr);
  EXPECT_EQ(c->FindCategory("劳动和社会保障")->departments.front().code, "rsj");
  ASSERT_NE(c->FindCategory("环境保护"), nullptr);
  EXPECT_TRUE(c->FindCategory("环境保护")->departments.empty());  // 待人工派单 on purpose
  EXPECT_EQ(c->FindCategory("不存在"), nullptr);
}

TEST(CatalogueTest, RejectsMalformedCatalogueWithFileLineAndReason) {
  struct Case {
    std::string text, line, reason;
  };
  const std::vector<Case> cases = {
      {"[[matter]]\nname = \"x\"\ntier = \"3h\"\ndepartments = [{code=\"cgj\", role=\"主办\"}]\n"
       "cues = [\"a\"]\n",
       ":3:", "tier must be"},
      {"[[matter]]\nname = \"x\"\ntier = \"24h\"\ncues = [\"a\"]\n"
       "departments = [{code=\"cgj\", role=\"协办\"}]\n",
       ":5:", "exactly one department must be 主办"},
      {"[[matter]]\nname = \"x\"\ntier = \"24h\"\ncues = [\"a\"]\n"
       "departments = [{code=\"nope\", role=\"主办\"}]\n",
       ":5:", "unknown department 'nope'"},
      {"[[matter]]\nname = \"x\"\ntier = \"24h\"\ncues = [\"a\"]\n"
       "departments = [{code=\"cgj\", role=\"负责\"}]\n",
       ":5:", "role must be 主办 or 协办"},
      {"[[matter]]\nname = \"x\"\ntier = \"24h\"\n\n", ":1:", "missing key 'departments'"},
      {"[[matter]]\nname = \"x\"\ntier = \"24h\"\nquees = 1\n", ":4:", "unknown key 'quees'"},
      {"[[matter]\n", ":1:", ""},
  };
  for (const Case& k : cases) {
    const std::string path = Write("dispatch.toml", k.text);
    auto c = Catalogue::Load(path, {"cgj", "zjj"});
    ASSERT_FALSE(c.ok()) << k.text;
    EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
    EXPECT_NE(c.status().message().find(path + k.line), std::string::npos) << c.status().message();
    EXPECT_NE(c.status().message().find(k.reason), std::string::npos) << c.status().message();
  }
}

TEST(GazetteerTest, LoadsAndRejectsMalformedFiles) {
  auto g = Gazetteer::Load(kKb + "/tickets/places.toml");
  ASSERT_TRUE(g.ok()) << g.status().message();
  // Longest first: 临河大道 is a road, not the alias 临河 of 临河县 followed by 大道.
  auto found = g->Find("临河大道边上");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].place->name, "临河大道");

  const std::string bad_kind = Write("places.toml",
                                     "[[place]]\nname = \"东城区\"\nkind = \"district\"\n"
                                     "districts = [\"东城区\"]\n\n[[place]]\nname = \"x路\"\n"
                                     "kind = \"lane\"\ndistricts = [\"东城区\"]\n");
  auto a = Gazetteer::Load(bad_kind);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find(bad_kind + ":8: kind must be"), std::string::npos)
      << a.status().message();
  const std::string bad_district = Write(
      "places.toml", "[[place]]\nname = \"x路\"\nkind = \"road\"\ndistricts = [\"南城区\"]\n");
  auto b = Gazetteer::Load(bad_district);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(
      b.status().message().find(bad_district + ":1: '南城区' is not a place of kind district"),
      std::string::npos)
      << b.status().message();
}

TEST(UrgencyTest, LoadsAndRejectsMalformedFiles) {
  auto u = UrgencyCues::Load(kKb + "/tickets/urgent.toml");
  ASSERT_TRUE(u.ok()) << u.status().message();
  const std::string path =
      Write("urgent.toml", "[negation]\nwindow = 3\n\n[[cue]]\nname = \"x\"\nparts = [[\"a\"]]\n");
  auto bad = UrgencyCues::Load(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(path + ":6: 'parts' must be a list of at least two"),
            std::string::npos)
      << bad.status().message();
  const std::string empty = Write("urgent.toml", "[[cue]]\nname = \"x\"\n");
  auto e = UrgencyCues::Load(empty);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find(empty + ":1: cue 'x' has neither"), std::string::npos)
      << e.status().message();
}

}  // namespace
}  // namespace zx::tickets

namespace zx::tickets {
namespace {

// Negation as people say it: a negator just before the cue, or in the gap of a two-part cue,
// in the same clause; words that only contain a negator (不小心) negate nothing.
TEST(UrgencyTest, NegationInColloquialChinese) {
  auto u = UrgencyCues::Load(kKb + "/tickets/urgent.toml");
  ASSERT_TRUE(u.ok()) << u.status().message();
  auto raises = [&](const std::string& s) { return !u->Raising(s).empty(); };
  EXPECT_TRUE(raises("有人受伤了"));
  EXPECT_FALSE(raises("没有人受伤"));
  EXPECT_FALSE(raises("还好没人受伤"));
  EXPECT_TRUE(raises("井盖丢了"));
  EXPECT_FALSE(raises("井盖没有丢"));
  EXPECT_TRUE(raises("孩子不小心掉进去了"));
  EXPECT_TRUE(raises("楼道里一股煤气味"));
  EXPECT_FALSE(raises("燃气费太贵了"));
  EXPECT_FALSE(raises("计划停电有通知"));
  // The negation of one clause does not reach the next.
  EXPECT_TRUE(raises("没看见是谁,有人受伤了"));
  // Negated hits are still reported, flagged.
  auto hits = u->Detect("没有人受伤");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(hits[0].negated);
}

}  // namespace
}  // namespace zx::tickets
