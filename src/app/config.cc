#include "app/config.h"

namespace zx::app {

std::vector<ConfigKey> ConfigKeys() {
  std::vector<ConfigKey> keys;
  for (auto section_keys : {
           http::ServerConfigSection().Keys(),
           telephony::SipListenConfigSection().Keys(),
           storage::DataConfigSection().Keys(),
           storage::DatabaseConfigSection().Keys(),
           knowledge::KnowledgeConfigSection().Keys(),
           dialogue::DialogueConfigSection().Keys(),
           LogConfigSection().Keys(),
           security::SecurityConfigSection().Keys(),
           telephony::TrunkConfigSection().Keys(),
           telephony::SipConfigSection().Keys(),
           voice::CallConfigSection().Keys(),
           telephony::AsrConfigSection().Keys(),
           security::RetentionConfigSection().Keys(),
           campaigns::VisitConfigSection().Keys(),
           campaigns::CampaignConfigSection().Keys(),
           telephony::SmsConfigSection().Keys(),
           llm::LlmConfigSection().Keys(),
       }) {
    keys.insert(keys.end(), section_keys.begin(), section_keys.end());
  }
  return keys;
}

std::string DescribeConfigKeys() {
  std::string out;
  for (const auto& k : ConfigKeys()) {
    out += "  " + k.name + " = " + k.default_value + "  (";
    if (!k.range.empty()) out += k.range + ", ";
    out += k.env + ")  " + k.description + "\n";
  }
  return out;
}

Result<Config> ReadConfig(const ConfigDocument& document) {
  ZX_RETURN_IF_ERROR(document.CheckKnown(ConfigKeys()));
  Config c;
  ZX_ASSIGN_OR_RETURN(static_cast<http::ServerConfig&>(c.server),
                      http::ServerConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(static_cast<telephony::SipListenConfig&>(c.server),
                      telephony::SipListenConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.data, storage::DataConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.database, storage::DatabaseConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.knowledge, knowledge::KnowledgeConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.dialogue, dialogue::DialogueConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.log, LogConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.security, security::SecurityConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.trunk, telephony::TrunkConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.sip, telephony::SipConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.call, voice::CallConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.asr, telephony::AsrConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.retention, security::RetentionConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.visits, campaigns::VisitConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.campaigns, campaigns::CampaignConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.sms, telephony::SmsConfigSection().Read(document));
  ZX_ASSIGN_OR_RETURN(c.llm, llm::LlmConfigSection().Read(document));
  return c;
}

Result<Config> ParseConfig(const std::string& toml_text, const std::string& origin,
                           const std::vector<std::string>& environ) {
  ZX_ASSIGN_OR_RETURN(ConfigDocument document, ConfigDocument::Parse(toml_text, origin, environ));
  return ReadConfig(document);
}

Result<Config> LoadConfig(const std::string& file, const std::vector<std::string>& environ) {
  ZX_ASSIGN_OR_RETURN(ConfigDocument document, ConfigDocument::Load(file, environ));
  return ReadConfig(document);
}

Result<Config> LoadConfig(const std::string& file) {
  ZX_ASSIGN_OR_RETURN(ConfigDocument document, ConfigDocument::Load(file));
  return ReadConfig(document);
}

}  // namespace zx::app
