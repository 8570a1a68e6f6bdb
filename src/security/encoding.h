// Encodings for binary values in text columns, key files and tokens: lower-case hex, standard
// base64 (with padding) and unpadded base64url (RFC 4648 §5, for tokens in URLs and headers).
//
// Pure functions, thread-safe. Decoders reject anything that is not a canonical encoding (wrong
// alphabet, wrong length, bad padding) with kInvalidArgument; they never guess.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace zx::security {

std::string HexEncode(std::string_view bytes);
// Accepts upper or lower case; the length must be even.
Result<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// base64url without '=' padding: safe in cookies, headers and URL paths.
std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace zx::security
