#include "app/context.h"

#include <filesystem>

#include "app/security_context.h"
#include "base/log.h"
#include "knowledge/loader.h"
#include "knowledge/store.h"

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
  namespace fs = std::filesystem;
  auto ctx = std::make_unique<AppContext>();
  ZX_ASSIGN_OR_RETURN(ctx->config, LoadAppConfig(flags));
  ZX_ASSIGN_OR_RETURN(ctx->db, OpenAppDatabase(ctx->config));
  ZX_RETURN_IF_ERROR(knowledge::MigrateKnowledge(*ctx->db));

  auto files = knowledge::LoadKnowledgeBase(ctx->config.knowledge.kb_dir);
  if (!files.ok()) return files.status();
  ZX_RETURN_IF_ERROR(knowledge::SaveKnowledgeBase(*ctx->db, *files));
  auto kb = knowledge::ReadKnowledgeBase(*ctx->db);
  if (!kb.ok()) return kb.status();
  log::Info("kb.loaded entries={} synonyms={} dir={}", kb->entries.size(), kb->synonyms.size(),
            ctx->config.knowledge.kb_dir);

  knowledge::EngineOptions options;
  options.work_dir = (fs::path(ctx->config.data.dir) / "index").string();
  options.jieba_dict = ctx->config.knowledge.jieba_dict;
  options.answer_threshold = ctx->config.knowledge.answer_threshold;
  options.alternatives = ctx->config.knowledge.alternatives;
  auto engine = knowledge::KnowledgeEngine::Build(std::move(kb).value(), options);
  if (!engine.ok()) return engine.status();
  ctx->engine = std::move(engine).value();

  dialogue::DialogueOptions dialogue_options;
  fs::path kb_dir = ctx->config.knowledge.kb_dir;
  dialogue_options.flows_dir = (kb_dir / "flows").string();
  dialogue_options.emotions_file = (kb_dir / "emotions.toml").string();
  dialogue_options.risks_file = (kb_dir / "risks.toml").string();
  dialogue_options.rules_file = (kb_dir / "dialogue.toml").string();
  dialogue_options.districts_file = (kb_dir / "districts.tsv").string();
  dialogue_options.max_citizen_turns = ctx->config.dialogue.max_citizen_turns;
  // Transcripts are personal data: sealed with SM4-GCM under security.key_file, or, without
  // one, under a key held only in memory (readable until the process ends, never plaintext).
  auto cipher = LoadFieldCipher(ctx->config);
  if (!cipher.ok()) return cipher.status();
  std::shared_ptr<const security::FieldCipher> sealer_cipher = *cipher;
  if (!sealer_cipher) {
    log::Warn(
        "security.no_key_file transcripts are sealed with a key held only in memory and "
        "cannot be read after a restart; run `zhixian keys init --key-file PATH` and set "
        "security.key_file");
    sealer_cipher =
        std::make_shared<security::FieldCipher>(std::make_shared<const security::KeyRing>(
            security::KeyRing::Generate(SystemClock::Instance())));
  }
  dialogue::TextSealer sealer;
  sealer.seal = [sealer_cipher](const std::string& plain, const std::string& table,
                                const std::string& column, const std::string& key) {
    return sealer_cipher->Encrypt(plain, security::FieldAad(table, column, key));
  };
  sealer.open = [sealer_cipher](const std::string& sealed, const std::string& table,
                                const std::string& column, const std::string& key) {
    return sealer_cipher->Decrypt(sealed, security::FieldAad(table, column, key));
  };
  // What a dialogue may trigger (kb/dialogue.toml [actions]). Today the agents' desk learns of
  // hand-overs from its queue; the action puts each one in the log for the supervisors' tools.
  // Work orders and call-backs register here when their modules exist.
  dialogue::ActionRegistry actions;
  ZX_RETURN_IF_ERROR(actions.Register("notify_agents", [](const dialogue::ActionRequest& r) {
    log::Info("agents.handoff conversation={} topic={} reason={}", r.conversation_id,
              r.topic.value_or("-"), r.reason);
    return Status::Ok();
  }));
  auto service = dialogue::DialogueService::Create(
      *ctx->db, *ctx->engine, ctx->engine->knowledge_base(), dialogue_options,
      SystemClock::Instance(), std::move(sealer), std::move(actions));
  if (!service.ok()) return service.status();
  ctx->dialogue = std::move(service).value();
  return ctx;
}

}  // namespace zx::app
