#include "llm/grounding.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "llm/figures.h"

namespace zx::llm {
namespace {

GroundingResult Check(std::string_view answer, const std::vector<std::string>& sources,
                      const GroundingOptions& options = {}) {
  return CheckGrounding(answer, sources, GroundingRules::Defaults(), options);
}

std::string Kinds(const GroundingResult& r) {
  std::string s;
  for (const auto& p : r.problems) s += (s.empty() ? "" : ",") + p.kind;
  return s;
}

std::string Dump(const GroundingResult& r) {
  std::string s;
  for (const auto& p : r.problems) s += p.kind + ": " + p.text + "\n";
  return s;
}

// One figure of `text`, or a failure.
Figure Only(std::string_view text) {
  const auto figures = ExtractFigures(text);
  EXPECT_EQ(figures.size(), 1u) << text;
  return figures.empty() ? Figure{} : figures[0];
}

TEST(Figures, UnitsAndValues) {
  struct Case {
    const char* text;
    const char* unit;
    const char* value;
  };
  for (const Case& c : std::vector<Case>{
           {"1500元", "元", "1500"},
           {"一千五百元", "元", "1500"},
           {"0.15万元", "元", "1500"},
           {"1,500元", "元", "1500"},
           {"1500块", "元", "1500"},
           {"500万元", "元", "5000000"},
           {"70%", "%", "70"},
           {"百分之七十", "%", "70"},
           {"七成", "%", "70"},
           {"八折", "%", "80"},
           {"八五折", "%", "85"},
           {"5个百分点", "百分点", "5"},
           {"三分之二", "分数", "2/3"},
           {"3倍", "倍", "3"},
           {"15个工作日", "工作日", "15"},
           {"30日内", "日", "30"},
           {"30天内", "日", "30"},
           {"3个月", "月", "3"},
           {"2年", "月", "24"},
           {"半年", "月", "6"},
           {"一年半", "月", "18"},
           {"60周岁", "岁", "60"},
           {"60岁", "岁", "60"},
           {"3次", "次", "3"},
           {"2套", "套", "2"},
           {"2026年3月1日", "日期", "y2026 m3 d1"},
           {"2026-03-01", "日期", "y2026 m3 d1"},
           {"3月1日", "日期", "m3 d1"},
           {"6月底", "日期", "m6 d底"},
           {"下午5点半", "时刻", "17:30"},
           {"9:00", "时刻", "09:00"},
           {"12345", "号码", "12345"},
           {"一二三四五", "号码", "12345"},
           {"幺二三三三", "号码", "12333"},
           {"0531-12345678", "号码", "053112345678"},
           {"编号A2026001", "编号", "a2026001"},
           {"18℃", "度", "18"},
       }) {
    const Figure f = Only(c.text);
    EXPECT_EQ(f.unit, c.unit) << c.text;
    EXPECT_EQ(f.value, c.value) << c.text;
  }
}

TEST(Figures, RatesBoundsRangesAndLists) {
  EXPECT_EQ(Only("每月最多提取1500元").per, "月");
  EXPECT_EQ(Only("每个月1500元").per, "月");
  EXPECT_EQ(Only("1500元/月").per, "月");
  EXPECT_EQ(Only("每人每月900元").per, "人/月");
  EXPECT_EQ(Only("最多1500元").bound, -1);
  EXPECT_EQ(Only("30日内").bound, -1);
  EXPECT_EQ(Only("不超过3倍").bound, -1);
  EXPECT_EQ(Only("满6个月").bound, 1);
  EXPECT_EQ(Only("6个月以上").bound, 1);
  EXPECT_EQ(Only("不满6个月").bound, -1);
  const auto range = ExtractFigures("3-5个工作日");
  ASSERT_EQ(range.size(), 2u);
  EXPECT_EQ(range[0].unit, "工作日");
  EXPECT_EQ(range[0].value, "3");
  const auto ages = ExtractFigures("16到25周岁");
  ASSERT_EQ(ages.size(), 2u);
  EXPECT_EQ(ages[0].unit, "岁");
  const auto list = ExtractFigures("每年200、300、500元");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].unit, "元");
  EXPECT_EQ(list[0].value, "200");
}

TEST(Figures, WordsThatAreNotFigures) {
  for (const char* text : {"一般在网上办",   "一次性告知",   "一起带上",
                           "统一办理",       "一律免费",     "唯一的渠道",
                           "一些材料",       "问一下",       "一定要本人",
                           "万一丢了",       "五险一金",     "一站式服务",
                           "一网通办",       "交下一年的",   "1. 带上身份证",
                           "一、带上身份证", "(1)身份证",    "第一，带身份证；第二，带户口本",
                           "三四天",         "符合条件之一", "一个窗口",
                           "周一至周五"}) {
    EXPECT_TRUE(ExtractFigures(text).empty()) << text << ": " << ExtractFigures(text)[0].text;
  }
  // An ordinal with a classifier is a figure of its own unit.
  EXPECT_EQ(Only("第3批").unit, "第批");
}

