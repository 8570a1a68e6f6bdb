// Every worked example of the calculators' rules (kb/flows, kb/README.md), exact to the cent,
// through the calculators directly, with the parameters of the demo flow files (kb/flows).
#include "dialogue/calculators.h"

#include <gtest/gtest.h>

#include <string>

#include "dialogue/flow.h"
#include "dialogue/flow_json_internal.h"

namespace zx::dialogue {
namespace {

using nlohmann::json;

const FlowRegistry& Flows() {
  static const FlowRegistry* flows = [] {
    auto r = FlowRegistry::Load(std::string(ZX_SOURCE_DIR) + "/kb/flows");
    if (!r.ok()) {
      ADD_FAILURE() << r.status().ToString();
      return new FlowRegistry();
    }
    return new FlowRegistry(std::move(r).value());
  }();
  return *flows;
}

const Params& FlowParams(std::string_view flow) {
  static const Params kEmpty = ParamValue::Table{};
  const FlowDef* f = Flows().Find(flow);
  EXPECT_NE(f, nullptr) << flow;
  return f ? f->params : kEmpty;
}

// A named figure of a result, as JSON (so tests compare it with plain numbers, strings, bools).
template <class R>
json Fig(const R& r, std::string_view name) {
  auto it = r->figures.find(name);
  return it == r->figures.end() ? json(nullptr) : SlotValueToJson(it->second);
}

std::string Steps(const CalcResult& r) {
  std::string s;
  for (const auto& l : r.steps) s += l + "\n";
  return s;
}

bool HasStep(const CalcResult& r, std::string_view text) {
  for (const auto& l : r.steps)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

// ---- 住院报销 ----

SlotValues Inpatient(const std::string& level, double a, double b, double c,
                     const std::string& location = "本地", bool designated = true,
                     bool emergency = false) {
  return {{"hospital_level", level},
          {"designated", designated},
          {"emergency", emergency},
          {"location", location},
          {"class_a", a},
          {"class_b", b},
          {"class_c", c}};
}

TEST(Inpatient, WorkedExampleLocal14600) {
  auto r = CalcInpatient(FlowParams("yb.inpatient_calc"), Inpatient("三级", 15000, 4000, 1000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->amount_cents, 1460000);
  EXPECT_EQ(Fig(r, "class_a_cents"), 1190000);
  EXPECT_EQ(Fig(r, "class_b_cents"), 270000);
  EXPECT_EQ(Fig(r, "own_cents"), 540000);
  EXPECT_TRUE(HasStep(*r, "甲类：(15000 − 1000) × 85% = 11900.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "4000 × (1 − 10%) = 3600.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "3600.00 × 75% = 2700.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "合计：11900.00 + 2700.00 = 14600.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "丙类（自费）1000元：不予报销")) << Steps(*r);
  EXPECT_NE(r->summary.find("14600.00"), std::string::npos);
  EXPECT_NE(r->rule.find("起付线1000元"), std::string::npos) << r->rule;
}

TEST(Inpatient, WorkedExampleTemporaryRemote13720) {
  auto r = CalcInpatient(FlowParams("yb.remote_ratio"),
                         Inpatient("三级", 15000, 4000, 1000, "临时外出已备案"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->amount_cents, 1372000);
  EXPECT_EQ(Fig(r, "class_a_cents"), 1120000);
  EXPECT_EQ(Fig(r, "class_b_cents"), 252000);
  EXPECT_TRUE(HasStep(*r, "甲类85% − 5% = 80%")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "(15000 − 1000) × 80% = 11200.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "3600.00 × 70% = 2520.00元")) << Steps(*r);
}

TEST(Inpatient, LongTermResidenceUsesLocalRatiosAndUnfiledLosesTenPoints) {
  auto longterm = CalcInpatient(FlowParams("yb.inpatient_calc"),
                                Inpatient("三级", 15000, 4000, 1000, "异地长期居住已备案"));
  ASSERT_TRUE(longterm.ok());
  EXPECT_EQ(longterm->amount_cents, 1460000);
  auto unfiled = CalcInpatient(FlowParams("yb.inpatient_calc"),
                               Inpatient("三级", 15000, 4000, 1000, "异地未备案"));
  ASSERT_TRUE(unfiled.ok());
  // 14000 × 75% + 3600 × 65% = 10500 + 2340.
  EXPECT_EQ(unfiled->amount_cents, 1284000);
}

TEST(Inpatient, LevelsUseTheirOwnDeductibleAndRatios) {
  // 二级: (15000 − 800) × 88% = 12496; 3600 × 78% = 2808.
  auto two = CalcInpatient(FlowParams("yb.inpatient_calc"), Inpatient("二级", 15000, 4000, 0));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->amount_cents, 1249600 + 280800);
  // 一级: (15000 − 500) × 90% = 13050; 3600 × 80% = 2880.
  auto one = CalcInpatient(FlowParams("yb.inpatient_calc"), Inpatient("一级", 15000, 4000, 0));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->amount_cents, 1305000 + 288000);
}

TEST(Inpatient, NotDesignatedAndNotEmergencyPaysNothing) {
  auto r = CalcInpatient(FlowParams("yb.inpatient_calc"),
                         Inpatient("三级", 15000, 4000, 1000, "本地", false, false));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->amount_cents, 0);
  EXPECT_NE(r->summary.find("不能报销"), std::string::npos);
}

TEST(Inpatient, EmergencyInNonDesignatedHospitalIsReimbursed) {
  auto r = CalcInpatient(FlowParams("yb.inpatient_calc"),
                         Inpatient("三级", 15000, 4000, 1000, "本地", false, true));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->amount_cents, 1460000);
}

TEST(Inpatient, EmergencyInRemoteUnfiledHospitalCountsAsTemporaryFiled) {
  auto r = CalcInpatient(FlowParams("yb.remote_ratio"),
                         Inpatient("三级", 15000, 4000, 1000, "异地未备案", true, true));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->amount_cents, 1372000);  // as 临时外出已备案
  ASSERT_FALSE(r->notes.empty());
  EXPECT_NE(r->notes[0].find("急诊抢救视同临时外出已备案"), std::string::npos);
  // Emergency does not make long-term residence worse.
  auto lt = CalcInpatient(FlowParams("yb.remote_ratio"),
                          Inpatient("三级", 15000, 4000, 0, "异地长期居住已备案", true, true));
  ASSERT_TRUE(lt.ok());
  EXPECT_EQ(lt->amount_cents, 1460000);
}

TEST(Inpatient, DeductibleLargerThanClassAComesOutOfClassBPool) {
  // 甲类 600 < 1000: 400 left; 乙类 pool 4000 × 90% = 3600; (3600 − 400) × 75% = 2400.
  auto r = CalcInpatient(FlowParams("yb.inpatient_calc"), Inpatient("三级", 600, 4000, 0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->amount_cents, 240000);
  EXPECT_EQ(Fig(r, "class_a_cents"), 0);
  EXPECT_TRUE(HasStep(*r, "剩余起付线 1000 − 600 = 400.00元从乙类中扣除")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "(3600.00 − 400.00) × 75% = 2400.00元")) << Steps(*r);
  // Pool smaller than what is left of the deductible: nothing.
  auto none = CalcInpatient(FlowParams("yb.inpatient_calc"), Inpatient("三级", 100, 500, 0));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->amount_cents, 0);
}

