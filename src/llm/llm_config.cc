#include "llm/llm_config.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

#include "base/net_probe.h"

#include "text/http_url.h"

namespace zx::llm {
namespace {

std::string CheckEngine(const EngineConfig& e, const std::string& prefix) {
  if (e.name.empty()) return prefix + "name is needed (chains refer to engines by it)";
  for (char c : e.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      return prefix + "name '" + e.name + "' may hold only letters, digits, '-' and '_'";
  if (e.base_url.empty()) return prefix + "base_url is needed";
  if (auto url = text::ParseHttpUrl(e.base_url); !url.ok())
    return prefix + "base_url: " + url.status().message();
  if (e.model.empty()) return prefix + "model is needed";
  if (!ParseFlavour(e.flavour))
    return prefix + "flavour must be openai, deepseek, dashscope, vllm, llamacpp or ollama, got '" +
           e.flavour + "'";
  return "";
}

std::string CheckLlm(const LlmConfig& c, const std::string& prefix) {
  std::set<std::string> names;
  for (const EngineConfig& e : c.engines)
    if (!names.insert(e.name).second)
      return prefix + "engines: the name '" + e.name + "' is given twice";
  for (auto [key, chain] : {std::pair{"answers", &c.answers},
                            {"summaries", &c.summaries},
                            {"push_cards", &c.push_cards},
                            {"drafts", &c.drafts}}) {
    for (const std::string& name : ParseChain(*chain))
      if (!names.count(name))
        return prefix + key + " names the engine '" + name + "', which no [[llm.engines]] has";
  }
  if (c.max_cooldown_ms < c.cooldown_ms)
    return prefix + "max_cooldown_ms must be at least cooldown_ms";
  return "";
}

}  // namespace

std::vector<std::string> ParseChain(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view word =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
    while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
    if (!word.empty()) out.emplace_back(word);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

RouterOptions RouterOptionsFrom(const LlmConfig& c) {
  RouterOptions o;
  o.failures_to_open = c.failures_to_open;
  o.cooldown = std::chrono::milliseconds(c.cooldown_ms);
  o.max_cooldown = std::chrono::milliseconds(c.max_cooldown_ms);
  o.configuration_cooldown = std::chrono::milliseconds(c.configuration_cooldown_ms);
  return o;
}

HealthCheck CheckEngines(const LlmConfig& config, std::chrono::milliseconds timeout) {
  if (config.engines.empty())
    return HealthCheck::Ok(
        "no engines (answers, summaries, cards and drafts are the knowledge "
        "base's and the calculators' own; [llm] in docs/llm.md)");
  std::string seen, missing_keys, unreachable;
  for (const EngineConfig& e : config.engines) {
    if (!e.key_env.empty()) {
      const char* key = std::getenv(e.key_env.c_str());
      if (!key || !*key) missing_keys += (missing_keys.empty() ? "" : ", ") + e.key_env;
    }
    auto url = text::ParseHttpUrl(e.base_url);
    if (!url.ok()) continue;  // the configuration's own check stops start-up first
    auto socket = ConnectWithin({url->host, std::to_string(url->port)}, SOCK_STREAM, timeout);
    if (socket.ok()) {
      ::close(*socket);
      seen += (seen.empty() ? "" : "; ") + e.name + " (" + e.model + ") at " + url->host + ":" +
              std::to_string(url->port);
    } else {
      unreachable += (unreachable.empty() ? "" : "; ") + e.name + ": " + socket.status().message();
    }
  }
  std::string uses = "answers=" + (config.answers.empty() ? "off" : config.answers) +
                     " summaries=" + (config.summaries.empty() ? "off" : config.summaries) +
                     " push_cards=" + (config.push_cards.empty() ? "off" : config.push_cards) +
                     " drafts=" + (config.drafts.empty() ? "off" : config.drafts);
  if (!missing_keys.empty())
    return HealthCheck::Fail("the API key variables " + missing_keys + " are not set",
                             "export them in the service's environment (never in the config "
                             "file); zhixian serve refuses to start without them");
  if (!unreachable.empty())
    return HealthCheck::Warn(unreachable + " (" + uses + ")",
                             "start the engine or correct base_url; meanwhile every answer is "
                             "the knowledge base's own");
  return HealthCheck::Ok(seen + " accept connections (" + uses + ")");
}

const ConfigSection<LlmConfig>& LlmConfigSection() {
  using C = LlmConfig;
  using E = EngineConfig;
  static const auto* section = new ConfigSection<C>(
      ConfigSection<C>("llm")
          .Array(
              "engines", &C::engines,
              ConfigSection<E>("engines")
                  .Text("name", &E::name, "what chains and metrics call the engine")
                  .Text("base_url", &E::base_url,
                        "the API's base, e.g. https://api.deepseek.com/v1 (/chat/completions is "
                        "appended)")
                  .Text("key_env", &E::key_env,
                        "environment variable holding the API key; empty: no key (local servers)")
                  .Text("model", &E::model, "model name, e.g. deepseek-chat, qwen-plus")
                  .Text("flavour", &E::flavour,
                        "openai, deepseek, dashscope, vllm, llamacpp or ollama")
                  .Number("connect_timeout_ms", &E::connect_timeout_ms, 50, 60000,
                          "TCP connect and TLS handshake")
                  .Number("first_token_timeout_ms", &E::first_token_timeout_ms, 50, 300000,
                          "request sent -> first content (keep-alives do not count)")
                  .Number("chunk_gap_timeout_ms", &E::chunk_gap_timeout_ms, 50, 300000,
                          "longest silence between two pieces of content")
                  .Number("total_timeout_ms", &E::total_timeout_ms, 100, 600000,
                          "the whole answer, at most")
                  .Number("daily_tokens", &E::daily_tokens, int64_t{0}, int64_t{1'000'000'000'000},
                          "tokens a day (China time) the engine may use; 0: no cap")
                  .Number("tls_verify", &E::tls_verify, 0, 1,
                          "https: 1 verifies the certificate and host name")
                  .Text("tls_ca_file", &E::tls_ca_file,
                        "https: PEM file of a private CA; empty: the system's")
                  .Number("max_tokens", &E::max_tokens, 16, 32768, "longest answer, in tokens")
                  .Number("temperature", &E::temperature, 0.0, 2.0, "sampling temperature")
                  .Check(CheckEngine))
          .Text("answers", &C::answers,
                "engines (comma-separated, in order) that write answers to citizens from the "
                "knowledge base; empty: off")
          .Text("summaries", &C::summaries,
                "engines that write the seven-element summary for agents; empty: off")
          .Text("push_cards", &C::push_cards,
                "engines that summarise pushed knowledge for agents; empty: off")
          .Text("drafts", &C::drafts,
                "engines that propose draft entries from imported documents; empty: off")
          .Number("failures_to_open", &C::failures_to_open, 1, 100,
                  "failures in a row that take an engine out")
          .Number("cooldown_ms", &C::cooldown_ms, 100, 3'600'000,
                  "first time out; doubles with each failed trial")
          .Number("max_cooldown_ms", &C::max_cooldown_ms, 100, 86'400'000,
                  "longest time out after failures")
          .Number("configuration_cooldown_ms", &C::configuration_cooldown_ms, 1000, 86'400'000,
                  "time out after a refused key or model (401, 402, 404)")
          .Check(CheckLlm));
  return *section;
}

}  // namespace zx::llm
