// http:// and https:// URLs of the engines zhixian calls (SMS platforms, language models):
// parsed once when the configuration is read, so that a typo stops start-up with its reason.
// Errors quote the URL with phone and ID numbers masked (a URL may carry them in its query).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx::text {

struct HttpUrl {
  bool tls = false;    // https
  std::string host;    // without brackets for IPv6
  uint16_t port = 0;   // 80/443 when the URL has none
  std::string target;  // path and query, "/" when none
};

// Parses http:// and https:// URLs (no user info, no fragment); kInvalidArgument saying why.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

}  // namespace zx::text
