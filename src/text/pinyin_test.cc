#include "text/pinyin.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace zx::text {
namespace {

using Syllables = std::vector<std::string>;

TEST(Pinyin, Syllables) {
  EXPECT_EQ(Pinyin("社保"), (Syllables{"she", "bao"}));
  EXPECT_EQ(Pinyin("公积金"), (Syllables{"gong", "ji", "jin"}));
  EXPECT_EQ(Pinyin("失业"), Pinyin("事业"));
  EXPECT_EQ(Pinyin("绿"), (Syllables{"lu"}));  // ü folds to u
  EXPECT_EQ(Pinyin("〇"), (Syllables{"ling"}));
  EXPECT_EQ(Pinyin("a社1"), (Syllables{"a", "she", "1"}));
  EXPECT_EQ(Pinyin("👍"), (Syllables{"👍"}));
  EXPECT_TRUE(Pinyin("").empty());
}

TEST(Pinyin, ConcurrentFirstLookups) {
  // Characters nobody has looked up yet, read by several threads at once.
  std::string text;
  for (char32_t c = 0x7000; c < 0x7400; ++c) {
    text.push_back(static_cast<char>(0xE0 | (c >> 12)));
    text.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    text.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  std::vector<std::vector<std::string>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { results[t] = Pinyin(text); });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(results[0].size(), 0x400u);
  for (int t = 1; t < 4; ++t) EXPECT_EQ(results[t], results[0]);
  EXPECT_EQ(Pinyin(text), results[0]);
}

class CorrectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::vector<std::string> domain = {"社保",     "公积金", "失业金", "医保",
                                             "失业",     "养老金", "社保卡", "异地就医",
                                             "灵活就业", "退休",   "医保卡", "12345热线"};
    const std::vector<std::string> known = {"是不是", "事业", "事业单位", "单位", "怎么", "怎么办",
                                            "贷款",   "基金", "设备",     "报销", "一包", "不是"};
    const auto start = std::chrono::steady_clock::now();
    auto c = HomophoneCorrector::Create(domain, known);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    std::cout << "[ perf     ] HomophoneCorrector::Create: "
              << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count()
              << " ms\n";
    corrector_ = std::move(c.value()).release();
  }
  static void TearDownTestSuite() {
    delete corrector_;
    corrector_ = nullptr;
  }
  static std::string C(std::string_view s) { return corrector_->Correct(s); }
  static HomophoneCorrector* corrector_;
};
HomophoneCorrector* CorrectorTest::corrector_ = nullptr;

TEST_F(CorrectorTest, FixesHomophones) {
  EXPECT_EQ(C("设保"), "社保");
  EXPECT_EQ(C("我的设保断了"), "我的社保断了");
  EXPECT_EQ(C("公基金贷款"), "公积金贷款");
  EXPECT_EQ(C("失叶金怎么领"), "失业金怎么领");
  EXPECT_EQ(C("医宝报销"), "医保报销");
  EXPECT_EQ(C("异地就宜备案"), "异地就医备案");
  EXPECT_EQ(C("设保卡丢了"), "社保卡丢了");  // the longest domain word wins
  EXPECT_EQ(C("设保和公基金"), "社保和公积金");
}

TEST_F(CorrectorTest, LeavesCorrectTextAlone) {
  for (const char* s : {"社保卡怎么办", "是不是", "公积金贷款", "事业单位", "我在事业单位上班",
                        "医保", "失业金", "", "abc", "12345热线", "👍", "今天天气很好"}) {
    EXPECT_EQ(C(s), s) << s;
  }
}

TEST_F(CorrectorTest, AmbiguousPinyinIsNotCorrected) {
  auto c = HomophoneCorrector::Create({"事例", "试例"}, {});  // both "shi li"
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Correct("示例"), "示例");
}

TEST(Corrector, GeneralDictionaryAsKnownWords) {
  // With no known words, 事业 (shi ye) would be taken for the domain word 失业.
  auto bare = HomophoneCorrector::Create({"失业", "社保"}, {});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ((*bare)->Correct("事业单位"), "失业单位");
  // The jieba dictionary as known words: only the words that sound like a domain word are kept.
  std::vector<std::string> jieba;
  std::ifstream in("/usr/lib/python3/dist-packages/jieba/dict.txt");
  for (std::string line; std::getline(in, line);) jieba.push_back(line.substr(0, line.find(' ')));
  if (jieba.empty()) GTEST_SKIP() << "python3-jieba not installed";
  const auto start = std::chrono::steady_clock::now();
  auto c = HomophoneCorrector::Create({"失业", "社保", "公积金", "失业金", "医保"}, jieba);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(c.ok());
  std::cout << "[ perf     ] HomophoneCorrector::Create with " << jieba.size()
            << " known words: " << ms << " ms\n";
  EXPECT_EQ((*c)->Correct("事业单位"), "事业单位");
  EXPECT_EQ((*c)->Correct("设保和公基金"), "社保和公积金");
  EXPECT_EQ((*c)->Correct("失叶金"), "失业金");
  EXPECT_LT(ms, 3000);
}

TEST_F(CorrectorTest, ThreadSafeAndFast) {
  const std::string q = "请问我的设保和公基金断缴了,失叶金和医宝怎么办,是不是要去事业单位";
  const std::string expected = C(q);
  EXPECT_EQ(expected, "请问我的社保和公积金断缴了,失业金和医保怎么办,是不是要去事业单位");
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (C(q) != expected) ++bad[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int b : bad) EXPECT_EQ(b, 0);

  std::vector<double> us;
  for (int i = 0; i < 2000; ++i) {
    const auto start = std::chrono::steady_clock::now();
    std::string r = C(q);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(us.begin(), us.end());
  std::cout << "[ perf     ] Correct: p50 " << us[us.size() / 2] << " us, p99 "
            << us[us.size() * 99 / 100] << " us (" << q.size() << " bytes)\n";
  EXPECT_LT(us[us.size() * 99 / 100], 500);
}

}  // namespace
}  // namespace zx::text
