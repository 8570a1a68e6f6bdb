#include "text/pii.h"

#include <gtest/gtest.h>

namespace zx::text {
namespace {

TEST(Pii, MaskPhone) {
  EXPECT_EQ(MaskPhone("13812345678"), "138****5678");
  EXPECT_EQ(MaskPhone("+8613812345678"), "+86138****5678");
  EXPECT_EQ(MaskPhone("138 1234 5678"), "138 **** 5678");
  EXPECT_EQ(MaskPhone("010-12345678"), "010-****5678");
  EXPECT_EQ(MaskPhone("0571-88886666"), "0571-****6666");
  EXPECT_EQ(MaskPhone("12345"), "***45");
  EXPECT_EQ(MaskPhone("110"), "***");
  EXPECT_EQ(MaskPhone(""), "");
}

TEST(Pii, MaskIdNumber) {
  EXPECT_EQ(MaskIdNumber("110101199003078515"), "110101********8515");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "110105********002X");
  EXPECT_EQ(MaskIdNumber("110105491231002"), "110105*****1002");
  EXPECT_EQ(MaskIdNumber("12345678"), "******78");
  EXPECT_EQ(MaskIdNumber(""), "");
}

TEST(Pii, MaskName) {
  EXPECT_EQ(MaskName("张三"), "张*");
  EXPECT_EQ(MaskName("欧阳娜娜"), "欧阳**");
  EXPECT_EQ(MaskName("王小明"), "王**");
  EXPECT_EQ(MaskName("司马光"), "司马*");
  EXPECT_EQ(MaskName("欧阳"), "欧*");
  EXPECT_EQ(MaskName("李"), "*");
  EXPECT_EQ(MaskName(" 张三 "), "张*");
  EXPECT_EQ(MaskName(""), "");
  EXPECT_EQ(MaskName("John Smith"), "J*** *****");
}

TEST(Pii, MaskText) {
  EXPECT_EQ(MaskText("我的电话是13812345678,身份证号110101199003078515"),
            "我的电话是138****5678,身份证号110101********8515");
  EXPECT_EQ(MaskText("身份证11010519491231002x谢谢"), "身份证110105********002x谢谢");
  EXPECT_EQ(MaskText("打138-1234-5678或者138 1234 5678"), "打138-****-5678或者138 **** 5678");
  EXPECT_EQ(MaskText("座机0571-88886666"), "座机0571-****6666");
  EXPECT_EQ(MaskText("卡号6222021234567890123"), "卡号622202*********0123");
  // Not personal data.
  EXPECT_EQ(MaskText("拨打12345热线,交了3年,工资5000元,2024-05-01"),
            "拨打12345热线,交了3年,工资5000元,2024-05-01");
  EXPECT_EQ(MaskText("订单a13812345678b"), "订单a13812345678b");
  EXPECT_EQ(MaskText(""), "");
}

// A partial result of speech recognition: the number is not whole yet, and what it shows must not
// complete the masked whole one that follows (139****5678 after 1391234 would give it all).
TEST(Pii, MaskUnfinishedTextShowsNoMoreThanThreeDigitsOfARun) {
  EXPECT_EQ(MaskUnfinishedText("我的电话13"), "我的电话13");
  EXPECT_EQ(MaskUnfinishedText("我的电话1391234"), "我的电话139****");
  EXPECT_EQ(MaskUnfinishedText("我的电话139 1234 56"), "我的电话139 **** **");
  EXPECT_EQ(MaskUnfinishedText("电话幺三九幺二三四"), "电话幺三九****");
  // A whole number is masked as MaskText does; what it leaves shown stays so.
  EXPECT_EQ(MaskUnfinishedText("我的电话13912345678"), "我的电话139****5678");
  EXPECT_EQ(MaskUnfinishedText("身份证110101199003078515"), "身份证110101********8515");
  // Years and amounts too, until the final text replaces the line; words are untouched.
  EXPECT_EQ(MaskUnfinishedText("交了3年，工资5000元"), "交了3年，工资500*元");
  EXPECT_EQ(MaskUnfinishedText("2023 13812345678"), "202* 138****5678");
  EXPECT_EQ(MaskUnfinishedText("第一个问题"), "第一个问题");
}

// Issue 9 (13): every form the text module normalises is masked, not only ASCII digits.
TEST(Pii, MaskTextEveryWrittenForm) {
  EXPECT_EQ(MaskText("电话+8613812345678"), "电话+86138****5678");
  EXPECT_EQ(MaskText("电话008613812345678"), "电话0086138****5678");
  EXPECT_EQ(MaskText("打+86 138 1234 5678"), "打+86 138 **** 5678");
  EXPECT_EQ(MaskText("手机１３８１２３４５６７８"), "手机１３８****５６７８");
  EXPECT_EQ(MaskText("我的号码是幺三八一二三四五六七八"), "我的号码是幺三八****五六七八");
  EXPECT_EQ(MaskText("一三八 一二三四 五六七八"), "一三八 **** 五六七八");
  EXPECT_EQ(MaskText("身份证110101 19900307 8515"), "身份证110101 ******** 8515");
  EXPECT_EQ(MaskText("身份证 110101-19900307-8515 好"), "身份证 110101-********-8515 好");
  EXPECT_EQ(MaskText("身份证１１０１０１１９９００３０７８５１５"),
            "身份证１１０１０１********８５１５");
  EXPECT_EQ(MaskText("卡号6222 0212 3456 7890 123"), "卡号6222 02** **** ***0 123");
  EXPECT_EQ(MaskText("座机010 12345678"), "座机010 ****5678");
  EXPECT_EQ(MaskText("2023年 13812345678"), "2023年 138****5678");
  EXPECT_EQ(MaskText("2023 13812345678"), "2023 138****5678");
  // Chinese digits in ordinary words, and short numbers, stay.
  EXPECT_EQ(MaskText("第一二三条，交了三年，一二三四五"), "第一二三条，交了三年，一二三四五");
  EXPECT_EQ(MaskText("2024 05 01 办理"), "2024 05 01 办理");
  // Any input: a long run of digit groups is read once, not once per pair of groups.
  std::string groups;
  for (int i = 0; i < 200000; ++i) groups += "12 ";
  EXPECT_EQ(MaskText(groups), groups);
  std::string spoken = "电话";
  for (int i = 0; i < 100000; ++i) spoken += "幺三八一二三四五六七八 ";
  EXPECT_EQ(MaskText(spoken).find("一二三四"), std::string::npos);
}

TEST(Pii, IdNumberCheckDigit) {
  EXPECT_TRUE(IsValidIdNumber("11010519491231002X"));
  EXPECT_TRUE(IsValidIdNumber("11010519491231002x"));
  EXPECT_FALSE(IsValidIdNumber("110105194912310021"));  // wrong check character
  EXPECT_FALSE(IsValidIdNumber("11010519491331002X"));  // month 13
  EXPECT_FALSE(IsValidIdNumber("11010519490230002X"));  // 30 February
  EXPECT_FALSE(IsValidIdNumber("99010519491231002X"));  // no such province
  EXPECT_FALSE(IsValidIdNumber("1101051949123100"));
  EXPECT_FALSE(IsValidIdNumber("11010519491231002Y"));
  EXPECT_FALSE(IsValidIdNumber(""));
}

TEST(Pii, IdNumberComputedCheckDigits) {
  // Build IDs with the GB 11643 weights and check that every check character validates.
  const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  const char* map = "10X98765432";
  for (const char* body : {"11010119900307851", "44030419850615123", "31011520000229001",
                           "51010719761103562", "65010219880101001"}) {
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * weights[i];
    std::string id = std::string(body) + map[sum % 11];
    EXPECT_TRUE(IsValidIdNumber(id)) << id;
    std::string wrong = id;
    wrong[17] = wrong[17] == '0' ? '1' : '0';
    EXPECT_FALSE(IsValidIdNumber(wrong)) << wrong;
  }
}

}  // namespace
}  // namespace zx::text
