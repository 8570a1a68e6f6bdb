#include "text/normalizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "text/utf8.h"

namespace zx::text {
namespace {

class NormalizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto n = Normalizer::Create();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(n.value()).release();
  }
  static void TearDownTestSuite() {
    delete normalizer_;
    normalizer_ = nullptr;
  }
  static std::string N(std::string_view s) { return normalizer_->Normalize(s); }
  static Normalizer* normalizer_;
};
Normalizer* NormalizerTest::normalizer_ = nullptr;

TEST_F(NormalizerTest, TraditionalToSimplified) {
  EXPECT_EQ(N("醫療保險異地就醫"), "医疗保险异地就医");
  EXPECT_EQ(N("請問我的公積金怎麼查詢"), "请问我的公积金怎么查询");
  EXPECT_EQ(N("養老保險"), "养老保险");
}

TEST_F(NormalizerTest, AccountVariants) {
  EXPECT_EQ(N("帳戶"), "账户");
  EXPECT_EQ(N("帐户"), "账户");
  EXPECT_EQ(N("公積金帳戶餘額"), "公积金账户余额");
  EXPECT_EQ(N("帳號"), "账号");
  EXPECT_EQ(N("錢到帳了嗎"), "钱到账了吗");
  EXPECT_EQ(N("转帐"), "转账");
  // Tents stay tents.
  EXPECT_EQ(N("帳篷"), "帐篷");
  EXPECT_EQ(N("蚊帐"), "蚊帐");
}

TEST_F(NormalizerTest, WidthCaseAndSpaces) {
  EXPECT_EQ(N("ＡＢＣ１２３"), "abc123");
  EXPECT_EQ(N("ＡＢＣ　１２３"), "abc 123");
  EXPECT_EQ(N("Hello WORLD"), "hello world");
  EXPECT_EQ(N("  社保   卡\t\n怎么 办  "), "社保 卡 怎么 办");
  EXPECT_EQ(N("80％"), "80%");
}

TEST_F(NormalizerTest, PunctuationPolicy) {
  // Full-width forms fold to ASCII; CJK punctuation stays.
  EXPECT_EQ(N("你好，请问？谢谢！"), "你好,请问?谢谢!");
  EXPECT_EQ(N("（医保）：是的；"), "(医保):是的;");
  EXPECT_EQ(N("好的。《条例》、“引号”"), "好的。《条例》、“引号”");
}

TEST_F(NormalizerTest, InvalidUtf8IsDropped) {
  EXPECT_EQ(N("社\xff保"), "社保");
  EXPECT_EQ(N("\xc3\x28"), "(");               // truncated sequence
  EXPECT_EQ(N("\xed\xa0\x80x"), "x");          // surrogate
  EXPECT_EQ(N("\xc0\xafy"), "y");              // overlong '/'
  EXPECT_EQ(N("医\xe5\x8c"), "医");            // cut in the middle of a character
  EXPECT_EQ(N(std::string("a\0b", 3)), "ab");  // control characters dropped
}

TEST_F(NormalizerTest, EmptyAndEmoji) {
  EXPECT_EQ(N(""), "");
  EXPECT_EQ(N("   "), "");
  // Emoji and other symbols are kept as written (the segmenter drops them).
  EXPECT_EQ(N("谢谢👍"), "谢谢👍");
  EXPECT_EQ(N("👍"), "👍");
}

TEST_F(NormalizerTest, NumbersAreLeftAsWritten) {
  EXPECT_EQ(N("三年零七个月"), "三年零七个月");
  EXPECT_EQ(N("１.５萬"), "1.5万");
}

TEST_F(NormalizerTest, ThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &bad] {
      for (int i = 0; i < 500; ++i) {
        if (N("醫療保險帳戶ＡＢＣ") != "医疗保险账户abc") ++bad[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int b : bad) EXPECT_EQ(b, 0);
}

TEST_F(NormalizerTest, Speed) {
  const std::string q = "請問我的公積金帳戶怎麼查詢，異地就醫備案需要什麼材料？ＡＢＣ１２３";
  const int kRuns = 2000;
  const auto start = std::chrono::steady_clock::now();
  size_t total = 0;
  for (int i = 0; i < kRuns; ++i) total += N(q).size();
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      kRuns;
  std::cout << "[ perf     ] Normalize: " << us << " us per call (" << q.size() << " bytes)\n";
  EXPECT_GT(total, 0u);
  EXPECT_LT(us, 500);
}

// OpenCC is skipped for texts with no character it could change: never a different result.
// Every CJK unified ideograph alone and next to its neighbours, and mixed texts.
TEST_F(NormalizerTest, SkippingOpenCcChangesNothing) {
  auto always = Normalizer::Create({.always_convert = true});
  ASSERT_TRUE(always.ok()) << always.status().ToString();
  auto same = [&](const std::string& s) { ASSERT_EQ(N(s), (*always)->Normalize(s)) << s; };
  std::string run;
  for (char32_t c = 0x4E00; c <= 0x9FFF; ++c) {
    std::string one;
    utf8::AppendUtf8(c, &one);
    same(one);
    run += one;
    if (run.size() >= 3 * 8) {
      same(run);
      run.clear();
    }
  }
  for (const char* s : {"社保卡丢了怎么补办", "公積金帳戶", "乾隆", "干杯", "头发", "頭髮",
                        "ABC１２３", "我的账户", "後來", "后来", "", "😀社保"})
    same(s);
}

TEST(Normalizer, MissingConfigIsAnError) {
  auto n = Normalizer::Create({.opencc_config = "/nonexistent/t2s.json"});
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(n.status().message().find("/nonexistent/t2s.json"), std::string::npos);
  auto e = Normalizer::Create({.opencc_config = ""});
  EXPECT_FALSE(e.ok());
}

TEST(Utf8, ValidityAndSanitizing) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("abc社保👍"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xe4\xbd"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_EQ(SanitizeUtf8("a\xff"
                         "b\xe4\xbd"),
            "ab");
  EXPECT_EQ(SanitizeUtf8("社保"), "社保");
  EXPECT_TRUE(IsValidUtf8(SanitizeUtf8("\x80\xbf\xc0\xc1\xf5\xf8 ok")));
}

}  // namespace
}  // namespace zx::text
