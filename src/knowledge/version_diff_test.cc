// The diff of two versions (knowledge/version_diff.h): tokens, the word-by-word answer diff (a
// changed figure is one delete and one insert) and the field-by-field comparison.
#include "knowledge/version_diff.h"

#include <gtest/gtest.h>

namespace zx::knowledge {
namespace {

using V = std::vector<std::string>;

std::string Spell(const std::vector<DiffPiece>& d, DiffOp skip) {
  std::string out;
  for (const auto& p : d)
    if (p.op != skip) out += p.text;
  return out;
}

TEST(DiffTokens, FiguresWordsCharactersAndPunctuation) {
  EXPECT_EQ(DiffTokens("报销比例70%，上限3.5万元"),
            (V{"报", "销", "比", "例", "70%", "，", "上", "限", "3.5", "万", "元"}));
  EXPECT_EQ(DiffTokens("APP里点 12345热线."),
            (V{"APP", "里", "点", " ", "12345", "热", "线", "."}));
  EXPECT_EQ(DiffTokens("第3.步"), (V{"第", "3", ".", "步"}));
  EXPECT_TRUE(DiffTokens("").empty());
}

TEST(DiffWords, AChangedFigureIsOneDeleteAndOneInsert) {
  auto d = DiffWords("住院报销比例70%。", "住院报销比例75%。");
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0], (DiffPiece{DiffOp::kEqual, "住院报销比例"}));
  EXPECT_EQ(d[1], (DiffPiece{DiffOp::kDelete, "70%"}));
  EXPECT_EQ(d[2], (DiffPiece{DiffOp::kInsert, "75%"}));
  EXPECT_EQ(d[3], (DiffPiece{DiffOp::kEqual, "。"}));
}

TEST(DiffWords, PiecesSpellBothTextsAndNeverRepeatAnOp) {
  const std::string a = "带身份证去银行网点办，一般5个工作日。可以在APP上查询。";
  const std::string b = "带身份证或社保卡去任意银行网点办，一般3个工作日。请在微信上查询进度。";
  auto d = DiffWords(a, b);
  EXPECT_EQ(Spell(d, DiffOp::kInsert), a);
  EXPECT_EQ(Spell(d, DiffOp::kDelete), b);
  for (size_t i = 1; i < d.size(); ++i) EXPECT_NE(d[i].op, d[i - 1].op) << i;
  // Within a changed stretch the deletion comes first.
  for (size_t i = 1; i < d.size(); ++i)
    EXPECT_FALSE(d[i - 1].op == DiffOp::kInsert && d[i].op == DiffOp::kDelete) << i;
}

TEST(DiffWords, EqualEmptyAndEntirelyNew) {
  EXPECT_EQ(DiffWords("一样", "一样"), (std::vector<DiffPiece>{{DiffOp::kEqual, "一样"}}));
  EXPECT_TRUE(DiffWords("", "").empty());
  EXPECT_EQ(DiffWords("", "新"), (std::vector<DiffPiece>{{DiffOp::kInsert, "新"}}));
  EXPECT_EQ(DiffWords("旧", ""), (std::vector<DiffPiece>{{DiffOp::kDelete, "旧"}}));
}

TEST(DiffFields, EveryFieldWithWhetherItChanged) {
  Entry a;
  a.title = "标题";
  a.answer = "答";
  a.phrasings = {"一", "二"};
  Entry b = a;
  b.answer = "答复";
  b.phrasings.push_back("三");
  auto f = DiffFields(a, b);
  ASSERT_EQ(f.size(), 11u);
  std::vector<std::string> changed;
  for (const auto& c : f)
    if (c.changed) changed.push_back(c.field);
  EXPECT_EQ(changed, (V{"answer", "phrasings"}));
  EXPECT_EQ(f.back().field, "phrasings");
  EXPECT_TRUE(f.back().list);
  EXPECT_EQ(f.back().to_items.size(), 3u);
}

}  // namespace
}  // namespace zx::knowledge
