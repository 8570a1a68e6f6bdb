#include "tickets/router_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "base/testing/temp_dir.h"

namespace zx::tickets {
namespace {

// A small synthetic history: three departments' kinds of matters, a dozen phrasings each.
std::vector<LabeledText> History() {
  std::vector<LabeledText> h;
  const char* roads[] = {"路灯不亮了好几天",     "A市路面塌陷很危险",    "小区门口道路坑洼积水",
                         "K4县的路灯坏了没人修", "人行道破损老人摔倒",   "马路井盖丢失",
                         "道路施工围挡占道",     "路灯整夜不亮影响出行", "桥面裂缝需要维修",
                         "背街小巷路面破烂",     "下水道堵塞路面积水",   "路灯杆倾斜要倒"};
  const char* noise[] = {"工厂噪音扰民睡不着",   "餐馆油烟排放污染",   "工地夜间施工噪音",
                         "河里排放污水发臭",     "烧烤油烟熏得受不了", "化工厂废气刺鼻",
                         "B3区养猪场臭气熏天",   "垃圾焚烧冒黑烟",     "广场舞音响噪音太大",
                         "企业偷排废水污染河流", "搅拌站粉尘污染",     "酒吧噪音到凌晨"};
  const char* wages[] = {"公司拖欠工资三个月", "单位不给交社保", "工伤认定没人管", "老板欠薪跑路了",
                         "养老保险断缴怎么办", "劳动合同不签",   "加班费不发",     "失业金怎么领取",
                         "农民工工资被拖欠",   "社保卡补办",     "被辞退没有补偿", "医保转移手续"};
  for (const char* t : roads) h.push_back({t, "城乡建设"});
  for (const char* t : noise) h.push_back({t, "环境保护"});
  for (const char* t : wages) h.push_back({t, "劳动和社会保障"});
  return h;
}

std::shared_ptr<const RouterText> Text() {
  static auto text = RouterText::Create();
  EXPECT_TRUE(text.ok()) << text.status().message();
  return *text;
}

RouterOptions SmallOptions() {
  RouterOptions o;
  o.min_df = 1;  // a few dozen lines: keep every feature
  o.folds = 3;
  return o;
}

TEST(RouterTextTest, StripsMaskedPlacesAndNormalises) {
  auto text = Text();
  EXPECT_EQ(text->Prepare("A市K4县A3区的路燈"), "市县区的路灯");
  // Letters inside a Latin word are not place masks.
  EXPECT_EQ(text->Prepare("EMS市场"), "ems市场");
}

TEST(RouterModelTest, TrainsAndRoutesOverWhateverLabelsTheHistoryHolds) {
  RouterTrainReport report;
  auto model = RouterModel::Train(History(), Text(), SmallOptions(), &report);
  ASSERT_TRUE(model.ok()) << model.status().message();
  // Labels in byte order of their UTF-8, whatever order the history lists them in.
  EXPECT_EQ((*model)->labels(),
            (std::vector<std::string>{"劳动和社会保障", "城乡建设", "环境保护"}));
  EXPECT_EQ(report.examples, 36u);
  ASSERT_TRUE(report.cross_validated.has_value());
  EXPECT_GT(report.cross_validated->macro_f1, 0.5);

  auto p = (*model)->Predict("我家楼下的路灯坏了一个月");
  EXPECT_EQ(p.label, "城乡建设");
  EXPECT_GT(p.confidence, 0.34);
  EXPECT_LE(p.confidence, 1.0);
  ASSERT_EQ(p.alternatives.size(), 2u);
  EXPECT_GE(p.confidence, p.alternatives[0].confidence);
  EXPECT_GE(p.alternatives[0].confidence, p.alternatives[1].confidence);
  EXPECT_NEAR(p.confidence + p.alternatives[0].confidence + p.alternatives[1].confidence, 1.0,
              1e-6);
  // Traditional characters read as simplified.
  EXPECT_EQ((*model)->Predict("公司拖欠工資不發").label, "劳动和社会保障");
  EXPECT_EQ((*model)->Predict("附近工厂噪音很大晚上睡不着").label, "环境保护");
  EXPECT_EQ((*model)->Predict("x", 0).alternatives.size(), 0u);
}

TEST(RouterModelTest, TrainingIsDeterministic) {
  auto a = RouterModel::Train(History(), Text(), SmallOptions());
  auto b = RouterModel::Train(History(), Text(), SmallOptions());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->Serialize(), (*b)->Serialize());
}

TEST(RouterModelTest, SavesAndLoadsFromTheDataDirectory) {
  zx::testing::TempDir dir;
  auto model = RouterModel::Train(History(), Text(), SmallOptions());
  ASSERT_TRUE(model.ok());
  std::string path = RouterModel::PathIn(dir.path());
  EXPECT_EQ(path, dir.path() + "/tickets/router.model");
  ASSERT_TRUE((*model)->Save(path).ok());
  auto loaded = RouterModel::Load(path, Text());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->labels(), (*model)->labels());
  EXPECT_EQ((*loaded)->features(), (*model)->features());
  for (const char* q : {"路灯坏了", "拖欠工资", "油烟污染", "完全无关的话"}) {
    auto x = (*model)->Predict(q);
    auto y = (*loaded)->Predict(q);
    EXPECT_EQ(x.label, y.label) << q;
    EXPECT_NEAR(x.confidence, y.confidence, 1e-9) << q;
  }
  EXPECT_EQ((*loaded)->Serialize(), (*model)->Serialize());
}

