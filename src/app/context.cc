#include "app/context.h"

#include <filesystem>

#include "base/log.h"
#include "knowledge/store.h"
#include "security/key_file.h"

namespace zx::app {

Result<Config> LoadAppConfig(const CommonFlags& flags) {
  ZX_ASSIGN_OR_RETURN(Config config, LoadConfig(flags.config_file));
  if (!flags.data_dir.empty()) config.data.dir = flags.data_dir;
  if (!flags.kb_dir.empty()) config.knowledge.kb_dir = flags.kb_dir;
  return config;
}

Result<std::unique_ptr<storage::Database>> OpenAppDatabase(const Config& config) {
  // Private: 0700, and anything an older version left readable by others is fixed.
  ZX_RETURN_IF_ERROR(storage::PrepareDataDir(config.data.dir));
  return storage::Database::Open((std::filesystem::path(config.data.dir) / "zhixian.db").string(),
                                 {.busy_timeout_ms = config.database.busy_timeout_ms});
}

Result<std::unique_ptr<AppContext>> OpenApp(const CommonFlags& flags) {
  auto ctx = std::make_unique<AppContext>();
  ZX_ASSIGN_OR_RETURN(ctx->config, LoadAppConfig(flags));
  ZX_ASSIGN_OR_RETURN(ctx->db, OpenAppDatabase(ctx->config));
  const knowledge::KnowledgeConfig& kc = ctx->config.knowledge;
  ZX_ASSIGN_OR_RETURN(knowledge::KnowledgeBase kb,
                      knowledge::LoadIntoDatabase(*ctx->db, kc.kb_dir));
  std::string index_dir = (std::filesystem::path(ctx->config.data.dir) / "index").string();
  ZX_ASSIGN_OR_RETURN(ctx->engine, knowledge::KnowledgeEngine::Build(
                                       std::move(kb), knowledge::EngineOptionsFrom(kc, index_dir)));
  // Transcripts are personal data: sealed with SM4-GCM under security.key_file, or, without
  // one, under a key held only in memory (readable until the process ends, never plaintext).
  ZX_ASSIGN_OR_RETURN(
      std::shared_ptr<const security::FieldCipher> cipher,
      security::LoadFieldCipherOrEphemeral(ctx->config.security.key_file, ctx->config.data.dir,
                                           SystemClock::Instance()));
  // What a dialogue may trigger (kb/dialogue.toml [actions]). Today the agents' desk learns of
  // hand-overs from its queue; the action puts each one in the log for the supervisors' tools.
  // Work orders and call-backs register here when their modules exist.
  dialogue::ActionRegistry actions;
  ZX_RETURN_IF_ERROR(actions.Register("notify_agents", [](const dialogue::ActionRequest& r) {
    log::Info("agents.handoff conversation={} topic={} reason={}", r.conversation_id,
              r.topic.value_or("-"), r.reason);
    return Status::Ok();
  }));
  ZX_ASSIGN_OR_RETURN(
      ctx->dialogue,
      dialogue::DialogueService::Create(
          *ctx->db, *ctx->engine, ctx->engine->knowledge_base(),
          dialogue::DialogueOptionsFor(kc.kb_dir, ctx->config.dialogue), SystemClock::Instance(),
          dialogue::CipherSealer(std::move(cipher)), std::move(actions)));
  return ctx;
}

}  // namespace zx::app
