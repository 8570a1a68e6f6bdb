// Config: every setting of zhixian, composed of the sections each module declares and reads
// itself (base/config.h has the mechanism: sources, errors, environment variables).
//
// Sources, later wins: built-in defaults < the TOML file (--config) < ZHIXIAN_* environment
// variables (ZHIXIAN_SERVER_HTTP overrides server.http). An unknown key, a value of the wrong
// type or out of range stops start-up with a message that names the key and where it came from.
// Built once at start-up and shared read-only.
#pragma once

#include <string>
#include <vector>

#include "base/config.h"
#include "base/log_config.h"
#include "base/status.h"
#include "campaigns/campaign_engine.h"
#include "campaigns/return_visits.h"
#include "dialogue/dialogue_config.h"
#include "http/server_config.h"
#include "knowledge/knowledge_config.h"
#include "llm/llm_config.h"
#include "security/security_config.h"
#include "storage/database_config.h"
#include "telephony/asr_config.h"
#include "telephony/sip_config.h"
#include "telephony/sms_config.h"
#include "voice/call_config.h"

namespace zx::app {

struct Config {
  // [server] is shared: the HTTP server's keys and the SIP gateway's listen address.
  struct Server : http::ServerConfig, telephony::SipListenConfig {};
  Server server;
  storage::DataConfig data;
  storage::DatabaseConfig database;
  knowledge::KnowledgeConfig knowledge;
  dialogue::DialogueConfig dialogue;
  LogConfig log;
  security::SecurityConfig security;
  telephony::TrunkConfig trunk;  // the SIP trunk or PBX of outbound calls and transfers
  telephony::SipConfig sip;      // defences of the SIP port
  voice::CallConfig call;        // calls: capacity, ringing, recording, hand-over target
  telephony::AsrConfig asr;      // speech recognition; empty url: keys only
  security::RetentionConfig retention;
  campaigns::VisitConfig visits;        // return visits of work orders: calling window, retries
  campaigns::CampaignConfig campaigns;  // outbound campaigns: windows, retries, caps, pace
  telephony::SmsConfig sms;             // SMS gateway of campaigns; "none" by default
  llm::LlmConfig llm;                   // language models: engines and their uses; none by default
};

// Loads defaults, then `file` if not empty (a missing file is an error), then the environment.
Result<Config> LoadConfig(const std::string& file);
// Same, with an explicit environment (NAME=VALUE strings); for tests.
Result<Config> LoadConfig(const std::string& file, const std::vector<std::string>& environ);
// Parses TOML text; `origin` names it in errors.
Result<Config> ParseConfig(const std::string& toml_text, const std::string& origin,
                           const std::vector<std::string>& environ);
// Reads every module's section from `document`, after checking that it has no unknown key.
Result<Config> ReadConfig(const ConfigDocument& document);

// Every key of every module, for `zhixian config` and the unknown-key check.
std::vector<ConfigKey> ConfigKeys();
// ConfigKeys as text, one key a line: "server.threads = 2  (1..256, ZHIXIAN_SERVER_THREADS)
// HTTP worker threads".
std::string DescribeConfigKeys();

}  // namespace zx::app
