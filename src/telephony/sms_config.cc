#include "telephony/sms_config.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "telephony/sms_http_gateway.h"

namespace zx::telephony {
namespace {

// The rules across keys; "" or a message naming the key.
std::string CheckSms(const SmsConfig& c, const std::string& prefix) {
  if (c.gateway != "none" && c.gateway != "file" && c.gateway != "http")
    return prefix + "gateway must be none, file or http, got '" + c.gateway + "'";
  if (!c.success_value.empty() && c.success_field.empty())
    return prefix + "success_value needs success_field (the answer's field to compare)";
  if (!c.auth_header_name.empty() &&
      c.auth_header_value_env.empty() == c.auth_header_value_file.empty())
    return prefix + "auth_header_name needs exactly one of auth_header_value_env and " +
           "auth_header_value_file";
  for (char ch : c.auth_header_name) {
    bool token = std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
    if (!token)
      return prefix + "auth_header_name '" + c.auth_header_name + "' is not a header name";
  }
  if (c.gateway != "http") return "";
  if (c.url.empty()) return prefix + "url is needed with gateway = \"http\"";
  if (auto url = ParseHttpUrl(c.url); !url.ok()) return prefix + "url: " + url.status().message();
  // The template must give JSON for any message: try one with every character class that
  // needs escaping.
  SmsMessage probe{"13800000000", "\"引号\"\\\n\t", "id-1"};
  auto body = RenderSmsBody(c.body_template, probe, c.sign);
  if (!body.ok()) return prefix + "body_template: " + body.status().message();
  auto json = nlohmann::json::parse(*body, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return prefix + "body_template is not a JSON object once filled in (placeholders belong " +
           "inside JSON strings): " + *body;
  return "";
}

}  // namespace

const ConfigSection<SmsConfig>& SmsConfigSection() {
  using C = SmsConfig;
  static const auto* section = new ConfigSection<C>(
      ConfigSection<C>("sms")
          .Text("gateway", &C::gateway, "SMS gateway: none, file (DATA/sms.jsonl, demo) or http")
          .Text("url", &C::url, "http: the provider's send endpoint, http:// or https://")
          .Text("auth_header_name", &C::auth_header_name,
                "http: auth header name (Authorization, X-Api-Key); empty: none")
          .Text("auth_header_value_env", &C::auth_header_value_env,
                "http: environment variable holding the auth header's value")
          .Text("auth_header_value_file", &C::auth_header_value_file,
                "http: or a file holding it (first line)")
          .Text("body_template", &C::body_template,
                "http: JSON request body with {to} {text} {id} {sign}")
          .Text("success_field", &C::success_field,
                "http: answer field (dotted path) that says accepted; empty: any 2xx")
          .Text("success_value", &C::success_value, "http: success_field's value when accepted")
          .Text("id_field", &C::id_field, "http: answer field with the provider's message id")
          .Number("timeout_ms", &C::timeout_ms, 100, 120000,
                  "http: connect, request and answer, at most")
          .Number("rate_per_s", &C::rate_per_s, 0.01, 1000.0, "messages a second at most")
          .Number("max_wait_ms", &C::max_wait_ms, 0, 600000,
                  "longest wait for the rate limit; beyond it later")
          .Text("sign", &C::sign, "signature (签名) put before each text, e.g. 【示例市12345】")
          .Number("max_chars", &C::max_chars, 1, 2000, "characters of sign + text, at most")
          .Number("tls_verify", &C::tls_verify, 0, 1,
                  "https: 1 verifies the certificate and host name")
          .Text("tls_ca_file", &C::tls_ca_file,
                "https: PEM file of a private CA; empty: the system's")
          .Check(CheckSms));
  return *section;
}

}  // namespace zx::telephony
