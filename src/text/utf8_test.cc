#include "text/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace zx::text::utf8 {
namespace {

TEST(Utf8, FindIllFormedNamesTheFirstBadByte) {
  EXPECT_FALSE(FindIllFormed("").has_value());
  EXPECT_FALSE(FindIllFormed("abc 你好 😀").has_value());
  EXPECT_EQ(FindIllFormed("ab\xC0\x80"), 2u);        // overlong
  EXPECT_EQ(FindIllFormed("a\xED\xA0\x80"), 1u);     // surrogate
  EXPECT_EQ(FindIllFormed("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindIllFormed("你\xE5\xA5"), 3u);        // truncated
  EXPECT_EQ(FindIllFormed("x\x80"), 1u);             // stray continuation byte
}

TEST(Utf8, CountsAndCutsAtCodePoints) {
  std::string s = "a你😀";  // 1 + 3 + 4 bytes
  EXPECT_EQ(CountCodePoints(s), 3u);
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CodePointStart(s, 0), 0u);
  EXPECT_EQ(CodePointStart(s, 2), 1u);
  EXPECT_EQ(CodePointStart(s, 3), 1u);
  EXPECT_EQ(CodePointStart(s, 7), 4u);
  EXPECT_EQ(CodePointStart(s, s.size()), s.size());
}

}  // namespace
}  // namespace zx::text::utf8
