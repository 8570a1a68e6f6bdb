#include "text/http_url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "text/pii.h"

namespace zx::text {

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("'" + text::MaskText(url) + "': " + why);
  };
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ') return bad("contains spaces or control characters");
  HttpUrl out;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected http://host[:port]/path");
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "http") {
    out.tls = false;
  } else if (scheme == "https") {
    out.tls = true;
  } else {
    return bad("scheme '" + scheme + "' is not http or https");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return bad("a fragment (#...) is not allowed");
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  out.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (out.target[0] == '?') out.target.insert(out.target.begin(), '/');
  if (authority.find('@') != std::string_view::npos)
    return bad("user names and passwords in the url are not supported (use the auth header)");
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']' around an IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected '" + std::string(after) + "' after ']'");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos)
      return bad("an IPv6 address needs brackets, e.g. http://[::1]:8080/");
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (out.host.empty()) return bad("no host");
  if (has_port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        value == 0 || value > 65535)
      return bad("port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    out.port = static_cast<uint16_t>(value);
  } else {
    out.port = out.tls ? 443 : 80;
  }
  return out;
}

}  // namespace zx::text
