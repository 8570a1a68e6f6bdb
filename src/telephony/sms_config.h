// The [sms] section (config/zhixian.toml; docs/telephony.md "SMS"): which SMS gateway outbound
// campaigns use (telephony/sms_gateway.h) and how to talk to a deployment's own SMS platform.
// Secrets are never in the file: auth_header_value_env names an environment variable (or
// auth_header_value_file a file) holding the auth header's value.
#pragma once

#include <string>

#include "base/config.h"

namespace zx::telephony {

struct SmsConfig {
  std::string gateway = "none";        // none, file (DATA/sms.jsonl, demo) or http
  std::string url;                     // http:// or https:// of the provider's send endpoint
  std::string auth_header_name;        // e.g. "Authorization", "X-Api-Key"; empty: no auth header
  std::string auth_header_value_env;   // environment variable holding its value
  std::string auth_header_value_file;  // or a file holding it (first line, trimmed)
  // The JSON request body; {to} {text} {id} {sign} are replaced, JSON-escaped (so they belong
  // inside JSON strings).
  std::string body_template = R"({"mobile":"{to}","content":"{sign}{text}","outId":"{id}"})";
  // Accepted = HTTP 2xx and, when success_field is set, that field of the JSON answer (a dotted
  // path, "result.code") equal to success_value (numbers and booleans compared as written).
  std::string success_field;
  std::string success_value;
  std::string id_field;     // the provider's message id in the answer (dotted path); optional
  int timeout_ms = 5000;    // the whole exchange: connect, TLS, request, answer
  double rate_per_s = 5;    // messages a second at most (a burst of one second's worth)
  int max_wait_ms = 10000;  // longest wait for the rate limit; beyond it kResourceExhausted
  std::string sign;         // the 签名 (e.g. 【示例市12345】), counted in max_chars
  int max_chars = 500;      // characters (code points) of sign + text
  int tls_verify = 1;       // https: verify the certificate and host name
  std::string tls_ca_file;  // https: PEM file of a private CA; empty: the system's CAs
};

// sms.gateway, sms.url, ... with the checks of one section: a known gateway, an http(s) url
// for "http", a body template that is JSON once filled, success_value only with success_field,
// one auth value source when auth_header_name is set.
const ConfigSection<SmsConfig>& SmsConfigSection();

}  // namespace zx::telephony