TEST(Inpatient, YearlyCap400000) {
  auto r = CalcInpatient(FlowParams("yb.inpatient_calc"), Inpatient("三级", 600000, 0, 0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->amount_cents, 40000000);  // (600000 − 1000) × 85% = 509150 > 400000
  EXPECT_TRUE(HasStep(*r, "年度最高支付限额400000元")) << Steps(*r);
}

TEST(Inpatient, RoundsHalfUpToTheCent) {
  // (1000.03 − 1000) × 85% = 0.0255 -> 0.03; 0.01 × 90% = 0.009 -> 0.01, × 75% = 0.0075 -> 0.01.
  auto r = CalcInpatient(FlowParams("yb.inpatient_calc"), Inpatient("三级", 1000.03, 0.01, 0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Fig(r, "class_a_cents"), 3);
  EXPECT_EQ(Fig(r, "class_b_cents"), 1);
}

TEST(Inpatient, ParametersComeFromData) {
  Params p = FlowParams("yb.inpatient_calc");
  p.table()["deductible"].table()["三级"] = int64_t{2000};
  p.table()["ratio_a_percent"].table()["三级"] = int64_t{80};
  auto r = CalcInpatient(p, Inpatient("三级", 15000, 4000, 1000));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->amount_cents, 1040000 + 270000);  // (15000 − 2000) × 80% + 2700
}

TEST(Inpatient, MissingParameterOrSlotIsAnError) {
  Params p = FlowParams("yb.inpatient_calc");
  p.table()["deductible"].table().erase("三级");
  auto r = CalcInpatient(p, Inpatient("三级", 1, 1, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("params.deductible.三级 is missing"), std::string::npos);
  SlotValues v = Inpatient("三级", 1, 1, 1);
  v.erase("class_a");
  auto s = CalcInpatient(FlowParams("yb.inpatient_calc"), v);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("class_a"), std::string::npos);
}

// ---- 经济补偿 ----

Result<CalcResult> Severance(int months, double wage, bool unlawful = false) {
  return CalcSeverance(FlowParams("ld.severance"),
                       {{"months", months}, {"wage", wage}, {"unlawful", unlawful}});
}

TEST(Severance, WorkedExamples) {
  auto a = Severance(43, 6000);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->amount_cents, 2400000);
  EXPECT_TRUE(HasStep(*a, "经济补偿：4 × 6000 = 24000.00元")) << Steps(*a);
  EXPECT_EQ(Severance(10, 5000)->amount_cents, 500000);
  EXPECT_EQ(Severance(2, 5000)->amount_cents, 250000);
  auto big = Severance(180, 30000);
  EXPECT_EQ(big->amount_cents, 27000000);
  EXPECT_TRUE(HasStep(*big, "12 × 22500 = 270000.00元")) << Steps(*big);
  EXPECT_TRUE(HasStep(*big, "7500 × 3 = 22500元")) << Steps(*big);
}

