#include "telephony/speech_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace zx::telephony {
namespace {

// The lexicon of the tests: a few words and the letters the tests spell.
const SpeechLexicon& Lexicon() {
  static const SpeechLexicon lexicon = [] {
    auto l = SpeechLexicon::Parse(
        "# test\nAPP\t应用\nPDF\t电子文档\nID\t编号\nNo.\t编号\nG\t吉\nD\t迪\nX\t艾克斯\nOK\t\n",
        "test.tsv");
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return std::move(l).value();
  }();
  return lexicon;
}

std::string P(std::string_view text) { return PrepareForSpeech(text, &Lexicon()); }

TEST(SpeechText, AmountsAreChineseNumbersWithYuanJiaoFen) {
  EXPECT_EQ(P("预计可报销22400.00元"), "预计可报销两万二千四百元");
  EXPECT_EQ(P("230.50元"), "二百三十元五角");
  EXPECT_EQ(P("0.5元"), "五角");
  EXPECT_EQ(P("12.34元"), "十二元三角四分");
  EXPECT_EQ(P("每月300元"), "每月三百元");
  EXPECT_EQ(P("300元/月"), "三百元每月");
  EXPECT_EQ(P("￥1,500.00"), "一千五百元");
  EXPECT_EQ(P("22,400.00元"), "两万二千四百元");
  EXPECT_EQ(P("1.5万元"), "一点五万元");
}

TEST(SpeechText, QuantitiesAndPercentagesAreNumbers) {
  EXPECT_EQ(P("缴费基数32000，"), "缴费基数三万二千");
  EXPECT_EQ(P("月计薪天数21.75天"), "月计薪天数二十一点七五天");
  EXPECT_EQ(P("2个工作日"), "两个工作日");
  EXPECT_EQ(P("第2个"), "第二个");
  EXPECT_EQ(P("2月"), "二月");
  EXPECT_EQ(P("报销比例85%"), "报销比例百分之八十五");
  EXPECT_EQ(P("比例1.5%"), "比例百分之一点五");
  EXPECT_EQ(P("300%"), "百分之三百");
  EXPECT_EQ(P("10%-20%"), "百分之十到百分之二十");
}

TEST(SpeechText, PhoneIdCaseAndOrderNumbersDigitByDigit) {
  EXPECT_EQ(P("请拨打12345"), "请拨打幺二三四五");
  EXPECT_EQ(P("12333咨询"), "幺二三三三咨询");
  EXPECT_EQ(P("电话0571-88886666"), "电话零五七幺八八八八六六六六");
  EXPECT_EQ(P("手机13800138000"), "手机幺三八零零幺三八零零零");
  EXPECT_EQ(P("工单号20250101003"), "工单号二零二五零幺零幺零零三");
  EXPECT_EQ(P("受理号：3021"), "受理号：三零二幺");
  EXPECT_EQ(P("身份证11010519491231002X"), "身份证幺幺零幺零五幺九四九幺二三幺零零二叉");
  EXPECT_EQ(P("拨打120"), "拨打幺二零");
  EXPECT_EQ(P("No.3021"), "编号三零二幺");
  EXPECT_EQ(P("单号GD2026001"), "单号吉迪二零二六零零幺");
  // A short code's digits after its letters are digits too, not a quantity; without a lexicon
  // the letters go and the digits stay.
  EXPECT_EQ(P("申请编号GD123"), "申请编号吉迪幺二三");
  EXPECT_EQ(P("请凭XD42领取"), "请凭艾克斯迪四二领取");
  EXPECT_EQ(PrepareForSpeech("申请编号SQ2026120100123", nullptr),
            "申请编号二零二六幺二零幺零零幺二三");
}

TEST(SpeechText, DatesAndTimes) {
  EXPECT_EQ(P("2026-12-05"), "二零二六年十二月五日");
  EXPECT_EQ(P("2026/12/05"), "二零二六年十二月五日");
  EXPECT_EQ(P("2026年12月5日"), "二零二六年十二月五日");
  EXPECT_EQ(P("2026年05月"), "二零二六年五月");
  EXPECT_EQ(P("自2025-01-01施行"), "自二零二五年一月一日施行");
  EXPECT_EQ(P("领到2031-05"), "领到二零三一年五月");
  EXPECT_EQ(P("2025年起"), "二零二五年起");
  EXPECT_EQ(P("14:30"), "十四点三十分");
  EXPECT_EQ(P("9:00"), "九点");
  EXPECT_EQ(P("8:05-17:00"), "八点零五分到十七点");
}

TEST(SpeechText, Ranges) {
  EXPECT_EQ(P("3-5个工作日"), "三到五个工作日");
  EXPECT_EQ(P("3~5天"), "三到五天");
  EXPECT_EQ(P("1000-2000元"), "一千到两千元");
  EXPECT_EQ(P("2025-2030年"), "二零二五到二零三零年");
}

TEST(SpeechText, OperatorsInChinese) {
  EXPECT_EQ(P("(15000 − 1000) × 85% = 11900.00"),
            "一万五千减去一千乘以百分之八十五等于一万一千九百");
  EXPECT_EQ(P("4500 ÷ 21.75 = 206.90元"), "四千五百除以二十一点七五等于二百零六元九角");
  EXPECT_EQ(P("3 * 2 + 1 - 4"), "三乘以二加一减去四");
  EXPECT_EQ(P("6000 / 3"), "六千除以三");
  EXPECT_EQ(P("按#键结束，按*返回"), "按井号键结束，按星号返回");
  EXPECT_EQ(P("≤1500元"), "小于等于一千五百元");
}

TEST(SpeechText, LatinWordsFromTheLexiconOrDropped) {
  EXPECT_EQ(P("在医保APP上办"), "在医保应用上办");
  EXPECT_EQ(P("下载PDF表格"), "下载电子文档表格");
  EXPECT_EQ(P("好的OK"), "好的");
  EXPECT_EQ(P("请看 the website 说明"), "请看说明");
  // Without a lexicon nothing Latin is said at all.
  EXPECT_EQ(PrepareForSpeech("医保APP", nullptr), "医保");
}

TEST(SpeechText, CitationsListsAndLineBreaks) {
  EXPECT_EQ(P("可以在医保APP上办。\n（依据：示例市医疗保障局《新生儿参加医保》）"),
            "可以在医保应用上办。");
  EXPECT_EQ(P("第一步\n第二步"), "第一步，第二步");
  EXPECT_EQ(P("您是想咨询：1. 社保卡补办；2. 医保报销？"),
            "您是想咨询：一、社保卡补办；二、医保报销？");
}

TEST(SpeechText, NothingAsciiIsLeft) {
  for (std::string_view s :
       {"A&B <x> [y] {z} \"q\" 'r' `s` _t_ |u| \\v ^w $x @y ~z", "e-mail: a.b@c.d", "+86 10",
        "ID: 3.2.1", "1/2", "-5度", "100%!", "x = y", "*", "#", "12345678901234567890"}) {
    std::string spoken = P(s);
    EXPECT_FALSE(HasAsciiForSpeech(spoken)) << s << " -> " << spoken;
  }
}

// Any mix of digits, letters, symbols and Chinese: no crash, no ASCII left (a fixed seed).
TEST(SpeechText, RandomTextLeavesNoAscii) {
  const std::vector<std::string> pieces = {"0",
                                           "1",
                                           "2",
                                           "5",
                                           "9",
                                           "12",
                                           "2026",
                                           "-",
                                           "/",
                                           ".",
                                           ":",
                                           "%",
                                           "X",
                                           "x",
                                           "ab",
                                           "No.",
                                           "APP",
                                           " ",
                                           "\n",
                                           "=",
                                           "+",
                                           "*",
                                           "#",
                                           "~",
                                           ",",
                                           "(",
                                           ")",
                                           "元",
                                           "年",
                                           "月",
                                           "个",
                                           "按",
                                           "−",
                                           "×",
                                           "÷",
                                           "～",
                                           "％",
                                           "￥",
                                           "≤",
                                           "依据",
                                           "（依据：某）",
                                           "电话",
                                           "\xff"};
  uint32_t seed = 12345;
  for (int n = 0; n < 5000; ++n) {
    std::string text;
    int len = 1 + n % 24;
    for (int k = 0; k < len; ++k) {
      seed = seed * 1103515245u + 12345u;
      text += pieces[(seed >> 16) % pieces.size()];
    }
    std::string spoken = P(text);
    ASSERT_FALSE(HasAsciiForSpeech(spoken)) << text << " -> " << spoken;
  }
}

TEST(SpeechText, LexiconRefusesBadLines) {
  EXPECT_FALSE(SpeechLexicon::Parse("APP\n", "x.tsv").ok());
  EXPECT_FALSE(SpeechLexicon::Parse("APP\t应用\napp\t程序\n", "x.tsv").ok());
  EXPECT_FALSE(SpeechLexicon::Parse("APP\tapp\n", "x.tsv").ok());
  auto l = SpeechLexicon::Parse("APP\t应用\n", "x.tsv");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->Find("app").value_or("?"), "应用");
  EXPECT_FALSE(l->Find("PDF").has_value());
}

TEST(SpeechText, TheKbLexiconLoads) {
  auto l = SpeechLexicon::Load(std::string(ZX_SOURCE_DIR) + "/kb/speech_words.tsv");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  for (char c = 'A'; c <= 'Z'; ++c) EXPECT_TRUE(l->Find(std::string(1, c)).has_value()) << c;
}

}  // namespace
}  // namespace zx::telephony
