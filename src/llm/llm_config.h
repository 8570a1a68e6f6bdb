// The [llm] section (config/zhixian.toml, docs/llm.md): the engines, and for each use of a
// language model its chain of engines (empty: the use is off, the deterministic text serves).
//
//   [[llm.engines]]                          [llm]
//   name = "deepseek"                        answers = "deepseek,qwen"
//   base_url = "https://api.deepseek.com/v1" summaries = "qwen"
//   key_env = "DEEPSEEK_API_KEY"
//   model = "deepseek-chat"
//   flavour = "deepseek"
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "base/health_check.h"
#include "llm/engine.h"
#include "llm/router.h"

namespace zx::llm {

struct LlmConfig {
  std::vector<EngineConfig> engines;
  // Chains: engine names separated by commas, tried in order.
  std::string answers;     // grounded answers to citizens' questions
  std::string summaries;   // the seven-element summary written more naturally
  std::string push_cards;  // knowledge pushed to agents, summarised to the citizen's question
  std::string drafts;      // draft entries from imported policy documents
  int failures_to_open = 3;
  int cooldown_ms = 30'000;
  int max_cooldown_ms = 600'000;
  int configuration_cooldown_ms = 3'600'000;
};

const ConfigSection<LlmConfig>& LlmConfigSection();

// "deepseek, qwen" -> {"deepseek", "qwen"}.
std::vector<std::string> ParseChain(std::string_view text);

RouterOptions RouterOptionsFrom(const LlmConfig& config);

// `zhixian doctor`'s look at the engines, without spending a token: each key's environment
// variable set (else a failure: serve would not start), each engine's host accepting a
// connection within `timeout` (else a warning: answers fall back to the knowledge base's).
HealthCheck CheckEngines(const LlmConfig& config,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

}  // namespace zx::llm
