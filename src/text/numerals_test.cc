#include "text/numerals.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

namespace zx::text {
namespace {

struct NumberCase {
  const char* text;
  double value;
};

class ParseNumberTest : public ::testing::TestWithParam<NumberCase> {};

TEST_P(ParseNumberTest, Reads) {
  const auto& c = GetParam();
  auto v = ParseNumber(c.text);
  ASSERT_TRUE(v.has_value()) << c.text;
  EXPECT_DOUBLE_EQ(*v, c.value) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Numbers, ParseNumberTest,
    ::testing::Values(
        // The header's examples.
        NumberCase{"两万三", 23000}, NumberCase{"一万五千块", 15000}, NumberCase{"1.5万", 15000},
        NumberCase{"三千五百二十", 3520},
        // Plain Chinese numerals.
        NumberCase{"零", 0}, NumberCase{"〇", 0}, NumberCase{"五", 5}, NumberCase{"十", 10},
        NumberCase{"十五", 15}, NumberCase{"二十", 20}, NumberCase{"二十一", 21},
        NumberCase{"一百", 100}, NumberCase{"一百零五", 105}, NumberCase{"一千零五", 1005},
        NumberCase{"两千", 2000}, NumberCase{"一万", 10000}, NumberCase{"十万", 100000},
        NumberCase{"三十五万", 350000}, NumberCase{"一百二十万", 1200000}, NumberCase{"一亿", 1e8},
        NumberCase{"一亿五千万", 1.5e8}, NumberCase{"两亿三千四百万", 2.34e8},
        NumberCase{"一万零一", 10001},
        // Colloquial elision.
        NumberCase{"一万五", 15000}, NumberCase{"三千五", 3500}, NumberCase{"一百二", 120},
        NumberCase{"两百五", 250}, NumberCase{"十五万三", 153000}, NumberCase{"两万三千五", 23500},
        // Decimals and mixed forms.
        NumberCase{"三点五", 3.5}, NumberCase{"一点五万", 15000}, NumberCase{"零点五", 0.5},
        NumberCase{"3千", 3000}, NumberCase{"2万3千", 23000}, NumberCase{"1万5", 15000},
        NumberCase{"30万", 300000}, NumberCase{"5000", 5000}, NumberCase{"15,000", 15000},
        NumberCase{"3.25", 3.25}, NumberCase{"１２３", 123},
        // Capital (financial) numerals.
        NumberCase{"壹万贰仟叁佰", 12300}, NumberCase{"伍佰元", 500},
        // Money.
        NumberCase{"五千元", 5000}, NumberCase{"两块钱", 2}, NumberCase{"三块五", 3.5},
        NumberCase{"三块五毛", 3.5}, NumberCase{"五毛", 0.5}, NumberCase{"五毛钱", 0.5},
        NumberCase{"三毛五", 0.35}, NumberCase{"三元五角二分", 3.52}, NumberCase{"1.5万元", 15000},
        NumberCase{"5万元", 50000}, NumberCase{"两万块", 20000}, NumberCase{"八百块钱", 800},
        NumberCase{"一块", 1},
        // Surroundings allowed.
        NumberCase{"五千元左右", 5000}, NumberCase{"大约三千", 3000}, NumberCase{" 42 ", 42},
        // Percent.
        NumberCase{"百分之八十", 80}, NumberCase{"80%", 80}, NumberCase{"百分之七十五点五", 75.5},
        // Digit-by-digit.
        NumberCase{"一九七零", 1970}));

TEST(ParseNumber, RejectsNonNumbers) {
  for (const char* s : {"", "一下", "万一", "统一", "一些", "千万", "三甲", "abc", "三四千", "两三",
                        "一点", "十分感谢", "医保", "三年", "1970年5月"}) {
    EXPECT_FALSE(ParseNumber(s).has_value()) << s;
  }
}

struct MonthsCase {
  const char* text;
  int months;
};

class ParseMonthsTest : public ::testing::TestWithParam<MonthsCase> {};

TEST_P(ParseMonthsTest, Reads) {
  const auto& c = GetParam();
  auto v = ParseMonths(c.text);
  ASSERT_TRUE(v.has_value()) << c.text;
  EXPECT_EQ(*v, c.months) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Durations, ParseMonthsTest,
    ::testing::Values(MonthsCase{"三年零七个月", 43}, MonthsCase{"十个月", 10},
                      MonthsCase{"两年半", 30}, MonthsCase{"3年7个月", 43}, MonthsCase{"半年", 6},
                      MonthsCase{"一年半", 18}, MonthsCase{"三年", 36}, MonthsCase{"15年", 180},
                      MonthsCase{"36个月", 36}, MonthsCase{"一个月", 1}, MonthsCase{"十五年", 180},
                      MonthsCase{"一年又三个月", 15}, MonthsCase{"1年零6个月", 18},
                      MonthsCase{"二十年", 240}, MonthsCase{"1.5年", 18},
                      MonthsCase{"三年七个月左右", 43}, MonthsCase{"三年七月", 43}));

TEST(ParseMonths, RejectsNonDurations) {
  for (const char* s : {"", "1970年5月", "七零年", "八五年", "五千元", "三", "一九九零年"}) {
    EXPECT_FALSE(ParseMonths(s).has_value()) << s;
  }
}

struct YearMonthCase {
  const char* text;
  int year;
  int month;
};

class ParseYearMonthTest : public ::testing::TestWithParam<YearMonthCase> {};

TEST_P(ParseYearMonthTest, Reads) {
  const auto& c = GetParam();
  auto v = ParseYearMonth(c.text);
  ASSERT_TRUE(v.has_value()) << c.text;
  EXPECT_EQ(*v, (YearMonth{c.year, c.month})) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Dates, ParseYearMonthTest,
    ::testing::Values(YearMonthCase{"七零年五月", 1970, 5},
                      YearMonthCase{"一九七零年五月", 1970, 5}, YearMonthCase{"1970年5月", 1970, 5},
                      YearMonthCase{"70年5月", 1970, 5}, YearMonthCase{"1970.5", 1970, 5},
                      YearMonthCase{"1970-05", 1970, 5}, YearMonthCase{"1976年3月", 1976, 3},
                      YearMonthCase{"2023/12", 2023, 12},
                      YearMonthCase{"二零二三年十二月", 2023, 12},
                      YearMonthCase{"1990年05月", 1990, 5}, YearMonthCase{"1990年5月3日", 1990, 5},
                      YearMonthCase{"2024-02-29", 2024, 2}, YearMonthCase{"八五年", 1985, 0},
                      YearMonthCase{"05年", 2005, 0}, YearMonthCase{"2008年", 2008, 0},
                      YearMonthCase{"15年3月", 2015, 3}, YearMonthCase{"零五年十月", 2005, 10}));

TEST(ParseYearMonth, RejectsNonDates) {
  for (const char* s : {"", "三年零七个月", "五千元", "1970.13", "十三月", "1970年13月"}) {
    EXPECT_FALSE(ParseYearMonth(s).has_value()) << s;
  }
}

TEST(ParseYear, TwoDigitYearsPivotAt30) {
  EXPECT_EQ(ParseYear("八五年"), 1985);
  EXPECT_EQ(ParseYear("05年"), 2005);
  EXPECT_EQ(ParseYear("29年"), 2029);
  EXPECT_EQ(ParseYear("30年"), 1930);
  EXPECT_EQ(ParseYear("九九年"), 1999);
  EXPECT_EQ(ParseYear("1985年"), 1985);
  EXPECT_EQ(ParseYear("1985"), 1985);
  EXPECT_EQ(ParseYear("一九八五年"), 1985);
  EXPECT_EQ(ParseYear("二零零五年"), 2005);
  EXPECT_EQ(ParseYear("85"), 1985);
  EXPECT_FALSE(ParseYear("1985年5月").has_value());
  EXPECT_FALSE(ParseYear("三年").has_value());
  EXPECT_FALSE(ParseYear("").has_value());
}

std::vector<std::string> Texts(const std::vector<Quantity>& qs) {
  std::vector<std::string> out;
  for (const auto& q : qs) out.push_back(q.text);
  return out;
}

TEST(FindQuantities, MixedSentence) {
  const std::string s =
      "我从1970年5月开始工作,交了三年零七个月的社保,工资一万五千块,报销百分之八十";
  auto qs = FindQuantities(s);
  ASSERT_EQ(qs.size(), 4u) << ::testing::PrintToString(Texts(qs));
  EXPECT_EQ(qs[0].kind, QuantityKind::kYearMonth);
  EXPECT_EQ(qs[0].year_month, (YearMonth{1970, 5}));
  EXPECT_EQ(qs[0].text, "1970年5月");
  EXPECT_EQ(s.substr(qs[0].begin, qs[0].end - qs[0].begin), "1970年5月");
  EXPECT_EQ(qs[1].kind, QuantityKind::kMonths);
  EXPECT_EQ(qs[1].value, 43);
  EXPECT_EQ(qs[1].text, "三年零七个月");
  EXPECT_EQ(qs[2].kind, QuantityKind::kMoney);
  EXPECT_EQ(qs[2].value, 15000);
  EXPECT_EQ(qs[2].text, "一万五千块");
  EXPECT_EQ(qs[3].kind, QuantityKind::kPercent);
  EXPECT_EQ(qs[3].value, 80);
}

TEST(FindQuantities, WordsWithNumeralCharactersAreNotNumbers) {
  for (const char* s :
       {"万一不行怎么办", "有一些问题", "等一下",   "我有一点担心", "一样的",   "一直没到账",
        "一般多久",       "一起办理",   "不一定",   "三甲医院",     "统一办理", "一次性补缴",
        "五险一金",       "一块儿去",   "十分感谢", "千万别忘了",   "星期一",   "第一时间",
        "三四千块",       "两三年",     "唯一的",   "零钱",         "一网通办"}) {
    EXPECT_TRUE(FindQuantities(s).empty())
        << s << " -> " << ::testing::PrintToString(Texts(FindQuantities(s)));
  }
}

TEST(FindQuantities, FirstLevelHospitalIsNotMoney) {
  auto qs = FindQuantities("一级医院报销比例是多少");
  for (const auto& q : qs) EXPECT_NE(q.kind, QuantityKind::kMoney) << q.text;
}

TEST(FindQuantities, Kinds) {
  struct Case {
    const char* text;
    QuantityKind kind;
    double value;
  };
  for (const Case& c : std::vector<Case>{
           {"交了15年", QuantityKind::kMonths, 180},
           {"上了十个月班", QuantityKind::kMonths, 10},
           {"领了半年", QuantityKind::kMonths, 6},
           {"工作了两年半", QuantityKind::kMonths, 30},
           {"我每个月交三百块钱", QuantityKind::kMoney, 300},
           {"存了5万元", QuantityKind::kMoney, 50000},
           {"花了￥200", QuantityKind::kMoney, 200},
           {"比例80%", QuantityKind::kPercent, 80},
           {"上调了五个百分点", QuantityKind::kPercent, 5},
           {"有三个孩子", QuantityKind::kNumber, 3},
           {"工资三千五", QuantityKind::kNumber, 3500},
           {"今年六十岁", QuantityKind::kNumber, 60},
           {"每个月交八百多块钱", QuantityKind::kMoney, 800},
           {"贷了一百多万", QuantityKind::kNumber, 1e6},
           {"断了三个多月", QuantityKind::kMonths, 3},
           {"干了两年多", QuantityKind::kMonths, 24},
           {"五分钱", QuantityKind::kMoney, 0.05},
           {"2.5万", QuantityKind::kNumber, 25000},
           {"下降了百分之零点五", QuantityKind::kPercent, 0.5},
           {"千分之三", QuantityKind::kPercent, 0.3},
       }) {
    auto qs = FindQuantities(c.text);
    ASSERT_EQ(qs.size(), 1u) << c.text << " -> " << ::testing::PrintToString(Texts(qs));
    EXPECT_EQ(qs[0].kind, c.kind) << c.text;
    EXPECT_DOUBLE_EQ(qs[0].value, c.value) << c.text;
  }
}

TEST(FindQuantities, YearsInContext) {
  auto a = FindQuantities("我是八五年出生的");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, QuantityKind::kYearMonth);
  EXPECT_EQ(a[0].year_month, (YearMonth{1985, 0}));
  auto b = FindQuantities("从15年开始交");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].kind, QuantityKind::kYearMonth);
  EXPECT_EQ(b[0].year_month.year, 2015);
  auto c = FindQuantities("七八年了");  // seven or eight years: a range, not 1978
  EXPECT_TRUE(c.empty()) << ::testing::PrintToString(Texts(c));
  auto d = FindQuantities("七八年出生");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].year_month.year, 1978);
}

