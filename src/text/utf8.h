// UTF-8 helpers of the text module (namespace zx::text::utf8), public: also used by modules
// above it that compare text by code point (e.g. the dialogue's follow-up handling).
//
// Decode never fails: an ill-formed byte decodes as U+FFFD covering that one byte, so byte
// offsets always map back into the caller's string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zx::text::utf8 {

// Decodes one code point at `s[i]`; sets `len` to the bytes used (1 for ill-formed input,
// which yields U+FFFD). `i` must be < s.size().
char32_t DecodeAt(std::string_view s, size_t i, size_t* len);

// The offset of the first byte that does not start a well-formed sequence (RFC 3629: no
// overlong forms, surrogates or code points above U+10FFFF; no truncated sequence), or nullopt
// when all of `s` is well-formed.
std::optional<size_t> FindIllFormed(std::string_view s);

// The code points of well-formed `s` (its bytes that are not continuation bytes).
size_t CountCodePoints(std::string_view s);

// The start of the code point that holds byte `i` of well-formed `s`: `i` backed up over
// continuation bytes (not below 0). For cutting text at a code point boundary.
size_t CodePointStart(std::string_view s, size_t i);

// Appends the UTF-8 encoding of `c` (which must be a Unicode scalar value).
void AppendUtf8(char32_t c, std::string* out);

// The code points of `s` with the byte offset of each; offsets has one extra entry, s.size().
struct CodePoints {
  std::vector<char32_t> cp;
  std::vector<size_t> offset;
  size_t size() const { return cp.size(); }
};
CodePoints Decode(std::string_view s);

// Han ideographs (CJK unified, extensions, compatibility) and 〇.
inline bool IsHan(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x323AF) || (c >= 0xF900 && c <= 0xFAFF) || c == 0x3007;
}

inline bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace zx::text::utf8
