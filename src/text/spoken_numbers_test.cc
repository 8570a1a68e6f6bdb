#include "text/spoken_numbers.h"

#include <gtest/gtest.h>

namespace zx::text {
namespace {

TEST(SpokenNumbers, Integers) {
  EXPECT_EQ(ReadInteger("0"), "零");
  EXPECT_EQ(ReadInteger("2"), "二");
  EXPECT_EQ(ReadInteger("10"), "十");
  EXPECT_EQ(ReadInteger("15"), "十五");
  EXPECT_EQ(ReadInteger("20"), "二十");
  EXPECT_EQ(ReadInteger("105"), "一百零五");
  EXPECT_EQ(ReadInteger("200"), "二百");
  EXPECT_EQ(ReadInteger("1015"), "一千零一十五");
  EXPECT_EQ(ReadInteger("2200"), "两千二百");
  EXPECT_EQ(ReadInteger("10020"), "一万零二十");
  EXPECT_EQ(ReadInteger("20000"), "两万");
  EXPECT_EQ(ReadInteger("22400"), "两万二千四百");
  EXPECT_EQ(ReadInteger("32000"), "三万二千");
  EXPECT_EQ(ReadInteger("100000"), "十万");
  EXPECT_EQ(ReadInteger("110000"), "十一万");
  EXPECT_EQ(ReadInteger("1000500"), "一百万零五百");
  EXPECT_EQ(ReadInteger("200000000"), "两亿");
  EXPECT_EQ(ReadInteger("007"), "七");
  EXPECT_EQ(ReadInteger("12a"), "");
}

TEST(SpokenNumbers, DecimalsAndAmounts) {
  EXPECT_EQ(ReadDecimal("21.75"), "二十一点七五");
  EXPECT_EQ(ReadDecimal("0.5"), "零点五");
  EXPECT_EQ(ReadDecimal("1.50"), "一点五");
  EXPECT_EQ(ReadDecimal("11900.00"), "一万一千九百");
  EXPECT_EQ(ReadAmount("22400.00"), "两万二千四百元");
  EXPECT_EQ(ReadAmount("230.50"), "二百三十元五角");
  EXPECT_EQ(ReadAmount("0.5"), "五角");
  EXPECT_EQ(ReadAmount("0.05"), "五分");
  EXPECT_EQ(ReadAmount("12.34"), "十二元三角四分");
  EXPECT_EQ(ReadAmount("10.05"), "十元零五分");
  EXPECT_EQ(ReadAmount("9.999"), "十元");
  EXPECT_EQ(ReadAmount("0"), "零元");
}

TEST(SpokenNumbers, Digits) {
  EXPECT_EQ(ReadDigits("12345", true), "幺二三四五");
  EXPECT_EQ(ReadDigits("2026", false), "二零二六");
  EXPECT_EQ(ReadDigits("11010519491231002X", true), "幺幺零幺零五幺九四九幺二三幺零零二叉");
}

}  // namespace
}  // namespace zx::text