TEST(FindQuantities, IdentifiersAreNotQuantities) {
  EXPECT_TRUE(FindQuantities("电话13812345678").empty());
  EXPECT_TRUE(FindQuantities("身份证11010519491231002x").empty());
  EXPECT_TRUE(FindQuantities("iphone12").empty());
  EXPECT_TRUE(FindQuantities("幺三八一二三四五六七八").empty());
  auto q = FindQuantities("拨打12345热线");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].value, 12345);
}

TEST(FindQuantities, EmptyAndInvalid) {
  EXPECT_TRUE(FindQuantities("").empty());
  EXPECT_TRUE(FindQuantities("\xff\xfe").empty());
  auto q = FindQuantities("\xff三个月");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].begin, 1u);
  EXPECT_EQ(q[0].value, 3);
}

TEST(RewriteNumerals, Examples) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (const Case& c : std::vector<Case>{
           {"交了三年零七个月", "交了3年7个月"},
           {"两年半", "2年半"},
           {"工资两万三", "工资23000"},
           {"一万五千块", "15000元"},
           {"三块五", "3.5元"},
           {"七零年五月", "1970年5月"},
           {"一九七零年五月三日", "1970年5月3日"},
           {"我是八五年的", "我是1985年的"},
           {"百分之八十", "80%"},
           {"1.5万", "15000"},
           {"十个月", "10个月"},
           {"一个月", "1个月"},
           {"第三个", "第3个"},
           {"一级医院", "1级医院"},
           {"电话幺三八一二三四五六七八", "电话13812345678"},
           {"交了3年零7个月", "交了3年7个月"},
           {"八百多块钱", "800多元"},
           {"一百多万", "100多万"},
           {"三个多月", "3个多月"},
           {"二单元五零二", "2单元502"},
           // Left as written.
           {"1970年5月", "1970年5月"},
           {"3年7个月", "3年7个月"},
           {"万一不行", "万一不行"},
           {"一些", "一些"},
           {"一下", "一下"},
           {"一点", "一点"},
           {"一样", "一样"},
           {"一直", "一直"},
           {"一般", "一般"},
           {"一起", "一起"},
           {"不一定", "不一定"},
           {"三甲医院", "三甲医院"},
           {"一次性补缴", "一次性补缴"},
           {"五险一金", "五险一金"},
           {"统一", "统一"},
           {"", ""},
       }) {
    EXPECT_EQ(RewriteNumerals(c.in), c.out) << c.in;
  }
}

TEST(Numerals, Speed) {
  const std::string q = "我从一九九零年五月开始交社保,交了十五年零三个月,工资一万五,报销百分之八十";
  const int kRuns = 5000;
  size_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) n += FindQuantities(q).size() + RewriteNumerals(q).size();
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      kRuns;
  std::cout << "[ perf     ] FindQuantities + RewriteNumerals: " << us << " us per call ("
            << q.size() << " bytes)\n";
  EXPECT_GT(n, 0u);
  EXPECT_LT(us, 500);
}

}  // namespace
TEST(FindQuantities, LongSpansAfterAVerbAreYearsOfService) {
  auto q = FindQuantities("我在单位干了60年");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].kind, QuantityKind::kMonths);
  EXPECT_EQ(q[0].value, 720);
  auto y = FindQuantities("我是60年出生的");
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].kind, QuantityKind::kYearMonth);
}

}  // namespace zx::text