TEST(Severance, UnlawfulDismissalPaysDouble) {
  auto r = Severance(43, 6000, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->amount_cents, 4800000);
  EXPECT_EQ(Fig(r, "compensation_cents"), 2400000);
  EXPECT_TRUE(HasStep(*r, "违法解除赔偿金：24000.00 × 2 = 48000.00元")) << Steps(*r);
  EXPECT_EQ(Severance(180, 30000, true)->amount_cents, 54000000);
}

TEST(Severance, Boundaries) {
  EXPECT_EQ(Severance(0, 5000)->amount_cents, 0);
  EXPECT_EQ(Severance(1, 5000)->amount_cents, 250000);   // 0.5
  EXPECT_EQ(Severance(5, 5000)->amount_cents, 250000);   // 0.5
  EXPECT_EQ(Severance(6, 5000)->amount_cents, 500000);   // 1
  EXPECT_EQ(Severance(12, 5000)->amount_cents, 500000);  // 1
  EXPECT_EQ(Severance(13, 5000)->amount_cents, 750000);  // 1.5
  // Exactly 3 × 7500 is not above it: no cap on the years.
  EXPECT_EQ(Severance(180, 22500)->amount_cents, 15 * 2250000);
  // Above the cap with fewer than 12 years: wage capped, years as they are.
  EXPECT_EQ(Severance(60, 30000)->amount_cents, 5 * 2250000);
}

// ---- 加班费 ----

