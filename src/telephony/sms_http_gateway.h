// HttpJsonSmsGateway: an SmsGateway that POSTs one JSON request per message to a deployment's
// own SMS platform (most Chinese government deployments run an SMS platform of their own or of
// their carrier, each with its own JSON API): the body from a template, an auth header, and a
// rule for reading the answer. One connection per message (Connection: close), http:// or
// https:// (certificates verified unless tls_verify is off; a private CA by tls_ca_file).
//
// The answer:
//   2xx, and success_field (if set) equals success_value   -> accepted; provider_id from id_field
//   2xx otherwise (or not JSON when success_field is set)  -> refused: error names the field's
//                                                             value and a masked excerpt
//   5xx, 408, 429, connect/TLS failure, timeout             -> kUnavailable (try later)
//   other statuses (4xx)                                    -> refused with "HTTP 4xx ..."
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "telephony/sms_gateway.h"
#include "text/http_url.h"

namespace zx::telephony {

struct HttpSmsOptions {
  std::string url;  // http://host[:port]/path or https://...
  std::string auth_header_name;
  std::string auth_header_value;  // the secret itself (never logged)
  std::string body_template;      // {to} {text} {id} {sign}
  std::string success_field, success_value, id_field;
  std::chrono::milliseconds timeout{5000};
  std::string sign;
  int max_chars = 500;
  bool tls_verify = true;
  std::string tls_ca_file;
};

// The URL parser lives in the text module (llm uses it too).
using text::HttpUrl;
using text::ParseHttpUrl;

// The text with JSON string escaping: quotes, backslashes, control characters (\n, \u0001...).
// UTF-8 is kept as it is.
std::string JsonEscape(std::string_view text);

// `body_template` with {to} {text} {id} {sign} replaced by the JSON-escaped values; any other
// {word} of lower-case letters and '_' is kInvalidArgument (a typo in the template). JSON's own
// braces are left alone.
Result<std::string> RenderSmsBody(std::string_view body_template, const SmsMessage& message,
                                  const std::string& sign);

// Checks the options (kInvalidArgument naming the [sms] key) and loads the TLS trust for
// https://. Connects to nothing yet.
Result<std::unique_ptr<SmsGateway>> MakeHttpJsonSmsGateway(const HttpSmsOptions& options,
                                                           const Clock& clock);

}  // namespace zx::telephony
