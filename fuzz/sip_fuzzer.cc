// What the voice side parses from configuration and API input: SIP URIs, dial targets through
// a trunk, extra and Refer-To URI headers, WebSocket URLs of the speech recogniser.
// Invariants: no crash; a parsed SIP URI prints and parses back to the same; accepted headers
// never carry a line break (no header injection).
#include <cstdint>
#include <string>
#include <vector>

#include "common.h"
#include "telephony/funasr_recognizer.h"
#include "telephony/trunk.h"

using zx::fuzz::Check;
using namespace zx::telephony;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto uri = ParseSipUri(text); uri.ok()) {
    auto again = ParseSipUri(uri->ToString());
    Check(again.ok() && again->ToString() == uri->ToString(), "a SIP URI round-trips");
  }
  TrunkOptions trunk;
  trunk.proxy = "sip:10.0.0.1:5060;transport=tcp";
  trunk.domain = "trunk.example.cn";
  if (auto target = ResolveDialTarget(text, trunk, SipTransport::kDefault); target.ok())
    Check(target->request_uri.find_first_of("\r\n") == std::string::npos, "no line break");
  // Split at the first '=' into a header name and value.
  size_t eq = text.find('=');
  std::vector<std::pair<std::string, std::string>> headers = {
      {text.substr(0, eq), eq == std::string::npos ? "" : text.substr(eq + 1)}};
  if (auto lines = FormatExtraHeaders(headers); lines.ok()) {
    size_t breaks = 0;
    for (size_t p = lines->find("\r\n"); p != std::string::npos; p = lines->find("\r\n", p + 2))
      ++breaks;
    Check(breaks == 1, "one header, one line");
  }
  if (auto query = UriHeaders(headers); query.ok())
    Check(query->find_first_of("\r\n <>") == std::string::npos, "URI headers are escaped");
  (void)ParseWebSocketUrl(text);
  return 0;
}