TEST(Overtime, WorkedExample) {
  auto r = CalcOvertime(
      FlowParams("ld.overtime"),
      {{"wage", 4350}, {"weekday_hours", 10}, {"rest_day_hours", 8}, {"holiday_hours", 8}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Fig(r, "hourly_cents"), 2500);
  EXPECT_EQ(Fig(r, "weekday_cents"), 37500);
  EXPECT_EQ(Fig(r, "rest_day_cents"), 40000);
  EXPECT_EQ(Fig(r, "holiday_cents"), 60000);
  EXPECT_EQ(r->amount_cents, 137500);
  EXPECT_TRUE(HasStep(*r, "小时工资：4350 ÷ 21.75 ÷ 8 = 25.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "25.00 × 150% × 10小时 = 375.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "25.00 × 200% × 8小时 = 400.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "25.00 × 300% × 8小时 = 600.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "合计：375.00 + 400.00 + 600.00 = 1375.00元")) << Steps(*r);
}

TEST(Overtime, OneKindOnlyAndHourlyRoundedAsShown) {
  auto r = CalcOvertime(FlowParams("ld.overtime"), {{"wage", 5000}, {"weekday_hours", 10}});
  ASSERT_TRUE(r.ok());
  // 5000 / 21.75 / 8 = 28.7356 -> 28.74; 28.74 × 1.5 × 10 = 431.10.
  EXPECT_EQ(Fig(r, "hourly_cents"), 2874);
  EXPECT_EQ(r->amount_cents, 43110);
  EXPECT_EQ(r->steps.size(), 2u);  // no 合计 line for one kind
}

// ---- 灵活就业养老缴费 ----

TEST(Flex, WorkedExample) {
  auto r = CalcFlexContribution(FlowParams("yl.flex_contribution"), {{"base", 4500}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->amount_cents, 90000);
  EXPECT_EQ(Fig(r, "personal_account_cents"), 36000);
  EXPECT_TRUE(HasStep(*r, "4500 × 20% = 900.00元")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "4500 × 8% = 360.00元")) << Steps(*r);
  EXPECT_TRUE(r->notes.empty());
}

TEST(Flex, BaseOutsideTheRangeIsRaisedOrLoweredWithANote) {
  auto low = CalcFlexContribution(FlowParams("yl.flex_contribution"), {{"base", 3000}});
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(low->amount_cents, 90000);
  ASSERT_EQ(low->notes.size(), 1u);
  EXPECT_NE(low->notes[0].find("低于下限4500元，按下限4500元计算"), std::string::npos);
  auto high = CalcFlexContribution(FlowParams("yl.flex_contribution"), {{"base", 30000}});
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(high->amount_cents, 450000);  // 22500 × 20%
  EXPECT_EQ(Fig(high, "personal_account_cents"), 180000);
  ASSERT_EQ(high->notes.size(), 1u);
  EXPECT_NE(high->notes[0].find("高于上限22500元"), std::string::npos);
  // The bounds themselves are fine.
  EXPECT_TRUE(
      CalcFlexContribution(FlowParams("yl.flex_contribution"), {{"base", 22500}})->notes.empty());
}

// ---- 退休年龄 ----

Result<CalcResult> Retire(const std::string& birth, const std::string& category) {
  return CalcRetirementAge(FlowParams("yl.retirement_age"),
                           {{"birth", birth}, {"category", category}});
}

TEST(Retirement, WorkedExamples) {
  auto m = Retire("1970-05", "男职工");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(Fig(m, "delay_months"), 17);
  EXPECT_EQ(Fig(m, "age_years"), 61);
  EXPECT_EQ(Fig(m, "age_months"), 5);
  EXPECT_EQ(Fig(m, "retire"), "2031-10");
  EXPECT_TRUE(HasStep(*m, "k = 64个月")) << Steps(*m);
  EXPECT_NE(m->summary.find("61岁5个月"), std::string::npos);
  EXPECT_NE(m->summary.find("2031年10月"), std::string::npos);

  auto w = Retire("1976-03", "女职工原50岁");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(Fig(w, "delay_months"), 8);
  EXPECT_EQ(Fig(w, "retire"), "2026-11");
  EXPECT_NE(w->summary.find("50岁8个月"), std::string::npos);

  auto late = Retire("1980-01", "男职工");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(Fig(late, "delay_months"), 36);
  EXPECT_EQ(Fig(late, "age_years"), 63);
  EXPECT_EQ(Fig(late, "age_months"), 0);
  EXPECT_EQ(Fig(late, "retire"), "2043-01");
  EXPECT_NE(late->summary.find("63岁，"), std::string::npos) << late->summary;
}

TEST(Retirement, BornBeforeTheFirstAffectedMonthKeepsTheOldAge) {
  auto m = Retire("1964-12", "男职工");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(Fig(m, "delay_months"), 0);
  EXPECT_EQ(Fig(m, "retire"), "2024-12");
  auto w55 = Retire("1969-12", "女职工原55岁");
  EXPECT_EQ(Fig(w55, "retire"), "2024-12");
  auto w50 = Retire("1974-12", "女职工原50岁");
  EXPECT_EQ(Fig(w50, "retire"), "2024-12");
}

TEST(Retirement, FirstAffectedMonthAndCaps) {
  EXPECT_EQ(Fig(Retire("1965-01", "男职工"), "delay_months"), 1);  // k = 0
  EXPECT_EQ(Fig(Retire("1965-04", "男职工"), "delay_months"), 1);  // k = 3
  EXPECT_EQ(Fig(Retire("1965-05", "男职工"), "delay_months"), 2);  // k = 4
  EXPECT_EQ(Fig(Retire("1970-01", "女职工原55岁"), "retire"), "2025-02");
  auto w55 = Retire("1990-01", "女职工原55岁");
  EXPECT_EQ(Fig(w55, "age_years"), 58);
  EXPECT_EQ(Fig(w55, "age_months"), 0);
  auto w50 = Retire("1990-01", "女职工原50岁");
  EXPECT_EQ(Fig(w50, "delay_months"), 60);
  EXPECT_EQ(Fig(w50, "age_years"), 55);
  EXPECT_EQ(Fig(w50, "retire"), "2045-01");
}

// ---- 失业金期限 ----

Result<CalcResult> Unemployment(int months) {
  return CalcUnemploymentDuration(FlowParams("sy.duration"), {{"months", months}});
}

TEST(Unemployment, WorkedExamplesAndBoundaries) {
  auto half = Unemployment(6);
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  EXPECT_EQ(Fig(half, "eligible"), false);
  EXPECT_NE(half->summary.find("不能领取"), std::string::npos);
  EXPECT_EQ(Fig(Unemployment(36), "max_months"), 12);
  EXPECT_EQ(Fig(Unemployment(84), "max_months"), 18);
  EXPECT_EQ(Fig(Unemployment(144), "max_months"), 24);
  EXPECT_EQ(Fig(Unemployment(11), "eligible"), false);
  EXPECT_EQ(Fig(Unemployment(12), "max_months"), 12);
  EXPECT_EQ(Fig(Unemployment(59), "max_months"), 12);
  EXPECT_EQ(Fig(Unemployment(60), "max_months"), 18);
  EXPECT_EQ(Fig(Unemployment(119), "max_months"), 18);
  EXPECT_EQ(Fig(Unemployment(120), "max_months"), 24);
  auto r = Unemployment(36);
  EXPECT_TRUE(HasStep(*r, "满1年不满5年，最长可领取12个月")) << Steps(*r);
  EXPECT_TRUE(HasStep(*r, "12 × 1980 = 23760.00元")) << Steps(*r);
}

// ---- 工伤一次性伤残补助金 ----

TEST(Injury, EveryGrade) {
  const int months[] = {27, 25, 23, 21, 18, 16, 13, 11, 9, 7};
  for (int g = 1; g <= 10; ++g) {
    auto r = CalcInjuryBenefit(FlowParams("gs.benefits"), {{"grade", g}, {"wage", 5000}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->amount_cents, int64_t{months[g - 1]} * 500000) << "grade " << g;
    EXPECT_EQ(Fig(r, "months"), months[g - 1]);
  }
  auto seven = CalcInjuryBenefit(FlowParams("gs.benefits"), {{"grade", 7}, {"wage", 5000}});
  EXPECT_TRUE(HasStep(*seven, "13 × 5000 = 65000.00元")) << Steps(*seven);
  EXPECT_NE(seven->summary.find("七级伤残"), std::string::npos);
}

TEST(Injury, GradeOutsideOneToTenIsExplained) {
  auto r = CalcInjuryBenefit(FlowParams("gs.benefits"), {{"grade", 12}, {"wage", 5000}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->amount_cents.has_value());
  EXPECT_NE(r->summary.find("一级至十级"), std::string::npos);
}

// ---- helpers ----

TEST(Format, MoneyAndNumbers) {
  EXPECT_EQ(FormatCents(1460000), "14600.00");
  EXPECT_EQ(FormatCents(5), "0.05");
  EXPECT_EQ(FormatYuanPlain(1500000), "15000");
  EXPECT_EQ(FormatYuanPlain(123450), "1234.5");
  EXPECT_EQ(FormatYuanPlain(123456), "1234.56");
  EXPECT_EQ(FormatNumber(21.75), "21.75");
  EXPECT_EQ(FormatNumber(85), "85");
  EXPECT_EQ(YuanToCents(0.295), 30);  // half-up, not banker's
  EXPECT_EQ(ChineseOrdinal(7), "七");
  EXPECT_EQ(ChineseOrdinal(10), "十");
}

TEST(Registry, EveryCalculatorIsFound) {
  for (const auto& name : CalculatorNames()) EXPECT_NE(FindCalculator(name), nullptr) << name;
  EXPECT_EQ(FindCalculator("nope"), nullptr);
}

}  // namespace
}  // namespace zx::dialogue
