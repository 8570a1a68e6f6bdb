// UTF-8 checks for untrusted text at the edge, over text's decoder (text/utf8.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace zx::http {

// The offset of the first byte that does not start a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are ill-formed), or nullopt if all is well.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// Code points in well-formed UTF-8 text.
size_t CountCodePoints(std::string_view text);

// `text` without leading and trailing blanks: Unicode white space (including the ideographic
// space U+3000 and no-break spaces), zero-width characters, the byte order mark and control
// characters. `text` must be well-formed UTF-8.
std::string_view TrimBlank(std::string_view text);

}  // namespace zx::http
