#include "llm/router.h"

#include <algorithm>

#include "base/china_date.h"
#include "base/log.h"

namespace zx::llm {

struct EngineRouter::Slot {
  Engine engine;
  // The breaker.
  int failures = 0;  // in a row
  bool open = false;
  std::chrono::steady_clock::time_point open_until{};
  std::chrono::milliseconds cooldown{0};  // the next cool-down; grows with failed trials
  bool trial_in_flight = false;
  // The budget.
  std::string budget_day;
  int64_t tokens_today = 0;
};

EngineRouter::EngineRouter(std::vector<Engine> engines, RouterOptions options, const Clock& clock,
                           Metrics& metrics)
    : options_(options),
      clock_(clock),
      requests_(metrics.AddCounter("zhixian_llm_requests_total",
                                   "Requests sent to language-model engines, by outcome.",
                                   {"engine", "outcome"})),
      tokens_(metrics.AddCounter("zhixian_llm_tokens_total", "Tokens engines reported using.",
                                 {"engine", "kind"})),
      skipped_(metrics.AddCounter("zhixian_llm_skipped_total",
                                  "Engines passed over without a request: breaker open, a trial "
                                  "already running, or the daily token budget spent.",
                                  {"engine", "why"})),
      opened_(metrics.AddCounter("zhixian_llm_breaker_opened_total",
                                 "Times an engine's circuit breaker opened.", {"engine"})),
      warnings_(metrics.AddCounter("zhixian_llm_operator_warnings_total",
                                   "Configuration faults an operator must fix (401, 402, 404).",
                                   {"engine", "reason"})),
      available_(metrics.AddGauge("zhixian_llm_engine_available",
                                  "1 while an engine's breaker lets requests through.",
                                  {"engine"})),
      first_token_(metrics.AddHistogram("zhixian_llm_first_token_seconds",
                                        "From request to the first piece of content.",
                                        {"engine"})) {
  for (Engine& e : engines) {
    auto slot = std::make_unique<Slot>();
    slot->engine = std::move(e);
    slot->cooldown = options_.cooldown;
    available_.With({slot->engine.config.name}).Set(1);
    slots_.push_back(std::move(slot));
  }
}

EngineRouter::~EngineRouter() = default;

bool EngineRouter::Has(const std::string& engine) const {
  return std::any_of(slots_.begin(), slots_.end(),
                     [&](const auto& s) { return s->engine.config.name == engine; });
}

EngineRouter::Admission EngineRouter::Admit(Slot& slot, bool* trial) {
  *trial = false;
  const EngineConfig& c = slot.engine.config;
  if (c.daily_tokens > 0) {
    std::string today = ChinaDate(clock_.NowUnixMillis());
    if (today != slot.budget_day) {
      slot.budget_day = today;
      slot.tokens_today = 0;
    }
    if (slot.tokens_today >= c.daily_tokens) return Admission::kBudget;
  }
  if (!slot.open) return Admission::kGo;
  if (clock_.Monotonic() < slot.open_until) return Admission::kOpen;
  if (slot.trial_in_flight) return Admission::kBusyTrial;
  slot.trial_in_flight = true;  // half-open: this request is the one trial
  *trial = true;
  return Admission::kGo;
}

void EngineRouter::Record(Slot& slot, bool trial, const Attempt& attempt) {
  const std::string& name = slot.engine.config.name;
  if (trial) slot.trial_in_flight = false;
  if (attempt.ok) {
    slot.failures = 0;
    slot.open = false;
    slot.cooldown = options_.cooldown;
    available_.With({name}).Set(1);
    const Usage& u = attempt.completion.usage;
    if (u.prompt_tokens) tokens_.With({name, "prompt"}).Inc(u.prompt_tokens);
    if (u.completion_tokens) tokens_.With({name, "completion"}).Inc(u.completion_tokens);
    int64_t total = u.total_tokens ? u.total_tokens : u.prompt_tokens + u.completion_tokens;
    slot.tokens_today += total;
    return;
  }
  const EngineFault& f = attempt.fault;
  // A refusal or our own malformed request says nothing about the engine's health.
  if (f.kind == FaultKind::kRefusal || f.kind == FaultKind::kRequest ||
      f.kind == FaultKind::kStopped) {
    if (trial) slot.open_until = clock_.Monotonic();  // let the next request try again
    return;
  }
  auto now = clock_.Monotonic();
  auto open_for = [&](std::chrono::milliseconds d) {
    if (!slot.open) opened_.With({name}).Inc();
    slot.open = true;
    slot.open_until = std::max(slot.open_until, now + d);
    available_.With({name}).Set(0);
  };
  if (f.kind == FaultKind::kConfiguration) {
    warnings_.With({name, f.reason}).Inc();
    log::Warn(
        "language-model engine '{}' refused our credentials or model ({}: {}); it is out for {} "
        "minutes. Check [[llm.engines]] '{}': key_env, model and base_url.",
        name, f.reason, f.message, options_.configuration_cooldown.count() / 60000, name);
    slot.open_until = now;
    open_for(options_.configuration_cooldown);
    return;
  }
  ++slot.failures;
  if (trial) {
    // The trial failed: out again, for longer.
    slot.open_until = now;
    slot.cooldown = std::min(slot.cooldown * 2, options_.max_cooldown);
    open_for(slot.cooldown);
  } else if (slot.failures >= options_.failures_to_open) {
    slot.open_until = now;
    open_for(slot.cooldown);
  }
  if (f.retry_after.count() > 0) open_for(f.retry_after);
}

RouteResult EngineRouter::Run(std::span<const std::string> chain, const ChatRequest& request,
                              const ContentSink& sink) {
  RouteResult result;
  std::vector<Slot*> asked;
  for (const std::string& name : chain) {
    auto it = std::find_if(slots_.begin(), slots_.end(),
                           [&](const auto& s) { return s->engine.config.name == name; });
    if (it == slots_.end()) continue;
    Slot& slot = **it;
    if (std::find(asked.begin(), asked.end(), &slot) != asked.end()) continue;  // never twice
    bool trial = false;
    {
      std::lock_guard lock(mu_);
      Admission a = Admit(slot, &trial);
      if (a != Admission::kGo) {
        skipped_
            .With({name, a == Admission::kBudget ? "budget"
                         : a == Admission::kOpen ? "open"
                                                 : "trial_running"})
            .Inc();
        continue;
      }
    }
    asked.push_back(&slot);
    result.tried.push_back(name);

    ChatRequest req = request;
    req.model = slot.engine.config.model;
    req.max_tokens = slot.engine.config.max_tokens;
    req.temperature = slot.engine.config.temperature;
    ApplyFlavour(ParseFlavour(slot.engine.config.flavour).value_or(Flavour::kOpenAi), req);
    bool released = false;
    auto started = clock_.Monotonic();
    Attempt attempt = slot.engine.client->Complete(req, [&](std::string_view piece) {
      if (!released)
        first_token_.With({name}).Observe(
            std::chrono::duration<double>(clock_.Monotonic() - started).count());
      released = true;
      return sink(piece);
    });
    if (!attempt.ok && released && attempt.fault.kind != FaultKind::kStopped) {
      attempt.fault.kind = FaultKind::kCutAfterContent;
      if (attempt.fault.reason.empty()) attempt.fault.reason = "cut";
    }
    requests_.With({name, attempt.ok ? "ok" : attempt.fault.reason}).Inc();
    {
      std::lock_guard lock(mu_);
      Record(slot, trial, attempt);
    }
    if (attempt.ok) {
      result.ok = true;
      result.completion = std::move(attempt.completion);
      result.completion.engine = name;
      result.completion.model = req.model;
      return result;
    }
    switch (attempt.fault.kind) {
      case FaultKind::kRetryElsewhere:
      case FaultKind::kConfiguration:
        continue;
      case FaultKind::kRequest:
        result.reason = "request";
        return result;
      case FaultKind::kRefusal:
        result.reason = "refusal";
        return result;
      case FaultKind::kGatewayTimeout:
        result.reason = "gateway_timeout";
        return result;
      case FaultKind::kCutAfterContent:
        result.reason = "cut";
        return result;
      case FaultKind::kStopped:
        result.reason = "stopped";
        return result;
    }
  }
  result.reason = result.tried.empty() ? "no_engine" : "exhausted";
  return result;
}

std::string EngineRouter::State(const std::string& engine) const {
  std::lock_guard lock(mu_);
  for (const auto& s : slots_) {
    if (s->engine.config.name != engine) continue;
    if (s->engine.config.daily_tokens > 0 && s->budget_day == ChinaDate(clock_.NowUnixMillis()) &&
        s->tokens_today >= s->engine.config.daily_tokens)
      return "budget";
    if (!s->open) return "closed";
    return clock_.Monotonic() < s->open_until ? "open" : "half_open";
  }
  return "unknown";
}

}  // namespace zx::llm
