// HttpChatClient: a ChatClient over HTTP or HTTPS (Boost.Beast, OpenSSL with the system's
// certificates or a private CA) for one engine, streaming by server-sent events.
//
// One connection per request (engines are few and requests are long; a pool would save a TLS
// handshake, not the seconds the model takes). Time limits of EngineConfig, each a deadline:
//   connect            TCP connect and TLS handshake
//   first token        request written -> first piece of content; keep-alive comments and
//                      reasoning do not count as progress, so a busy or thinking engine
//                      still runs out of time
//   gap                between two pieces of content once content flows
//   total              the whole request
// The answer is read as the engine sends it: `data:` events (llm/sse.h, llm/chat_json.h), the
// final usage chunk, `[DONE]`; a non-streamed JSON answer too. Faults are sorted for the router
// (llm/engine.h): a cut stream, an empty one, a malformed line, time-outs and connection
// failures are worth trying elsewhere; statuses by FaultForStatus; a content_filter finish and
// an in-stream moderation error are refusals.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "llm/engine.h"

namespace zx::llm {

// Checks `config` (kInvalidArgument naming the key: "llm.engines[1].base_url: ...") and loads
// the TLS trust for https://. `api_key` is sent as "Authorization: Bearer ..." when not empty
// and never logged. Connects to nothing yet.
Result<std::unique_ptr<ChatClient>> MakeHttpChatClient(const EngineConfig& config,
                                                       std::string api_key, const Clock& clock);

}  // namespace zx::llm
