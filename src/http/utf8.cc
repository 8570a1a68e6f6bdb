#include "http/utf8.h"

#include <cstdint>

#include "text/utf8.h"

namespace zx::http {
namespace {

bool IsBlank(char32_t c) {
  if (c <= 0x20 || (c >= 0x7F && c <= 0xA0)) return true;  // controls, space, NBSP
  switch (c) {
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x2060:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200D;  // en quad .. zero-width joiner
  }
}

}  // namespace

// Decoding and validation are text's (text/utf8.h): one UTF-8 decoder in the product.
std::optional<size_t> FindInvalidUtf8(std::string_view s) { return text::utf8::FindIllFormed(s); }

size_t CountCodePoints(std::string_view s) { return text::utf8::CountCodePoints(s); }

std::string_view TrimBlank(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t len;
    if (!IsBlank(text::utf8::DecodeAt(s, begin, &len))) break;
    begin += len;
  }
  size_t end = s.size();
  while (end > begin) {
    size_t start = text::utf8::CodePointStart(s, end - 1);  // back up to the lead byte
    size_t len;
    if (!IsBlank(text::utf8::DecodeAt(s, start, &len))) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

}  // namespace zx::http
