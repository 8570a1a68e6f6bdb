// Auto-fill over a handful of complaints (DOMAIN.md "Auto-fill"): what each field holds, so CI
// checks the behaviour; the accuracy figures are bench/tickets/autofill_bench's.
#include "tickets/autofill.h"

#include <gtest/gtest.h>

#include <chrono>

namespace zx::tickets {
namespace {

class AutofillTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto f = AutoFiller::Load({.kb_dir = std::string(ZX_SOURCE_DIR) + "/kb"});
    ASSERT_TRUE(f.ok()) << f.status().message();
    filler_ = std::move(f).value().release();
  }
  static void TearDownTestSuite() { delete filler_; }
  Draft Fill(const std::string& text, std::optional<TopicGuess> topic = std::nullopt,
             std::optional<CategoryGuess> category = std::nullopt, std::string known = "") {
    return filler_->Fill({text, topic, category, known});
  }
  static AutoFiller* filler_;
};
AutoFiller* AutofillTest::filler_ = nullptr;

TEST_F(AutofillTest, GarbageInACompoundOfOneDistrict) {
  Draft d = Fill("阳光花园小区门口的垃圾堆了好几天没人清运，臭死了");
  EXPECT_EQ(d.topic.value, "ts.garbage");
  ASSERT_EQ(d.departments.value.size(), 1u);
  EXPECT_EQ(d.Lead(), "cgj");
  EXPECT_EQ(d.place.value, "阳光花园");
  EXPECT_EQ(d.district.value, "东城区");  // the compound lies in one district only
  EXPECT_EQ(d.tier.value, Tier::k24h);
  EXPECT_FALSE(d.contact.value);
  EXPECT_TRUE(d.departments.machine && d.place.machine && d.tier.machine);
  EXPECT_GT(d.confidence, 0.5);
}

TEST_F(AutofillTest, ConstructionNoiseGoesToTwoDepartments) {
  Draft d = Fill("西城区文华路那个工地半夜还在打桩，吵得人睡不着", TopicGuess{"ts.noise", 0.8});
  EXPECT_EQ(d.topic.value, "ts.noise");
  EXPECT_EQ(d.matter, "施工噪声");
  ASSERT_EQ(d.departments.value.size(), 2u);
  EXPECT_EQ(d.departments.value[0], (Assignment{"cgj", Role::kLead}));
  EXPECT_EQ(d.departments.value[1], (Assignment{"zjj", Role::kAssist}));
  EXPECT_EQ(d.district.value, "西城区");
  EXPECT_EQ(d.place.value, "文华路");
}

TEST_F(AutofillTest, DangerRaisesTheTierAndNegationDoesNot) {
  Draft raised = Fill("人民路上井盖丢了，刚才有个老人摔倒了腿在流血");
  EXPECT_EQ(raised.Lead(), "cgj");
  EXPECT_EQ(raised.tier.value, Tier::k2h);
  EXPECT_FALSE(raised.dangers.empty());
  EXPECT_EQ(raised.place.value, "人民路");
  EXPECT_FALSE(raised.district.value);  // 人民路 runs through two districts

  Draft calm = Fill("人行道的地砖松了几块，走路不方便，还好没有人受伤");
  EXPECT_EQ(calm.Lead(), "cgj");
  EXPECT_EQ(calm.tier.value, Tier::k24h);
  EXPECT_TRUE(calm.dangers.empty());

  // Never lowered: a 7d matter with a person trapped is 2h; a 2h matter stays 2h without danger.
  Draft trapped =
      Fill("锦绣家园3号楼电梯坏了，我妈被困在里面出不来", TopicGuess{"ts.property", 0.7});
  EXPECT_EQ(trapped.tier.value, Tier::k2h);
  Draft outage = Fill("我们家突然停水了", TopicGuess{"ts.water_outage", 0.9});
  EXPECT_EQ(outage.Lead(), "sw");
  EXPECT_EQ(outage.tier.value, Tier::k2h);
}

TEST_F(AutofillTest, TraditionalCharactersAndHomophones) {
  Draft d = Fill("東城區幸福路的路燈壞了，晚上黑漆漆的");
  EXPECT_EQ(d.district.value, "东城区");
  EXPECT_EQ(d.place.value, "幸福路");
  Draft h = Fill("望朝路上的井改没了");  // speech recognition: 望潮路, 井盖
  EXPECT_EQ(h.place.value, "望潮路");
  EXPECT_EQ(h.Lead(), "cgj");
}

TEST_F(AutofillTest, ContactSaidInDigitsOrChineseAndMasked) {
  Draft a = Fill("小区垃圾没人收，我电话13912345678");
  EXPECT_EQ(a.contact.value, "13912345678");
  EXPECT_EQ(a.MaskedContact(), "139****5678");
  Draft b = Fill("物业不管事，你们打我电话幺三九 一二三四 五六七八");
  EXPECT_EQ(b.contact.value, "13912345678");
  Draft c = Fill("楼下狗天天叫", std::nullopt, std::nullopt, "13700001111");
  EXPECT_EQ(c.contact.value, "13700001111");  // the channel's number when none was said
  // The summary never carries the number, a house number or a name.
  EXPECT_EQ(a.summary.value.find("139"), std::string::npos);
}

TEST_F(AutofillTest, OutsideTheCatalogueGoesToTheDispatcher) {
  Draft d = Fill("我想咨询一下明天会不会下雨");
  EXPECT_TRUE(d.departments.value.empty());
  EXPECT_FALSE(d.Lead());
  EXPECT_NE(d.summary.value.find("待人工派单"), std::string::npos);
}

TEST_F(AutofillTest, LearnedCategoryMapsToADepartmentWhenTheTextDoesNot) {
  Draft d = Fill("关于我们那边学校的事情反映一下", std::nullopt, CategoryGuess{"教育文体", 0.9});
  EXPECT_EQ(d.category.value, "教育文体");
  EXPECT_EQ(d.Lead(), "jyj");
  Draft none = Fill("反映一个情况", std::nullopt, CategoryGuess{"环境保护", 0.9});
  EXPECT_EQ(none.category.value, "环境保护");
  EXPECT_FALSE(none.Lead());  // no department of 示例市 owns it
}

TEST_F(AutofillTest, DistrictOnlyWhenNamedOrImpliedByOnePlace) {
  EXPECT_FALSE(Fill("我家门口垃圾没人收").district.value);
  EXPECT_EQ(Fill("临河县青石镇柳树村的路灯坏了").place.value, "柳树村");
  EXPECT_EQ(Fill("临河县青石镇柳树村的路灯坏了").district.value, "临河县");
  EXPECT_EQ(Fill("中山路和钟楼路路口井盖没了").district.value, "西城区");  // shared by both
}

TEST_F(AutofillTest, FindPhone) {
  EXPECT_EQ(FindPhone("电话0571-88886666"), "057188886666");
  EXPECT_EQ(FindPhone("一三八一二三四五六七八"), "13812345678");
  EXPECT_EQ(FindPhone("+86 138 1234 5678"), "13812345678");
  EXPECT_EQ(FindPhone("三楼302室"), "");
  EXPECT_EQ(FindPhone("欠了两三个月工资"), "");
}

TEST_F(AutofillTest, FastEnough) {
  const std::string text = "东城区幸福路阳光花园门口有辆车乱停堵住了消防通道，电话13812345678";
  Fill(text);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) Fill(text);
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      200;
  EXPECT_LT(us, 1000.0);  // well under 1 ms per complaint (bench measures it without load)
}

}  // namespace
}  // namespace zx::tickets
