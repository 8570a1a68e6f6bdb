// EngineRouter: sends one request along a chain of engines and fails over between them.
//
//   EngineRouter router(std::move(engines), RouterOptions{}, clock, metrics);
//   RouteResult r = router.Run({"deepseek", "qwen"}, request, sink);
//   if (!r.ok) use the deterministic answer (r.reason says why, already counted);
//
// The rules (issue 17, docs/llm.md):
// - Each engine of the chain at most once per request, in order; one that is out (breaker open,
//   daily token budget spent) is skipped without a connection.
// - A failure worth trying elsewhere (429, 500/502/503, time-outs, an empty stream) moves to the
//   next engine, but only while no content has been released to the sink: after the first
//   piece, a broken stream ends the request ("cut").
// - A configuration fault (401/402/404) takes the engine out for `configuration_cooldown` and
//   warns the operator; a request fault (400/422) and a content refusal end the request at once
//   (another engine would refuse it too, or must not be asked); a 504 is never sent again.
// - A circuit breaker per engine: `failures_to_open` failures in a row open it for a cool-down
//   that doubles each time a half-open trial fails (up to `max_cooldown`) and is reset by a
//   success. Retry-After keeps the engine out at least that long.
// - Nothing available: the result at once, no waiting.
// Thread-safe; requests run concurrently, each on its caller's thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "llm/engine.h"

namespace zx::llm {

struct RouterOptions {
  int failures_to_open = 3;
  std::chrono::milliseconds cooldown{30'000};
  std::chrono::milliseconds max_cooldown{600'000};
  std::chrono::milliseconds configuration_cooldown{3'600'000};
};

struct RouteResult {
  bool ok = false;
  Completion completion;  // when ok
  // When not ok, the reason counted: "no_engine" (none available), "exhausted" (each tried
  // failed), "refusal", "request", "gateway_timeout", "cut", "stopped" (the sink said stop).
  std::string reason;
  std::vector<std::string> tried;  // the engines asked, in order
};

class EngineRouter {
 public:
  struct Engine {
    EngineConfig config;
    std::unique_ptr<ChatClient> client;
  };

  EngineRouter(std::vector<Engine> engines, RouterOptions options, const Clock& clock,
               Metrics& metrics);
  ~EngineRouter();

  // Sends `request` along `chain` (engine names; unknown names are skipped). The request's
  // model, max_tokens and temperature are each engine's own.
  RouteResult Run(std::span<const std::string> chain, const ChatRequest& request,
                  const ContentSink& sink);

  // "closed", "open", "half_open" (a trial may go), "budget" (today's tokens spent), or
  // "unknown"; for tests and `zhixian doctor`.
  std::string State(const std::string& engine) const;
  bool Has(const std::string& engine) const;

 private:
  struct Slot;
  enum class Admission { kGo, kOpen, kBudget, kBusyTrial };
  Admission Admit(Slot& slot, bool* trial);
  void Record(Slot& slot, bool trial, const Attempt& attempt);

  std::vector<std::unique_ptr<Slot>> slots_;
  RouterOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  CounterFamily& requests_;
  CounterFamily& tokens_;
  CounterFamily& skipped_;
  CounterFamily& opened_;
  CounterFamily& warnings_;
  GaugeFamily& available_;
  HistogramFamily& first_token_;
};

}  // namespace zx::llm
