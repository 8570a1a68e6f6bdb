// The fields of a target file (campaigns/target_fields.h): normalisation of every column,
// amounts and dates in every written form, the phone rule and the ID number's check character
// and birth date. The ID numbers are in the real format with check characters computed by
// ISO 7064 MOD 11-2 (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, "10X98765432").
#include "campaigns/target_fields.h"

#include <gtest/gtest.h>

namespace zx::campaigns {
namespace {

constexpr tickets::Date kAsOf{2026, 12, 1};

TEST(TargetFieldsTest, NormalizeFieldIsNfkcAndTrimsIdeographicSpace) {
  EXPECT_EQ(NormalizeField("\u3000 张三\t\u3000"), "张三");
  EXPECT_EQ(NormalizeField("ｏｂ．ｏｖｅｒｄｕｅ"), "ob.overdue");  // full-width letters
  EXPECT_EQ(NormalizeField("１２３４"), "1234");
  EXPECT_EQ(NormalizeField("\u00A0北京\u00A0"), "北京");
  EXPECT_EQ(NormalizeField(""), "");
  EXPECT_EQ(NormalizeField("  "), "");
}

TEST(TargetFieldsTest, PhoneLosesSpacesDashesAndPlus86) {
  EXPECT_EQ(NormalizePhone("138 1234 5678"), "13812345678");
  EXPECT_EQ(NormalizePhone("138-1234-5678"), "13812345678");
  EXPECT_EQ(NormalizePhone("+86 138-1234-5678"), "13812345678");
  EXPECT_EQ(NormalizePhone("＋８６１３８１２３４５６７８"), "13812345678");  // full width
  EXPECT_EQ(NormalizePhone("\u3000１３８\u3000１２３４\u3000５６７８"), "13812345678");
  EXPECT_EQ(NormalizePhone("8613812345678"), "8613812345678");  // only "+86" is a prefix
  EXPECT_TRUE(IsMobileNumber("13812345678"));
  EXPECT_TRUE(IsMobileNumber("19912345678"));
  EXPECT_FALSE(IsMobileNumber("12812345678"));   // 1 then 2
  EXPECT_FALSE(IsMobileNumber("1381234567"));    // 10 digits
  EXPECT_FALSE(IsMobileNumber("138123456789"));  // 12 digits
  EXPECT_FALSE(IsMobileNumber("1381234567a"));
  EXPECT_FALSE(IsMobileNumber("02088886666"));
}

TEST(TargetFieldsTest, IdNumberLosesSpacesAndUpperCasesX) {
  EXPECT_EQ(NormalizeIdNumber("440304 19851231 002x"), "44030419851231002X");
  EXPECT_EQ(NormalizeIdNumber("４４０３０４１９８５１２３１００２ｘ"), "44030419851231002X");
}

TEST(TargetFieldsTest, IdCheckCharacterIsIso7064Mod112) {
  EXPECT_EQ(IdCheckCharacter("11010119900307851"), '5');
  EXPECT_EQ(IdCheckCharacter("44030419851231002"), 'X');
  EXPECT_EQ(IdCheckCharacter("31011519780215123"), '6');
  EXPECT_EQ(IdCheckCharacter("33010619920315002"), '7');
  EXPECT_EQ(IdCheckCharacter("32058319880808666"), '0');
}

TEST(TargetFieldsTest, IdChecksThenBirthDate) {
  EXPECT_EQ(CheckIdNumber("110101199003078515", kAsOf), IdCheck::kOk);
  EXPECT_EQ(CheckIdNumber("44030419851231002X", kAsOf), IdCheck::kOk);
  EXPECT_EQ(CheckIdNumber("110101199003078516", kAsOf), IdCheck::kBadChecksum);
  EXPECT_EQ(CheckIdNumber("440304198512310020", kAsOf), IdCheck::kBadChecksum);  // 0, not X
  EXPECT_EQ(CheckIdNumber("44030419851231002x", kAsOf), IdCheck::kBadChecksum);  // not normalised
  EXPECT_EQ(CheckIdNumber("11010119900307851", kAsOf), IdCheck::kBadChecksum);   // 17 characters
  EXPECT_EQ(CheckIdNumber("1101011990030785155", kAsOf), IdCheck::kBadChecksum);
  EXPECT_EQ(CheckIdNumber("11010119900307X515", kAsOf), IdCheck::kBadChecksum);
  EXPECT_EQ(CheckIdNumber("110101900307851", kAsOf), IdCheck::kBadChecksum);  // old 15 digits
  // The check character is right but the birth date is not a real date, or is in the future.
  EXPECT_EQ(CheckIdNumber("110101199002301236", kAsOf), IdCheck::kBadBirthDate);  // 02-30
  EXPECT_EQ(CheckIdNumber("110101202701011232", kAsOf), IdCheck::kBadBirthDate);  // 2027
  EXPECT_EQ(CheckIdNumber("11010520261202001X", kAsOf), IdCheck::kBadBirthDate);  // next day
  EXPECT_EQ(CheckIdNumber("11010520261202001X", tickets::Date{2026, 12, 2}), IdCheck::kOk);
}

TEST(TargetFieldsTest, AmountsInEveryForm) {
  EXPECT_EQ(ParseAmountFen("1234.50"), 123450);
  EXPECT_EQ(ParseAmountFen("1,234.50"), 123450);
  EXPECT_EQ(ParseAmountFen("1234.5"), 123450);
  EXPECT_EQ(ParseAmountFen("1234"), 123400);
  EXPECT_EQ(ParseAmountFen("1234.50元"), 123450);
  EXPECT_EQ(ParseAmountFen("12,345,678.09"), 1234567809);
  EXPECT_EQ(ParseAmountFen("一千二百元"), 120000);
  EXPECT_EQ(ParseAmountFen("两千元"), 200000);
  EXPECT_EQ(ParseAmountFen("一千二百三十四元五角"), 123450);
  EXPECT_EQ(ParseAmountFen(NormalizeField("１，２３４．５０")), 123450);  // full width
  EXPECT_EQ(ParseAmountFen(""), std::nullopt);
  EXPECT_EQ(ParseAmountFen("很多"), std::nullopt);
  EXPECT_EQ(ParseAmountFen("12.345"), std::nullopt);
  EXPECT_EQ(FormatAmountFen(123450), "1,234.50");
  EXPECT_EQ(FormatAmountFen(5), "0.05");
  EXPECT_EQ(FormatAmountFen(100000000), "1,000,000.00");
}

TEST(TargetFieldsTest, DatesInEveryForm) {
  const tickets::Date kDec1{2026, 12, 1};
  EXPECT_EQ(ParseDeadline("2026-12-01"), kDec1);
  EXPECT_EQ(ParseDeadline("2026/12/01"), kDec1);
  EXPECT_EQ(ParseDeadline("2026年12月1日"), kDec1);
  EXPECT_EQ(ParseDeadline("2026年12月01日"), kDec1);
  EXPECT_EQ(ParseDeadline("2026-12-1"), kDec1);
  EXPECT_EQ(ParseDeadline(NormalizeField("２０２６／１２／０１")), kDec1);
  EXPECT_EQ(ParseDeadline("2028-02-29"), (tickets::Date{2028, 2, 29}));
  EXPECT_EQ(ParseDeadline("2026-02-29"), std::nullopt);  // not a leap year
  EXPECT_EQ(ParseDeadline("2026-13-01"), std::nullopt);
  EXPECT_EQ(ParseDeadline("2026-12/01"), std::nullopt);
  EXPECT_EQ(ParseDeadline("2026年12月1"), std::nullopt);
  EXPECT_EQ(ParseDeadline("26-12-01"), std::nullopt);
  EXPECT_EQ(ParseDeadline("下个月"), std::nullopt);
  EXPECT_EQ(ParseDays("15"), 15);
  EXPECT_EQ(ParseDays("十五天"), 15);
  EXPECT_EQ(ParseDays("很久"), std::nullopt);
}

}  // namespace
}  // namespace zx::campaigns