TEST(Grounding, FaithfulAnswersPass) {
  const std::vector<std::string> sources = {
      "示例市每月最多提取1500元（示例值），可以按季度提，也可以按年提。在网上就能办，不用跑窗口。",
      "示例市住房公积金管理中心服务热线：0531-12345678（示例）"};
  for (const char* answer : {
           "每月最多一千五百元，按季度或者按年提都行，网上就能办，不用跑窗口。",
           "每个月最多1,500元[1]。有疑问可以打示例市住房公积金管理中心的热线0531-12345678[2]。",
           "每月最多0.15万元，一般在网上一次性办好，不用跑窗口。",
       }) {
    const auto r = Check(answer, sources);
    EXPECT_TRUE(r.ok) << answer << "\n" << Dump(r);
  }
}

TEST(Grounding, Equivalences) {
  struct Pair {
    const char* answer;
    const char* source;
  };
  for (const Pair& p : std::vector<Pair>{
           {"能报销百分之七十。", "报销比例70%。"},
           {"能报七成。", "报销比例70%。"},
           {"按八折收。", "按80%收取。"},
           {"3月1日起施行。", "自2026年3月1日起施行。"},
           {"30天内办完。", "30日内办结。"},
           {"要交满半年。", "要连续缴存满6个月。"},
           {"年满六十岁可以领。", "年满60周岁的可以领取。"},
           {"请拨打一二三四五。", "服务热线12345。"},
           {"每年6月底前申报。", "每年6月底前申报。"},
           {"每月15日发放。", "每月15日发放。"},
           {"受理后15个工作日内办结。", "受理后十五个工作日内办结。"},
       }) {
    const auto r = Check(p.answer, {p.source});
    EXPECT_TRUE(r.ok) << p.answer << " / " << p.source << "\n" << Dump(r);
  }
}

