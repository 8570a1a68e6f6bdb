// An engine: one chat-completions server with its model, and what can go wrong with it.
//
// EngineConfig is one [[llm.engines]] table (config/zhixian.toml, docs/llm.md). ChatClient is
// what the router calls: one request, the content streamed to a callback as it arrives, and a
// failure sorted by what the router should do next (EngineFault). HttpChatClient
// (llm/http_chat_client.h) is the real one; tests give the router their own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "llm/chat.h"

namespace zx::llm {

// Where engines differ. The wire is the same API; these change the request or the reading.
enum class Flavour {
  kOpenAi,     // the reference behaviour
  kDeepSeek,   // reasoning_content on deepseek-reasoner; keep-alive comments while busy
  kDashScope,  // Qwen in compatible mode: data_inspection_failed refusals, reasoning_content
  kVllm,       // `reasoning` (newer) or `reasoning_content`
  kLlamaCpp,   // llama.cpp's server: no usage chunk unless asked, `reasoning_content`
  kOllama,     // /v1 compatibility: `reasoning`, the key is ignored
};
// "openai", "deepseek", "dashscope", "vllm", "llamacpp", "ollama"; nullopt for another word.
std::optional<Flavour> ParseFlavour(std::string_view word);
// The request as `flavour` wants it: thinking switched off where the engine has a switch
// (dashscope: enable_thinking; vllm, llamacpp: chat_template_kwargs), the usage chunk asked
// for except from Ollama, whose compatibility layer does not promise it.
void ApplyFlavour(Flavour flavour, ChatRequest& request);

struct EngineConfig {
  std::string name;      // "deepseek", "qwen", "local": what chains and metrics call it
  std::string base_url;  // "https://api.deepseek.com/v1"; /chat/completions is appended
  std::string key_env;   // the environment variable holding the key ("" for none)
  std::string model;     // "deepseek-chat", "qwen-plus", "Qwen2.5-7B-Instruct"...
  std::string flavour = "openai";
  int connect_timeout_ms = 2000;      // TCP and TLS
  int first_token_timeout_ms = 8000;  // request sent -> first content (keep-alives don't count)
  int chunk_gap_timeout_ms = 5000;    // between two pieces of content
  int total_timeout_ms = 30000;       // the whole answer
  int64_t daily_tokens = 0;           // tokens a day (China time) the engine may use; 0: no cap
  int tls_verify = 1;                 // 0 only for a private test server
  std::string tls_ca_file;            // a private CA; system certificates otherwise
  int max_tokens = 512;
  double temperature = 0.2;
};

// What a failure means for the next step (issue 17: "errors sorted into ...").
enum class FaultKind {
  kRetryElsewhere,   // 429, 500/502/503, time-outs, connection failures, an empty stream
  kConfiguration,    // 401, 402, 404: the engine is out for longer and an operator warned
  kRequest,          // 400, 422: our request is wrong; another engine would refuse it too
  kRefusal,          // content moderation (DashScope data_inspection_failed, content_filter)
  kGatewayTimeout,   // 504: the engine may still be working on it; never sent again
  kCutAfterContent,  // the stream broke after content was released: too late to fail over
  kStopped,  // the caller's sink said stop (it refused what it read): not the engine's fault
};

struct EngineFault {
  FaultKind kind = FaultKind::kRetryElsewhere;
  int http_status = 0;                       // 0 when there was no answer
  std::chrono::milliseconds retry_after{0};  // from Retry-After, 0 when absent
  std::string reason;                        // a metric label: "http_429", "first_token_timeout"...
  std::string message;                       // for the log (the engine's words, shortened)
};

// Sorts an HTTP answer that was not 2xx (status and its decoded error body).
EngineFault FaultForStatus(int status, const ApiError& error, std::string_view retry_after);

struct Completion {
  std::string content;    // what the model said (for citizens, once checked)
  std::string reasoning;  // its thinking, when the engine sends it: logged, never shown
  std::string finish_reason;
  Usage usage;
  std::string engine;  // the engine that answered
  std::string model;
};

// Receives content as it arrives. Returning false stops the request (the caller has what it
// needs, or has given up).
using ContentSink = std::function<bool(std::string_view piece)>;

// The result of one request to one engine.
struct Attempt {
  bool ok = false;
  Completion completion;  // when ok
  EngineFault fault;      // when not
};

class ChatClient {
 public:
  virtual ~ChatClient() = default;
  // One request; blocking, bounded by the engine's time limits. `sink` sees each piece of content
  // (never reasoning) in order.
  virtual Attempt Complete(const ChatRequest& request, const ContentSink& sink) = 0;
};

}  // namespace zx::llm
