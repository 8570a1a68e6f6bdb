// The JSON of the chat-completions API as the engines we use speak it (OpenAI, DeepSeek, Qwen
// in DashScope's compatible mode, vLLM, llama.cpp's server, Ollama): one streamed chunk or a
// whole answer, the error of a failed request, and the request body. Text read from JSON is
// well-formed UTF-8 (the JSON parser rejects anything else).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "llm/chat.h"

namespace zx::llm {

// Decodes one `data:` payload of the stream: "[DONE]" -> ChatChunk{done = true}. Reads
// choices[0].delta.content, delta.reasoning_content or delta.reasoning (vLLM and Ollama name it
// so) into `reasoning`, choices[0].finish_reason (null -> ""), `usage` (prompt_tokens,
// completion_tokens, total_tokens; in a final chunk whose choices is []), and an `error` object
// sent inside the stream. A whole (non-stream) answer decodes too, from choices[0].message.
// Null content is "". kInvalidArgument when the payload is not JSON or not an object, saying
// why with a short excerpt.
Result<ChatChunk> DecodeChatChunk(std::string_view data);

// The error of a non-2xx answer body: {"error": {"message", "type", "code"}} (OpenAI, DeepSeek,
// vLLM, DashScope's compatible mode; code a string, a number or null), DashScope's native
// {"code", "message", "request_id"}, {"error": "text"} (Ollama, llama.cpp) or
// {"error": {"code": 500, "message", "type"}} (llama.cpp). A number code is given as its digits.
// A body that is not JSON (a proxy's HTML page), or JSON with no error we know, gives message =
// its first 200 bytes, blanks around it trimmed, ill-formed UTF-8 dropped, cut at a character
// boundary.
ApiError DecodeErrorBody(std::string_view body);

// The request body: {"model", "messages": [{"role", "content"}], "temperature", "max_tokens",
// "stream"} and, when stream and include_usage, "stream_options": {"include_usage": true}.
// UTF-8 is written as it is (not \u-escaped); ill-formed bytes become U+FFFD.
std::string EncodeChatRequest(const ChatRequest& request);

}  // namespace zx::llm