TEST(Grounding, ChangedFigure) {
  const auto r = Check("每月最多提取1800元。", {"每月最多提取1500元。"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(Kinds(r), "figure");
  EXPECT_NE(r.problems[0].text.find("1800元"), std::string::npos);
  EXPECT_EQ(Kinds(Check("请拨打0531-12345687。", {"电话0531-12345678。"})), "figure");
  EXPECT_EQ(Kinds(Check("请拨打一二三四六。", {"热线12345。"})), "figure");
  EXPECT_EQ(Kinds(Check("2026年3月2日起施行。", {"自2026年3月1日起施行。"})), "figure");
  EXPECT_EQ(Kinds(Check("能报销八成。", {"报销比例70%。"})), "figure");
}

TEST(Grounding, ChangedUnit) {
  EXPECT_EQ(Kinds(Check("30个工作日内办结。", {"30日内办结。"})), "unit");
  EXPECT_EQ(Kinds(Check("补贴500元。", {"补贴500万元。"})), "unit");
  EXPECT_EQ(Kinds(Check("按15元缴纳。", {"按15%缴纳。"})), "unit");
  EXPECT_EQ(Kinds(Check("要缴满6年。", {"要缴满6个月。"})), "unit");
  EXPECT_EQ(Kinds(Check("每年最多提取1500元。", {"每月最多提取1500元。"})), "unit");
}

TEST(Grounding, Negation) {
  EXPECT_EQ(Kinds(Check("住院费用报销70%。", {"住院费用不予报销70%。"})), "negation");
  EXPECT_EQ(Kinds(Check("住院费用不予报销70%。", {"住院费用报销70%。"})), "negation");
  EXPECT_EQ(Kinds(Check("需30日内到场。", {"无需30日内到场。"})), "negation");
  EXPECT_TRUE(Check("不用30日内到场。", {"无需30日内到场。"}).ok);  // any negation word will do
  // The direction of a bound.
  EXPECT_EQ(Kinds(Check("提前90天以上可以换证。", {"有效期满前90天之内申请换证。"})), "negation");
  EXPECT_TRUE(Check("到期前九十天内可以换。", {"有效期满前90天之内申请换证。"}).ok);
  // Bounds that contain 不 are not negations: 不超过 == 封顶, 最高.
  EXPECT_TRUE(Check("封顶是月平均工资的3倍。", {"最高不能超过月平均工资的3倍。"}).ok);
  EXPECT_EQ(Kinds(Check("最高可以超过月平均工资的3倍。", {"最高不能超过月平均工资的3倍。"})),
            "negation");
  // A condition restated without its negation; a negated clause said plainly.
  EXPECT_EQ(Kinds(Check("已经备案的，降低10个百分点。", {"没有备案的，降低10个百分点。"})),
            "negation");
  EXPECT_EQ(Kinds(Check("刻章要另外收费。", {"全部流程0.5个工作日办完，刻章不收费。"})),
            "negation");
  EXPECT_EQ(Kinds(Check("待遇也不能接着享受。", {"3个月之内补缴的，待遇可以接着享受。"})),
            "negation");
  // 不动产 and 不过 negate nothing.
  EXPECT_TRUE(Check("不过要到不动产登记中心办，5个工作日办完。",
                    {"到不动产登记中心办理，一般5个工作日办完。"})
                  .ok);
}

TEST(Grounding, Entities) {
  const std::vector<std::string> sources = {"请到市社保局或者人力资源和社会保障局办理。"};
  EXPECT_TRUE(Check("可以去社保局办。", sources).ok);
  EXPECT_TRUE(Check("可以去人社局办。", sources).ok);  // a shortening, characters in order
  const auto r = Check("可以去医保局办。", sources);
  EXPECT_EQ(Kinds(r), "entity");
  EXPECT_NE(r.problems[0].text.find("医保局"), std::string::npos);
  EXPECT_EQ(Kinds(Check("按《示例市住房条例》办理。", {"按《示例市住房管理办法》办理。"})),
            "entity");
  EXPECT_TRUE(
      Check("“交房即交证”的项目当场拿证。", {"如果是“交房即交证”的项目，当场就能拿证。"}).ok);
  EXPECT_TRUE(Check("去医院或者到窗口问。", {"可以咨询。"}).ok);  // kinds of places, not names
  // Full-width and traditional forms are normalised first.
  EXPECT_TRUE(Check("可以去社保局办，電話１２３４５。", {"社保局热线12345。"}).ok);
}

TEST(Grounding, TagsChooseTheSources) {
  const std::vector<std::string> sources = {"补贴标准每人1000元。", "咨询电话12345。"};
  EXPECT_TRUE(Check("补贴每人1000元[1]。电话12345[2]。", sources).ok);
  EXPECT_TRUE(Check("补贴每人1000元[1,2]。", sources).ok);
  EXPECT_TRUE(Check("补贴每人1000元[1][2]。", sources).ok);
  EXPECT_EQ(Kinds(Check("补贴每人1000元[2]。", sources)), "figure");  // not in the one it cites
  EXPECT_EQ(Kinds(Check("补贴每人1000元[3]。", sources)), "untagged");
  EXPECT_TRUE(Check("补贴每人1000元。", sources).ok);  // untagged: all sources
  GroundingOptions strict;
  strict.require_tags = true;
  EXPECT_EQ(Kinds(Check("补贴每人1000元。", sources, strict)), "untagged");
  EXPECT_TRUE(Check("补贴每人1000元[1]。您还有别的问题吗？", sources, strict).ok);
}

TEST(Grounding, StripSourceTags) {
  EXPECT_EQ(StripSourceTags("补贴每人1000元[1]。电话12345 [2]。"), "补贴每人1000元。电话12345。");
  EXPECT_EQ(StripSourceTags("补贴每人1000元。[1][2]"), "补贴每人1000元。");
  EXPECT_EQ(StripSourceTags("见第一条[1, 3] 和第二条"), "见第一条 和第二条");
  EXPECT_EQ(StripSourceTags("【1】开头"), "开头");
  EXPECT_EQ(StripSourceTags("数组[a]不是标签"), "数组[a]不是标签");
}

TEST(Grounding, SplitSentences) {
  EXPECT_EQ(SplitSentences("能提。每月最多1500元[1]。网上办[1]！"),
            (std::vector<std::string>{"能提。", "每月最多1500元[1]。", "网上办[1]！"}));
  EXPECT_EQ(SplitSentences("他说“可以。”[2] 好的？行"),
            (std::vector<std::string>{"他说“可以。”[2]", "好的？", "行"}));
  EXPECT_EQ(SplitSentences("第一行\n\n第二行；第三"),
            (std::vector<std::string>{"第一行", "第二行；", "第三"}));
  EXPECT_EQ(SplitSentences("比例是0.5%。"), (std::vector<std::string>{"比例是0.5%。"}));
}

TEST(GroundingRules, LoadsAndNamesTheBadKey) {
  const auto dir = std::filesystem::temp_directory_path() / "zx_llm_grounding_test";
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "good.toml").string();
  std::ofstream(good) << "negations = [\"不予\", \"不得\"]\n";
  auto rules = LoadGroundingRules(good);
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  EXPECT_EQ(rules->negations, (std::vector<std::string>{"不予", "不得"}));
  EXPECT_EQ(rules->entity_suffixes, GroundingRules::Defaults().entity_suffixes);
  const std::string bad = (dir / "bad.toml").string();
  std::ofstream(bad) << "entity_suffixes = [\"局\", 3]\n";
  auto r = LoadGroundingRules(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("entity_suffixes"), std::string::npos);
  const std::string unknown = (dir / "unknown.toml").string();
  std::ofstream(unknown) << "negation = [\"不\"]\n";
  EXPECT_FALSE(LoadGroundingRules(unknown).ok());
  EXPECT_FALSE(LoadGroundingRules((dir / "missing.toml").string()).ok());
  std::filesystem::remove_all(dir);
}

TEST(GroundingRules, TheKnowledgeBaseFileIsTheDefaults) {
  auto rules = LoadGroundingRules(std::string(ZX_SOURCE_DIR) + "/kb/llm/grounding.toml");
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  EXPECT_EQ(rules->negations, GroundingRules::Defaults().negations);
  EXPECT_EQ(rules->entity_suffixes, GroundingRules::Defaults().entity_suffixes);
}

}  // namespace
}  // namespace zx::llm
