#include "dialogue/age_band.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace zx::dialogue {
namespace {

AgeBands Bands() {
  return {{"18岁以下", 0, 17},
          {"18-29岁", 18, 29},
          {"30-44岁", 30, 44},
          {"45-59岁", 45, 59},
          {"60岁及以上", 60, 200}};
}

TEST(AgeBandTest, AgeOnCountsABirthdayNotYetReached) {
  EXPECT_EQ(AgeOn(1990, 3, 7, "2026-03-06"), 35);
  EXPECT_EQ(AgeOn(1990, 3, 7, "2026-03-07"), 36);
  EXPECT_EQ(AgeOn(1990, 3, 7, "2026-12-31"), 36);
  EXPECT_EQ(AgeOn(2000, 2, 29, "2025-02-28"), 24);  // no 29 February that year
  EXPECT_EQ(AgeOn(2000, 2, 29, "2025-03-01"), 25);
  EXPECT_EQ(AgeOn(2026, 12, 7, "2026-12-07"), 0);
  EXPECT_EQ(AgeOn(2026, 12, 8, "2026-12-07"), std::nullopt);  // not born yet
  EXPECT_EQ(AgeOn(1990, 3, 7, "2026-13-01"), std::nullopt);
}

TEST(AgeBandTest, AgeFromAValidIdNumberOnly) {
  EXPECT_EQ(AgeFromIdNumber("110101199003078515", "2026-03-06"), 35);
  EXPECT_EQ(AgeFromIdNumber("110101199003078515", "2026-03-07"), 36);
  EXPECT_EQ(AgeFromIdNumber("11010120000229123X", "2026-12-07"), 26);
  EXPECT_EQ(AgeFromIdNumber("110101199003078514", "2026-12-07"), std::nullopt);  // check digit
  EXPECT_EQ(AgeFromIdNumber("11010119900307851", "2026-12-07"), std::nullopt);   // 17 digits
  EXPECT_EQ(AgeFromIdNumber("110101199013078515", "2026-12-07"), std::nullopt);  // month 13
}

TEST(AgeBandTest, BandOfAnAge) {
  EXPECT_EQ(BandOf(Bands(), 0), "18岁以下");
  EXPECT_EQ(BandOf(Bands(), 17), "18岁以下");
  EXPECT_EQ(BandOf(Bands(), 18), "18-29岁");
  EXPECT_EQ(BandOf(Bands(), 44), "30-44岁");
  EXPECT_EQ(BandOf(Bands(), 60), "60岁及以上");
  EXPECT_EQ(BandOf({{"成年", 18, 200}}, 10), "");
  EXPECT_EQ(BandOf({}, 30), "");
}

TEST(AgeBandTest, FindsTheLastValidIdNumberInText) {
  const AgeBands b = Bands();
  EXPECT_EQ(AgeBandInText("我的身份证号是110101199003078515，帮我查一下", b, "2026-12-07"),
            "30-44岁");
  EXPECT_EQ(AgeBandInText("身份证11010120000229123x", b, "2026-12-07"), "18-29岁");
  // The last one heard wins; an invalid one is ignored.
  EXPECT_EQ(AgeBandInText("110101199003078515 和 110105195806154566", b, "2026-12-07"),
            "60岁及以上");
  EXPECT_EQ(AgeBandInText("110105195806154566 和 110101199003078514", b, "2026-12-07"),
            "60岁及以上");
  // Born 2008-12-08: 17 the day before the birthday, 18 on it.
  EXPECT_EQ(AgeBandInText("110101200812080012", b, "2026-12-07"), "18岁以下");
  EXPECT_EQ(AgeBandInText("110101200812080012", b, "2026-12-08"), "18-29岁");
  // Not an ID number: inside a longer run of digits, a phone number, nothing.
  EXPECT_EQ(AgeBandInText("1110101199003078515", b, "2026-12-07"), "");
  EXPECT_EQ(AgeBandInText("1101011990030785150", b, "2026-12-07"), "");
  EXPECT_EQ(AgeBandInText("电话13812345678", b, "2026-12-07"), "");
  EXPECT_EQ(AgeBandInText("", b, "2026-12-07"), "");
  // No bands: no age recorded.
  EXPECT_EQ(AgeBandInText("110101199003078515", {}, "2026-12-07"), "");
}

class AgeBandFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    const auto path =
        std::filesystem::temp_directory_path() /
        ("age_bands_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".tsv");
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path.string();
  }
  void TearDown() override {
    for (const auto& p : paths_) std::filesystem::remove(p);
  }
  std::vector<std::filesystem::path> paths_;
};

TEST_F(AgeBandFileTest, LoadsBandsInOrder) {
  auto bands =
      LoadAgeBands(Write("label\tfrom\tto\n# comment\n18岁以下\t0\t17\r\n18岁及以上\t18\t200\n"));
  ASSERT_TRUE(bands.ok()) << bands.status().message();
  ASSERT_EQ(bands->size(), 2u);
  EXPECT_EQ((*bands)[0].label, "18岁以下");
  EXPECT_EQ((*bands)[1].from, 18);
  EXPECT_EQ((*bands)[1].to, 200);
}

TEST_F(AgeBandFileTest, AMissingFileNamesNone) {
  auto bands = LoadAgeBands("/nonexistent/age_bands.tsv");
  ASSERT_TRUE(bands.ok());
  EXPECT_TRUE(bands->empty());
  EXPECT_TRUE(LoadAgeBands("")->empty());
}

TEST_F(AgeBandFileTest, MalformedLinesSayWhere) {
  auto error = [&](const std::string& text) {
    const std::string path = Write(text);
    auto bands = LoadAgeBands(path);
    EXPECT_FALSE(bands.ok());
    const std::string message = std::string(bands.status().message());
    EXPECT_EQ(message.rfind(path + ":", 0), 0u) << message;
    return message.substr(path.size());
  };
  EXPECT_EQ(error("label\tfrom\tto\n青年\t18\n"), ":2: expected 3 tab-separated fields, found 2");
  EXPECT_EQ(error("label\tfrom\tto\n青年\t18\t二十\n"),
            ":2: ages must be whole numbers 0-200, from no more than to");
  EXPECT_EQ(error("label\tfrom\tto\n青年\t30\t18\n"),
            ":2: ages must be whole numbers 0-200, from no more than to");
  EXPECT_EQ(error("label\tfrom\tto\n青年\t18\t29\n中年\t29\t59\n"),
            ":3: ages overlap band \"青年\"");
  EXPECT_EQ(error("label\tfrom\tto\n青年\t18\t29\n青年\t30\t59\n"),
            ":3: band \"青年\" is given twice");
}

}  // namespace
}  // namespace zx::dialogue
