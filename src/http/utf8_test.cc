#include "http/utf8.h"

#include <gtest/gtest.h>

namespace zx::http {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_FALSE(FindInvalidUtf8(""));
  EXPECT_FALSE(FindInvalidUtf8("plain ascii"));
  EXPECT_FALSE(FindInvalidUtf8("医保异地就医备案"));
  EXPECT_FALSE(FindInvalidUtf8("😀👍🏻"));
  EXPECT_FALSE(FindInvalidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8, FindsTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(FindInvalidUtf8("医\xE4\xBF"), 3u);        // truncated
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);              // lone continuation
  EXPECT_EQ(FindInvalidUtf8("\xE5\x8C"
                            "a"),
            0u);  // bad continuation
}

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("社保卡"), 3u);
  EXPECT_EQ(CountCodePoints("😀a"), 2u);
}

TEST(Utf8, TrimsUnicodeBlanks) {
  EXPECT_EQ(TrimBlank("  社保卡 \t\n"), "社保卡");
  EXPECT_EQ(TrimBlank("\xE3\x80\x80社保 卡\xE3\x80\x80"), "社保 卡");  // U+3000 both ends
  EXPECT_EQ(TrimBlank("\xEF\xBB\xBF\xE2\x80\x8B"
                      "a"),
            "a");                                    // BOM, zero-width space
  EXPECT_EQ(TrimBlank("\xC2\xA0\xE2\x80\x83"), "");  // NBSP, em space
  EXPECT_EQ(TrimBlank(std::string_view("\0\x01 ", 3)), "");
  EXPECT_EQ(TrimBlank("😀"), "😀");
  EXPECT_EQ(TrimBlank(""), "");
}

}  // namespace
}  // namespace zx::http
