#include "dialogue/slots.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dialogue/flow.h"
#include "dialogue/flow_json_internal.h"
#include "text/normalizer.h"

namespace zx::dialogue {
namespace {

using nlohmann::json;

const FlowDef& Flow(std::string_view id) {
  static const FlowRegistry* flows = [] {
    auto r = FlowRegistry::Load(std::string(ZX_SOURCE_DIR) + "/kb/flows");
    if (!r.ok()) {
      ADD_FAILURE() << r.status().ToString();
      return new FlowRegistry();
    }
    return new FlowRegistry(std::move(r).value());
  }();
  const FlowDef* f = flows->Find(id);
  if (!f) {
    ADD_FAILURE() << "no flow " << id;
    static const FlowDef kEmpty;
    return kEmpty;
  }
  return *f;
}

std::string Norm(std::string_view s) {
  static const std::unique_ptr<text::Normalizer> n = [] {
    auto r = text::Normalizer::Create();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }();
  return n->Normalize(s);
}

// The fills as {slot: value}.
json Fills(std::string_view flow, std::string_view said, std::string_view expected = {}) {
  Extraction ex = ExtractSlots(Flow(flow), Norm(said), expected);
  json j = json::object();
  for (const auto& f : ex.fills) j[f.slot] = SlotValueToJson(f.value);
  return j;
}

TEST(Extract, SeveralSlotsAtOnceInAnyOrder) {
  EXPECT_EQ(Fills("yb.inpatient_calc", "三级医院住院两万，甲类一万五"),
            json({{"hospital_level", "三级"}, {"total", 20000}, {"class_a", 15000}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "乙类四千 丙类一千"),
            json({{"class_b", 4000}, {"class_c", 1000}}));
  EXPECT_EQ(
      Fills("yb.inpatient_calc", "甲类15000，乙类4000，丙类1000，三甲医院"),
      json({{"class_a", 15000}, {"class_b", 4000}, {"class_c", 1000}, {"hospital_level", "三级"}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "一万五是甲类的"), json({{"class_a", 15000}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "一万五是甲类，四千是乙类"),
            json({{"class_a", 15000}, {"class_b", 4000}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "甲类呢，一万五"), json({{"class_a", 15000}}));
}

TEST(Extract, DurationsWagesBirthsGrades) {
  EXPECT_EQ(Fills("ld.severance", "我在这干了三年零七个月，月薪六千"),
            json({{"months", 43}, {"wage", 6000}}));
  EXPECT_EQ(Fills("ld.severance", "一个月工资六千，干了十个月"),
            json({{"wage", 6000}, {"months", 10}}));
  EXPECT_EQ(Fills("yl.retirement_age", "七零年五月出生的男的"),
            json({{"birth", "1970-05"}, {"category", "男职工"}}));
  EXPECT_EQ(Fills("yl.retirement_age", "我是男工人，1980年1月生"),
            json({{"category", "男职工"}, {"birth", "1980-01"}}));
  EXPECT_EQ(Fills("gs.benefits", "工伤七级，工资五千"), json({{"grade", 7}, {"wage", 5000}}));
  EXPECT_EQ(Fills("gs.benefits", "月薪8000，评了十级"), json({{"wage", 8000}, {"grade", 10}}));
  EXPECT_EQ(Fills("gs.benefits", "十级，四千五"), json({{"grade", 10}, {"wage", 4500}}));
  EXPECT_EQ(Fills("ld.severance", "我今年45岁，工作了3年，有2个孩子，工资5000"),
            json({{"months", 36}, {"wage", 5000}}));
  EXPECT_EQ(Fills("sy.duration", "交了半年"), json({{"months", 6}}));
  EXPECT_EQ(Fills("sy.duration", "失业保险交了七年"), json({{"months", 84}}));
}

TEST(Extract, OvertimeHoursByDayCue) {
  EXPECT_EQ(
      Fills("ld.overtime", "工资4350，工作日加班10小时，休息日8小时，法定节假日加了8个小时"),
      json({{"wage", 4350}, {"weekday_hours", 10}, {"rest_day_hours", 8}, {"holiday_hours", 8}}));
  EXPECT_EQ(Fills("ld.overtime", "周末加了八小时"), json({{"rest_day_hours", 8}}));
  // Hours without a day: ambiguous between the three, left for the engine to ask.
  EXPECT_EQ(Fills("ld.overtime", "加了10个小时", "hours"), json::object());
  // A number before 小时 is not the wage.
  EXPECT_EQ(Fills("ld.overtime", "加了10个小时"), json::object());
}

TEST(Extract, BareAnswersGoToTheSlotAsked) {
  EXPECT_EQ(Fills("yb.inpatient_calc", "四千", "class_b"), json({{"class_b", 4000}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "四千"), json::object());  // four money slots: unclear
  EXPECT_EQ(Fills("yb.inpatient_calc", "没有", "class_b"), json({{"class_b", 0}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "乙类没有，丙类一千"),
            json({{"class_b", 0}, {"class_c", 1000}}));
  EXPECT_EQ(Fills("ld.severance", "6000"), json({{"wage", 6000}}));  // the only money slot
  EXPECT_EQ(Fills("yb.inpatient_calc", "是的", "emergency"), json({{"emergency", true}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "不是", "emergency"), json({{"emergency", false}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "不知道", "emergency"), json::object());
  EXPECT_EQ(Fills("yb.inpatient_calc", "是", "class_a"), json::object());  // not a bool slot
  EXPECT_EQ(Fills("yl.retirement_age", "50", "category"), json({{"category", "女职工原50岁"}}));
  EXPECT_EQ(Fills("yl.retirement_age", "55岁", "category"), json({{"category", "女职工原55岁"}}));
}

TEST(Extract, CorrectionsAndLongestWords) {
  EXPECT_EQ(Fills("yb.inpatient_calc", "不对，是二级医院"), json({{"hospital_level", "二级"}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "不是三级，是二级"), json({{"hospital_level", "二级"}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "那要是没备案呢"), json({{"location", "异地未备案"}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "不是急诊"), json({{"emergency", false}}));
  EXPECT_EQ(Fills("yb.inpatient_calc", "不是定点医院"), json({{"designated", false}}));
  EXPECT_EQ(Fills("ld.severance", "那违法辞退呢"), json({{"unlawful", true}}));
  EXPECT_EQ(Fills("ld.severance", "是协商解除的"), json({{"unlawful", false}}));
}

TEST(Extract, AmbiguousWordsAreReported) {
  Extraction ex = ExtractSlots(Flow("yb.remote_ratio"), Norm("在外省住院"));
  EXPECT_TRUE(ex.fills.empty());
  ASSERT_EQ(ex.ambiguities.size(), 1u);
  EXPECT_EQ(ex.ambiguities[0].slot, "location");
  EXPECT_EQ(ex.ambiguities[0].ambiguity->values.size(), 3u);
  // A definite word for the same slot wins over the vague one.
  Extraction def = ExtractSlots(Flow("yb.remote_ratio"), Norm("在外省，没备案"));
  EXPECT_TRUE(def.ambiguities.empty());
  ASSERT_NE(def.Find("location"), nullptr);
  EXPECT_EQ(SlotValueToJson(def.Find("location")->value), "异地未备案");
  // Words that count only as an answer.
  EXPECT_EQ(Fills("yb.remote_ratio", "没办", "location"), json({{"location", "异地未备案"}}));
  EXPECT_EQ(Fills("yb.remote_ratio", "没办法只好住院"), json::object());
  Extraction woman = ExtractSlots(Flow("yl.retirement_age"), Norm("女的，76年3月"));
  ASSERT_EQ(woman.ambiguities.size(), 1u);
  EXPECT_EQ(woman.ambiguities[0].slot, "category");
}

TEST(Extract, FlexBaseByNumberPercentOrWord) {
  EXPECT_EQ(Fills("yl.flex_contribution", "按4500的基数交"), json({{"base", 4500}}));
  EXPECT_EQ(Fills("yl.flex_contribution", "我想按最低档交"), json({{"base", 4500}}));
  EXPECT_EQ(Fills("yl.flex_contribution", "按60%交"), json({{"base", 4500}}));
  EXPECT_EQ(Fills("yl.flex_contribution", "基数一万"), json({{"base", 10000}}));
}

TEST(Check, RangesAndFormats) {
  const FlowDef& gs = Flow("gs.benefits");
  const SlotDef* grade = gs.FindSlot("grade");
  ASSERT_NE(grade, nullptr);
  EXPECT_FALSE(CheckSlotValue(*grade, 7).has_value());
  auto m = CheckSlotValue(*grade, 12);
  ASSERT_TRUE(m.has_value());
  EXPECT_NE(m->find("一级到十级"), std::string::npos);
  const SlotDef* birth = Flow("yl.retirement_age").FindSlot("birth");
  auto year_only = CheckSlotValue(*birth, "1970");
  ASSERT_TRUE(year_only.has_value());
  EXPECT_NE(year_only->find("月份"), std::string::npos);
  EXPECT_EQ(FormatSlotValue(*birth, "1970-05"), "1970年5月");
  EXPECT_EQ(FormatSlotValue(*Flow("ld.severance").FindSlot("months"), 43), "3年7个月");
  EXPECT_EQ(FormatSlotValue(*Flow("ld.severance").FindSlot("wage"), 6000.5), "6000.5元");
  EXPECT_EQ(FormatSlotValue(*grade, 7), "7级");
}

}  // namespace
}  // namespace zx::dialogue