TEST(RouterModelTest, ACorruptModelFileIsAClearError) {
  zx::testing::TempDir dir;
  auto model = RouterModel::Train(History(), Text(), SmallOptions());
  ASSERT_TRUE(model.ok());
  std::string bytes = (*model)->Serialize();

  EXPECT_EQ(RouterModel::Load(dir.File("none.model"), Text()).status().code(), Code::kNotFound);

  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x5A;
  auto r = RouterModel::Parse(flipped, Text(), "router.model");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDataLoss);
  EXPECT_NE(r.status().message().find("router.model"), std::string::npos);
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos);

  r = RouterModel::Parse(bytes.substr(0, bytes.size() / 3), Text(), "router.model");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDataLoss);

  r = RouterModel::Parse("PK\x03\x04 something else", Text(), "router.model");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no ZXROUTER header"), std::string::npos);

  std::string other_version = bytes;
  other_version[8] = 9;
  r = RouterModel::Parse(other_version, Text(), "router.model");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("version 9"), std::string::npos);
}

TEST(RouterModelTest, RefusesHistoriesItCannotLearnFrom) {
  std::vector<LabeledText> one_label = {{"路灯坏了", "甲"}, {"道路破损", "甲"}, {"井盖", "甲"}};
  auto r = RouterModel::Train(one_label, Text(), SmallOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("at least two labels"), std::string::npos);

  auto h = History();
  h.push_back({"孤零零的一条", "交通运输"});
  r = RouterModel::Train(h, Text(), SmallOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("交通运输"), std::string::npos);
}

TEST(RoutingScoreTest, MacroF1AndFolds) {
  std::vector<std::string> labels = {"a", "b"};
  auto s = ScoreRouting({0, 0, 1, 1}, {0, 1, 1, 1}, labels);
  EXPECT_NEAR(s.accuracy, 0.75, 1e-9);
  EXPECT_NEAR(s.classes[0].f1, 2.0 / 3, 1e-9);  // p 1, r 0.5
  EXPECT_NEAR(s.classes[1].f1, 0.8, 1e-9);      // p 2/3, r 1
  EXPECT_NEAR(s.macro_f1, (2.0 / 3 + 0.8) / 2, 1e-9);

  std::vector<int> y(100);
  for (int i = 0; i < 100; ++i) y[i] = i < 80 ? 0 : 1;
  auto folds = StratifiedFolds(y, 5, 7);
  for (int k = 0; k < 5; ++k) {
    int n0 = 0, n1 = 0;
    for (int i = 0; i < 100; ++i) {
      if (folds[i] == k) (y[i] == 0 ? n0 : n1)++;
    }
    EXPECT_EQ(n0, 16);
    EXPECT_EQ(n1, 4);
  }
  EXPECT_EQ(folds, StratifiedFolds(y, 5, 7));
}

}  // namespace
}  // namespace zx::tickets
