#include "dialogue/contact.h"

#include <gtest/gtest.h>

#include "dialogue/satisfaction.h"

namespace zx::dialogue {
namespace {

AddressWords Words() {
  // As kb/dialogue.toml [contact] has them, longest first (Rules::Load sorts them so).
  return {{"号楼", "小区", "单元", "大道", "路", "街", "号", "栋", "室", "村"},
          {"我住在", "住在", "地址是", "位于", "在", "是"}};
}

TEST(ContactTest, FindsMobileAndLandline) {
  EXPECT_EQ(FindContact("我的电话是13812345678，请回电", Words()).phone, "13812345678");
  EXPECT_EQ(FindContact("座机0571-88886666", Words()).phone, "057188886666");
  EXPECT_EQ(FindContact("金额是12345678901234元", Words()).phone, "");
  EXPECT_EQ(FindContact("我交了12000元", Words()).phone, "");
}

TEST(ContactTest, FindsAddressAfterLeadWord) {
  EXPECT_EQ(FindContact("我住在东城区幸福路12号3单元，楼道灯坏了", Words()).address,
            "东城区幸福路12号3单元");
  EXPECT_EQ(FindContact("地址是阳光小区5栋201室", Words()).address, "阳光小区5栋201室");
}

TEST(ContactTest, IgnoresWordsThatAreNotAnAddress) {
  EXPECT_EQ(FindContact("小区门口垃圾好几天没人清运", Words()).address, "");
  EXPECT_EQ(FindContact("我的手机号不方便说", Words()).address, "");
  EXPECT_EQ(FindContact("社保卡丢了怎么办", Words()).address, "");
}

TEST(ContactTest, MasksAddressDigits) { EXPECT_EQ(MaskAddress("幸福路12号"), "幸福路**号"); }

TEST(SatisfactionTest, KeysAndRatings) {
  EXPECT_EQ(SatisfactionForKey('1'), "满意");
  EXPECT_EQ(SatisfactionForKey('2'), "基本满意");
  EXPECT_EQ(SatisfactionForKey('3'), "不满意");
  EXPECT_FALSE(SatisfactionForKey('0'));
  EXPECT_FALSE(SatisfactionForKey('#'));
  EXPECT_TRUE(IsSatisfactionRating("基本满意"));
  EXPECT_FALSE(IsSatisfactionRating("还行"));
}

TEST(SatisfactionTest, ReferenceIsChinaDateAndSequence) {
  // 2026-12-05 17:00 UTC is 2026-12-06 01:00 in Beijing.
  const int64_t ms = 1796490000000;
  EXPECT_EQ(ReferenceDay(ms), "20261206");
  EXPECT_EQ(ReferenceNumber("20261206", 7), "202612060007");
  EXPECT_EQ(ReferenceNumber("20261206", 12345), "2026120612345");
}

}  // namespace
}  // namespace zx::dialogue
