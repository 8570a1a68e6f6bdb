#include "llm/engine.h"

#include <charconv>

namespace zx::llm {

std::optional<Flavour> ParseFlavour(std::string_view word) {
  if (word == "openai") return Flavour::kOpenAi;
  if (word == "deepseek") return Flavour::kDeepSeek;
  if (word == "dashscope") return Flavour::kDashScope;
  if (word == "vllm") return Flavour::kVllm;
  if (word == "llamacpp") return Flavour::kLlamaCpp;
  if (word == "ollama") return Flavour::kOllama;
  return std::nullopt;
}

void ApplyFlavour(Flavour flavour, ChatRequest& request) {
  using Off = ChatRequest::ThinkingOff;
  switch (flavour) {
    case Flavour::kDashScope:
      request.thinking_off = Off::kTopLevel;
      break;
    case Flavour::kVllm:
    case Flavour::kLlamaCpp:
      request.thinking_off = Off::kTemplateKwargs;
      break;
    case Flavour::kOllama:
      request.include_usage = false;
      break;
    case Flavour::kOpenAi:
    case Flavour::kDeepSeek:  // deepseek-chat does not think; deepseek-reasoner cannot be told
      break;
  }
}

namespace {

// Retry-After in seconds (the HTTP-date form is not used by these engines; it reads as none).
std::chrono::milliseconds RetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  double seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || seconds < 0) return std::chrono::milliseconds(0);
  // An engine asking for more than an hour is treated as an hour: the breaker's ceiling.
  if (seconds > 3600) seconds = 3600;
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

bool IsRefusalCode(std::string_view code) {
  return code == "data_inspection_failed" || code == "content_filter" ||
         code == "DataInspectionFailed" || code == "content_policy_violation";
}

}  // namespace

EngineFault FaultForStatus(int status, const ApiError& error, std::string_view retry_after) {
  EngineFault f;
  f.http_status = status;
  f.reason = "http_" + std::to_string(status);
  f.message = error.message.empty() ? error.code : error.message;
  f.retry_after = RetryAfter(retry_after);
  if (IsRefusalCode(error.code) || IsRefusalCode(error.type)) {
    f.kind = FaultKind::kRefusal;
    f.reason = "refusal";
  } else if (status == 504) {
    f.kind = FaultKind::kGatewayTimeout;
  } else if (status == 401 || status == 402 || status == 403 || status == 404) {
    f.kind = FaultKind::kConfiguration;
  } else if (status == 400 || status == 422 || status == 413) {
    f.kind = FaultKind::kRequest;
  } else {
    f.kind = FaultKind::kRetryElsewhere;  // 429, 5xx, and anything unexpected
  }
  return f;
}

}  // namespace zx::llm
