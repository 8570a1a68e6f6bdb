#include "base/config.h"

#include "base/file.h"

#include "base/toml_file.h"

#include <unistd.h>

#include <toml++/toml.h>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

extern char** environ;

namespace zx {
namespace {

// A setter parses one textual or TOML value into the config; returns an error message or "".
struct KeyDef {
  const char* name;
  const char* description;
  std::function<std::string(Config&, const toml::node&)> from_toml;
  std::function<std::string(Config&, const std::string&)> from_text;
};

template <typename T>
KeyDef Def(const char* name, const char* description, T Config::*section, std::string T::*field) {
  return {name, description,
          [=](Config& c, const toml::node& n) -> std::string {
            auto v = n.value<std::string>();
            if (!v || !n.is_string()) return "must be a string";
            (c.*section).*field = *v;
            return "";
          },
          [=](Config& c, const std::string& s) -> std::string {
            (c.*section).*field = s;
            return "";
          }};
}

template <typename T, typename N>
requires std::is_arithmetic_v<N> KeyDef Def(const char* name, const char* description,
                                            T Config::*section, N T::*field, N min, N max) {
  auto check = [=](Config& c, double v) -> std::string {
    if (std::is_integral_v<N> && v != static_cast<double>(static_cast<int64_t>(v)))
      return "must be a whole number";
    if (v < static_cast<double>(min) || v > static_cast<double>(max)) {
      std::ostringstream m;
      m << "must be between " << min << " and " << max;
      return m.str();
    }
    (c.*section).*field = static_cast<N>(v);
    return "";
  };
  return {name, description,
          [=](Config& c, const toml::node& n) -> std::string {
            if (!n.is_number()) return "must be a number";
            return check(c, *n.value<double>());
          },
          [=](Config& c, const std::string& s) -> std::string {
            char* end = nullptr;
            double v = std::strtod(s.c_str(), &end);
            if (s.empty() || *end != '\0') return "must be a number, got '" + s + "'";
            return check(c, v);
          }};
}

const std::vector<KeyDef>& Keys() {
  using C = Config;
  static const std::vector<KeyDef> keys = {
      Def("server.http", "HTTP listen address HOST:PORT", &C::server, &C::Server::http),
      Def("server.sip", "SIP listen address HOST:PORT", &C::server, &C::Server::sip),
      Def("server.threads", "HTTP worker threads", &C::server, &C::Server::threads, 1, 256),
      Def("server.max_body_bytes", "largest accepted request body", &C::server,
          &C::Server::max_body_bytes, int64_t{1024}, int64_t{64} << 20),
      Def("server.request_timeout_ms", "cut off requests slower than this", &C::server,
          &C::Server::request_timeout_ms, 100, 600000),
      Def("server.max_websockets", "open WebSocket connections; more are refused", &C::server,
          &C::Server::max_websockets, 1, 1000000),
      Def("data.dir", "data directory: database, indexes, recordings", &C::data, &C::Data::dir),
      Def("database.busy_timeout_ms", "wait this long for a database lock, then answer 503",
          &C::database, &C::Database::busy_timeout_ms, 0, 600000),
      Def("knowledge.kb_dir", "knowledge base directory", &C::knowledge, &C::Knowledge::kb_dir),
      Def("knowledge.answer_threshold", "below this confidence the assistant asks back",
          &C::knowledge, &C::Knowledge::answer_threshold, 0.0, 1.0),
      Def("knowledge.alternatives", "topics offered when asking back", &C::knowledge,
          &C::Knowledge::alternatives, 1, 5),
      Def("dialogue.max_citizen_turns", "citizen messages one conversation may hold", &C::dialogue,
          &C::Dialogue::max_citizen_turns, 10, 10000),
      Def("knowledge.jieba_dict", "optional general word list (jieba format)", &C::knowledge,
          &C::Knowledge::jieba_dict),
      Def("log.level", "trace, debug, info, warn, error or off", &C::log, &C::Log::level),
      Def("security.key_file", "SM4 key file outside the data directory (zhixian keys init)",
          &C::security, &C::Security::key_file),
      Def("security.session_ttl_minutes", "login sessions end this long after login", &C::security,
          &C::Security::session_ttl_minutes, 1, 7 * 24 * 60),
      Def("security.idle_minutes", "login sessions end after this long without a request",
          &C::security, &C::Security::idle_minutes, 1, 24 * 60),
      Def("security.rate_limit_per_minute", "requests per client IP under /api (0 = no limit)",
          &C::security, &C::Security::rate_limit_per_minute, 0, 1000000),
      Def("security.audit_on_broken", "a broken audit log at start: refuse or warn", &C::security,
          &C::Security::audit_on_broken),
      Def("security.require_approval",
          "1: accounts seeing personal data need a second admin's approval", &C::security,
          &C::Security::require_approval, 0, 1),
      Def("security.login_threads", "threads hashing login passwords, apart from HTTP",
          &C::security, &C::Security::login_threads, 1, 64),
      Def("security.login_queue", "logins waiting for a login thread; more get 503", &C::security,
          &C::Security::login_queue, 1, 100000),
      Def("trunk.proxy", "outbound proxy sip:HOST[:PORT][;transport=udp|tcp]", &C::trunk,
          &C::Trunk::proxy),
      Def("trunk.domain", "host of request URIs for numbers", &C::trunk, &C::Trunk::domain),
      Def("trunk.username", "digest user and REGISTER address", &C::trunk, &C::Trunk::username),
      Def("trunk.password", "digest password (prefer ZHIXIAN_TRUNK_PASSWORD)", &C::trunk,
          &C::Trunk::password),
      Def("trunk.from_user", "default caller id", &C::trunk, &C::Trunk::from_user),
      Def("trunk.register", "1: keep a registration with the proxy", &C::trunk,
          &C::Trunk::register_enabled, 0, 1),
      Def("trunk.register_expires", "registration expiry asked for, seconds", &C::trunk,
          &C::Trunk::register_expires_s, 60, 86400),
      Def("trunk.ring_timeout_s", "outbound calls unanswered by then are no_answer", &C::trunk,
          &C::Trunk::ring_timeout_s, 5, 300),
      Def("trunk.transfer_timeout_s", "a transfer without result by then fails", &C::trunk,
          &C::Trunk::transfer_timeout_s, 5, 300),
      Def("sip.rtp_latching", "1: accept a NATed peer's media from its first other source", &C::sip,
          &C::Sip::rtp_latching, 0, 1),
      Def("sip.max_calls_per_source", "concurrent inbound calls per source IP (0 = no limit)",
          &C::sip, &C::Sip::max_calls_per_source, 0, 100000),
      Def("sip.no_media_timeout_s", "end answered calls with no RTP at all after this (0 = never)",
          &C::sip, &C::Sip::no_media_timeout_s, 0, 3600),
      Def("sip.media_idle_timeout_s", "end calls whose RTP stopped this long ago (0 = never)",
          &C::sip, &C::Sip::media_idle_timeout_s, 0, 86400),
      Def("sip.allow_from", "addresses/prefixes that may place calls, comma-separated", &C::sip,
          &C::Sip::allow_from),
      Def("sip.tcp_backlog", "SIP/TCP listen queue length", &C::sip, &C::Sip::tcp_backlog, 1,
          65535),
      Def("call.max_calls", "concurrent calls; more are refused with over_capacity_code", &C::call,
          &C::Call::max_calls, 1, 100000),
      Def("call.over_capacity_code", "SIP code for calls over max_calls: 486 or 503", &C::call,
          &C::Call::over_capacity_code, 486, 503),
      Def("call.answer_delay_ms", "ring this long before answering", &C::call,
          &C::Call::answer_delay_ms, 0, 10000),
      Def("call.record", "1: record calls (kept only encrypted, with a key file)", &C::call,
          &C::Call::record, 0, 1),
      Def("call.transfer_to", "SIP URI or extension that hand-overs are transferred to", &C::call,
          &C::Call::transfer_to),
      Def("asr.url", "FunASR runtime server ws://HOST:PORT; empty: keys only", &C::asr,
          &C::Asr::url),
      Def("asr.mode", "FunASR mode: 2pass, online or offline", &C::asr, &C::Asr::mode),
      Def("asr.final_timeout_ms", "end of utterance to final text, at most", &C::asr,
          &C::Asr::final_timeout_ms, 500, 60000),
      Def("retention.recordings_hours", "call recordings are deleted after this many hours",
          &C::retention, &C::Retention::recordings_hours, int64_t{1}, int64_t{24} * 3650),
      Def("retention.recordings_max_mb",
          "disk budget of recordings in MB; beyond it calls are not recorded (0 = no limit)",
          &C::retention, &C::Retention::recordings_max_mb, int64_t{0}, int64_t{1} << 30),
      Def("retention.transcripts_days", "conversation transcripts are cleared after this",
          &C::retention, &C::Retention::transcripts_days, int64_t{1}, int64_t{3650}),
      Def("retention.personal_days", "other personal data is deleted after this (0 = keep)",
          &C::retention, &C::Retention::personal_days, int64_t{0}, int64_t{3650}),
  };
  return keys;
}

std::string EnvName(const std::string& key) {
  std::string env = "ZHIXIAN_";
  for (char ch : key) env += ch == '.' ? '_' : static_cast<char>(std::toupper(ch));
  return env;
}

Status Validate(const Config& c, const std::string& origin) {
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (const char* l : kLevels) level_ok |= c.log.level == l;
  if (!level_ok)
    return InvalidArgument(origin +
                           ": log.level must be one of trace, debug, info, warn, "
                           "error, off; got '" +
                           c.log.level + "'");
  for (auto [key, addr] :
       {std::pair{"server.http", &c.server.http}, std::pair{"server.sip", &c.server.sip}}) {
    auto colon = addr->rfind(':');
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < addr->size();
    if (ok) {
      for (size_t i = colon + 1; i < addr->size(); ++i) ok &= std::isdigit((*addr)[i]) != 0;
    }
    if (ok) ok = std::stol(addr->substr(colon + 1)) <= 65535;
    if (!ok)
      return InvalidArgument(origin + ": " + key + " must be HOST:PORT, got '" + *addr + "'");
  }
  if (c.data.dir.empty()) return InvalidArgument(origin + ": data.dir must not be empty");
  if (c.security.audit_on_broken != "refuse" && c.security.audit_on_broken != "warn")
    return InvalidArgument(origin +
                           ": security.audit_on_broken must be \"refuse\" or \"warn\", got '" +
                           c.security.audit_on_broken + "'");
  if (c.security.idle_minutes > c.security.session_ttl_minutes)
    return InvalidArgument(origin + ": security.idle_minutes (" +
                           std::to_string(c.security.idle_minutes) +
                           ") must not exceed security.session_ttl_minutes (" +
                           std::to_string(c.security.session_ttl_minutes) + ")");
  return Status::Ok();
}

}  // namespace

std::vector<ConfigKey> ConfigKeys() {
  std::vector<ConfigKey> out;
  for (const auto& k : Keys()) out.push_back({k.name, EnvName(k.name), k.description});
  return out;
}

Result<Config> ParseConfig(const std::string& toml_text, const std::string& origin,
                           const std::vector<std::string>& env) {
  Config config;
  auto parsed = ParseToml(toml_text, origin);
  if (!parsed.ok()) return parsed.status();
  toml::table table = std::move(parsed).value();
  // Walk every leaf so that a misspelt key is an error rather than silently ignored.
  for (auto&& [section, node] : table) {
    const auto* sub = node.as_table();
    if (!sub)
      return InvalidArgument(origin + ":" + std::to_string(node.source().begin.line) + ": '" +
                             std::string(section.str()) + "' must be a [section]");
    for (auto&& [name, value] : *sub) {
      std::string key = std::string(section.str()) + "." + std::string(name.str());
      std::string where = origin + ":" + std::to_string(value.source().begin.line);
      const KeyDef* def = nullptr;
      for (const auto& k : Keys()) def = k.name == key ? &k : def;
      if (!def) return InvalidArgument(where + ": unknown configuration key '" + key + "'");
      std::string err = def->from_toml(config, value);
      if (!err.empty()) return InvalidArgument(where + ": " + key + " " + err);
    }
  }
  for (const auto& entry : env) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || entry.rfind("ZHIXIAN_", 0) != 0) continue;
    std::string name = entry.substr(0, eq), text = entry.substr(eq + 1);
    for (const auto& k : Keys()) {
      if (EnvName(k.name) != name) continue;
      std::string err = k.from_text(config, text);
      if (!err.empty()) return InvalidArgument("environment " + name + ": " + k.name + " " + err);
    }
  }
  ZX_RETURN_IF_ERROR(Validate(config, origin));
  return config;
}

Result<Config> LoadConfig(const std::string& file, const std::vector<std::string>& env) {
  std::string text;
  std::string origin = file.empty() ? "defaults" : file;
  if (!file.empty()) {
    auto read = ReadFile(file);
    if (!read.ok()) return InvalidArgument("configuration file " + read.status().message());
    text = std::move(read).value();
  }
  return ParseConfig(text, origin, env);
}

Result<Config> LoadConfig(const std::string& file) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return LoadConfig(file, env);
}

}  // namespace zx
