#include "telephony/sms_gateway.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "telephony/sms_file_sink.h"
#include "telephony/sms_http_gateway.h"
#include "telephony/sms_rate_limit.h"
#include "text/pii.h"
#include "text/utf8.h"

namespace zx::telephony {

bool IsMobileNumber(const std::string& number) {
  if (number.size() != 11 || number[0] != '1' || number[1] < '3' || number[1] > '9') return false;
  for (char c : number)
    if (c < '0' || c > '9') return false;
  return true;
}

Status ValidateSmsMessage(const SmsMessage& message, const std::string& sign, int max_chars) {
  if (!IsMobileNumber(message.to))
    return InvalidArgument("sms: '" + text::MaskPhone(message.to) +
                           "' is not a mobile number (1[3-9] and 9 more digits)");
  if (message.text.empty()) return InvalidArgument("sms: the text is empty");
  if (text::utf8::FindIllFormed(message.text))
    return InvalidArgument("sms: the text is not well-formed UTF-8");
  size_t chars = text::utf8::CountCodePoints(sign) + text::utf8::CountCodePoints(message.text);
  if (chars > static_cast<size_t>(max_chars))
    return InvalidArgument(
        "sms: the text has " + std::to_string(chars) +
        " characters with the sign, more than sms.max_chars = " + std::to_string(max_chars));
  if (message.id.empty() || message.id.size() > 64)
    return InvalidArgument("sms: the id must have 1 to 64 characters");
  for (char c : message.id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return InvalidArgument("sms: the id may hold only A-Z a-z 0-9 . _ : -");
  }
  return Status::Ok();
}

namespace {

// The auth header's value from where the section says; the secret is never in the file.
Result<std::string> AuthValue(const SmsConfig& config) {
  if (config.auth_header_name.empty()) return std::string();
  if (!config.auth_header_value_env.empty()) {
    const char* value = std::getenv(config.auth_header_value_env.c_str());
    if (value == nullptr || *value == '\0')
      return InvalidArgument("sms.auth_header_value_env: the environment variable " +
                             config.auth_header_value_env + " is not set");
    return std::string(value);
  }
  std::ifstream in(config.auth_header_value_file);
  std::string line;
  if (!in || !std::getline(in, line))
    return InvalidArgument("sms.auth_header_value_file: cannot read '" +
                           config.auth_header_value_file + "'");
  size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
  if (b == std::string::npos)
    return InvalidArgument("sms.auth_header_value_file: '" + config.auth_header_value_file +
                           "' is empty");
  return line.substr(b, e - b + 1);
}

}  // namespace

Result<std::unique_ptr<SmsGateway>> MakeSmsGateway(const SmsConfig& config,
                                                   const std::string& data_dir,
                                                   const Clock& clock) {
  std::unique_ptr<SmsGateway> gateway;
  if (config.gateway == "none") return std::unique_ptr<SmsGateway>();
  if (config.gateway == "file") {
    FileSmsOptions options;
    options.path = (std::filesystem::path(data_dir) / "sms.jsonl").string();
    options.sign = config.sign;
    options.max_chars = config.max_chars;
    ZX_ASSIGN_OR_RETURN(gateway, MakeFileSmsSink(options, clock));
  } else if (config.gateway == "http") {
    HttpSmsOptions options;
    options.url = config.url;
    options.auth_header_name = config.auth_header_name;
    ZX_ASSIGN_OR_RETURN(options.auth_header_value, AuthValue(config));
    options.body_template = config.body_template;
    options.success_field = config.success_field;
    options.success_value = config.success_value;
    options.id_field = config.id_field;
    options.timeout = std::chrono::milliseconds(config.timeout_ms);
    options.sign = config.sign;
    options.max_chars = config.max_chars;
    options.tls_verify = config.tls_verify != 0;
    options.tls_ca_file = config.tls_ca_file;
    ZX_ASSIGN_OR_RETURN(gateway, MakeHttpJsonSmsGateway(options, clock));
  } else {
    return InvalidArgument("sms.gateway must be none, file or http, got '" + config.gateway + "'");
  }
  return RateLimitSmsGateway(std::move(gateway), config.rate_per_s,
                             std::chrono::milliseconds(config.max_wait_ms), clock);
}

}  // namespace zx::telephony
