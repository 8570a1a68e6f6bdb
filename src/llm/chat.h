// The values of one chat-completions exchange (the OpenAI-compatible API that DeepSeek, Qwen in
// DashScope's compatible mode, vLLM, llama.cpp's server and Ollama serve), shared by the stream
// decoder, the client and the router. Plain values, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zx::llm {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct ChatRequest {
  std::string model;
  std::vector<ChatMessage> messages;
  double temperature = 0.2;
  int max_tokens = 512;
  bool stream = true;
  bool include_usage = true;  // stream_options.include_usage: the final usage-only chunk
  // Hybrid-thinking models (Qwen3...) think unless told not to, and a citizen is waiting: how
  // this engine is told (ApplyFlavour, llm/engine.h). DashScope reads a top-level
  // "enable_thinking": false; vLLM and llama.cpp's server pass "chat_template_kwargs" to the
  // model's template.
  enum class ThinkingOff { kNotSent, kTopLevel, kTemplateKwargs };
  ThinkingOff thinking_off = ThinkingOff::kNotSent;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
};

// An error an engine reports: in a non-2xx body, or as an {"error": ...} object inside a
// stream. Fields are empty when the engine did not say.
struct ApiError {
  std::string code;  // "data_inspection_failed", "rate_limit_exceeded", "429"...
  std::string type;  // "invalid_request_error"...
  std::string message;
};

// One decoded `data:` payload of the stream.
struct ChatChunk {
  bool done = false;           // the "[DONE]" sentinel
  std::string content;         // choices[0].delta.content (may be empty)
  std::string reasoning;       // delta.reasoning_content or delta.reasoning: never for citizens
  std::string finish_reason;   // "" when the chunk has none ("stop", "length", "content_filter")
  std::optional<Usage> usage;  // the usage chunk (its `choices` may be empty)
  std::optional<ApiError> error;
};

}  // namespace zx::llm
