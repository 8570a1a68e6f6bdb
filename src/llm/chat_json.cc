#include "llm/chat_json.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "text/normalizer.h"
#include "text/utf8.h"

namespace zx::llm {

namespace {

using nlohmann::json;

constexpr size_t kExcerptBytes = 80;
constexpr size_t kErrorBodyBytes = 200;

// At most `max` bytes of `s` as well-formed UTF-8, cut at a character boundary: engines and
// proxies answer with anything, and our messages end up in logs and JSON.
std::string Excerpt(std::string_view s, size_t max) {
  // Ill-formed bytes are dropped, so look a little further than `max` (a 4-byte character).
  std::string clean = text::SanitizeUtf8(s.substr(0, max + 4));
  if (clean.size() > max) clean.resize(text::utf8::CodePointStart(clean, max));
  return clean;
}

std::string_view TrimAscii(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A string field, or "" when it is missing, null or not a string.
std::string StringAt(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// A field that engines send as a string or a number (error codes): its text, "" for null.
std::string TextAt(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return Dump(*it);
}

// A token count; a float or an out-of-range number (never sent, but cast would be undefined)
// is clamped.
int64_t CountAt(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_unsigned()) {
    uint64_t n = it->get<uint64_t>();
    constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    return n > kMax ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(n);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (d >= 0 && d < 9.0e18) return static_cast<int64_t>(d);
  }
  return 0;
}

ApiError ErrorFromObject(const json& error) {
  ApiError out;
  out.code = TextAt(error, "code");
  out.type = TextAt(error, "type");
  out.message = TextAt(error, "message");
  return out;
}

// The error a JSON answer carries, if any:
//   {"error": {...}}  {"error": "text"}  (OpenAI and the engines that copy it, Ollama)
//   {"code", "message", "request_id"}    (DashScope native)
//   {"object": "error", "message", ...}  (vLLM before it wrapped errors in "error")
std::optional<ApiError> ErrorIn(const json& answer) {
  if (auto it = answer.find("error"); it != answer.end() && !it->is_null()) {
    if (it->is_object()) return ErrorFromObject(*it);
    ApiError out;
    out.message = it->is_string() ? it->get<std::string>() : Dump(*it);
    return out;
  }
  if (answer.contains("choices")) return std::nullopt;
  if (StringAt(answer, "object") == "error" ||
      (answer.contains("message") && answer.contains("code"))) {
    return ErrorFromObject(answer);
  }
  return std::nullopt;
}

// Parses `text` as JSON; kInvalidArgument naming `what` and why.
Result<json> Parse(std::string_view text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    // Not only parse_error: a number too large for a double is out_of_range (406).
    // what() is "[json.exception.parse_error.101] parse error at ...; last read: '...'": the
    // bracketed id says nothing to an operator, and "last read" may quote ill-formed bytes.
    std::string_view why = e.what();
    if (size_t close = why.find("] "); close != std::string_view::npos) {
      why.remove_prefix(close + 2);
    }
    return InvalidArgument(std::string(what) + " is not JSON (" + Excerpt(why, 200) +
                           "): " + Excerpt(text, kExcerptBytes));
  }
}

}  // namespace

Result<ChatChunk> DecodeChatChunk(std::string_view data) {
  ChatChunk chunk;
  if (TrimAscii(data) == "[DONE]") {
    chunk.done = true;
    return chunk;
  }
  ZX_ASSIGN_OR_RETURN(json answer, Parse(data, "chat chunk"));
  if (!answer.is_object()) {
    return InvalidArgument(std::string("chat chunk is a JSON ") + answer.type_name() +
                           ", not an object: " + Excerpt(data, kExcerptBytes));
  }
  chunk.error = ErrorIn(answer);
  if (auto choices = answer.find("choices"); choices != answer.end() && choices->is_array() &&
                                             !choices->empty() && choices->front().is_object()) {
    const json& choice = choices->front();
    // A streamed chunk has a delta, a whole answer a message; both have the same fields.
    auto delta = choice.find("delta");
    if (delta == choice.end() || !delta->is_object()) delta = choice.find("message");
    if (delta != choice.end() && delta->is_object()) {
      chunk.content = StringAt(*delta, "content");
      chunk.reasoning = StringAt(*delta, "reasoning_content");
      // Engines that send both send the same text: take one, never both.
      if (chunk.reasoning.empty()) chunk.reasoning = StringAt(*delta, "reasoning");
    }
    chunk.finish_reason = StringAt(choice, "finish_reason");
  }
  if (auto usage = answer.find("usage"); usage != answer.end() && usage->is_object()) {
    chunk.usage = Usage{CountAt(*usage, "prompt_tokens"), CountAt(*usage, "completion_tokens"),
                        CountAt(*usage, "total_tokens")};
  }
  return chunk;
}

ApiError DecodeErrorBody(std::string_view body) {
  json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_object()) {
    if (auto error = ErrorIn(answer)) return *std::move(error);
  }
  // Not JSON (a proxy's HTML page) or JSON without an error we know: say what came.
  ApiError out;
  out.message = Excerpt(TrimAscii(body), kErrorBodyBytes);
  return out;
}

std::string EncodeChatRequest(const ChatRequest& request) {
  // Ordered: the body reads in the API's own order in logs and captures.
  nlohmann::ordered_json body;
  body["model"] = request.model;
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const ChatMessage& m : request.messages) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  body["messages"] = std::move(messages);
  body["temperature"] = request.temperature;
  body["max_tokens"] = request.max_tokens;
  body["stream"] = request.stream;
  if (request.stream && request.include_usage) {
    body["stream_options"] = {{"include_usage", true}};
  }
  if (request.thinking_off == ChatRequest::ThinkingOff::kTopLevel) body["enable_thinking"] = false;
  if (request.thinking_off == ChatRequest::ThinkingOff::kTemplateKwargs)
    body["chat_template_kwargs"] = {{"enable_thinking", false}};
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace zx::llm
