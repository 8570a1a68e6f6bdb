#include "app/context.h"

#include <filesystem>

#include "base/log.h"
#include "dialogue/ticket_action.h"
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
  const std::string where = config.database.url.empty()
                                ? (std::filesystem::path(config.data.dir) / "zhixian.db").string()
                                : config.database.url;
  return storage::Database::Open(where, {.busy_timeout_ms = config.database.busy_timeout_ms});
}

namespace {

Status OpenTickets(AppContext& ctx, std::shared_ptr<const security::FieldCipher> cipher) {
  const knowledge::KnowledgeConfig& kc = ctx.config.knowledge;
  const std::filesystem::path kb(kc.kb_dir);
  ZX_ASSIGN_OR_RETURN(tickets::WorkCalendar calendar,
                      tickets::WorkCalendar::Load((kb / "calendar").string()));
  ctx.sla = tickets::MakeSlaCalendar(std::move(calendar));
  ZX_ASSIGN_OR_RETURN(
      ctx.work_orders,
      tickets::WorkOrders::Open(*ctx.db, std::move(cipher), *ctx.sla, SystemClock::Instance()));
  ZX_ASSIGN_OR_RETURN(
      ctx.autofill, tickets::AutoFiller::Load({.kb_dir = kc.kb_dir, .jieba_dict = kc.jieba_dict}));
  tickets::RouterTextOptions router_text;
  router_text.jieba_dict = kc.jieba_dict;
  ZX_ASSIGN_OR_RETURN(tickets::Classifier classify,
                      tickets::LearnedRouter(ctx.config.data.dir, router_text));
  ZX_ASSIGN_OR_RETURN(ctx.intake, tickets::Intake::Open(kc.kb_dir, *ctx.autofill, *ctx.work_orders,
                                                        std::move(classify)));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<AppContext>> OpenApp(const CommonFlags& flags) {
  auto ctx = std::make_unique<AppContext>();
  ZX_ASSIGN_OR_RETURN(ctx->config, LoadAppConfig(flags));
  ZX_ASSIGN_OR_RETURN(ctx->db, OpenAppDatabase(ctx->config));
  const knowledge::KnowledgeConfig& kc = ctx->config.knowledge;
  ZX_ASSIGN_OR_RETURN(ctx->kb_store,
                      knowledge::KnowledgeStore::Open(*ctx->db, SystemClock::Instance()));
  ZX_RETURN_IF_ERROR(ctx->kb_store->SeedFrom(kc.kb_dir));
  std::string index_dir = (std::filesystem::path(ctx->config.data.dir) / "index").string();
  ZX_ASSIGN_OR_RETURN(
      ctx->engine,
      knowledge::LiveKnowledge::Open(
          // The knowledge base citizens get on the day (`ask --as-of`: on that day, always).
          [store = ctx->kb_store.get(), as_of = flags.as_of](const std::string& date) {
            return store->AsOf(as_of.empty() ? date : as_of);
          },
          knowledge::EngineOptionsFrom(kc, index_dir), SystemClock::Instance(),
          [store = ctx->kb_store.get()](const std::string& date) {
            return store->NextEffectiveAfter(date);
          }));
  // A publish swaps the new knowledge base in without a restart (live_knowledge.h).
  ctx->kb_store->OnPublished([live = ctx->engine.get()] { live->RequestRebuild(); });
  // Transcripts are personal data: sealed with SM4-GCM under security.key_file, or, without
  // one, under a key held only in memory (readable until the process ends, never plaintext).
  ZX_ASSIGN_OR_RETURN(
      std::shared_ptr<const security::FieldCipher> cipher,
      security::LoadFieldCipherOrEphemeral(ctx->config.security.key_file, ctx->config.data.dir,
                                           SystemClock::Instance()));
  // What a dialogue may trigger (kb/dialogue.toml [actions]). Today the agents' desk learns of
  // hand-overs from its queue; the action puts each one in the log for the supervisors' tools.
  // Work orders and call-backs register here when their modules exist.
  ZX_RETURN_IF_ERROR(OpenTickets(*ctx, cipher));
  dialogue::ActionRegistry actions;
  ZX_RETURN_IF_ERROR(actions.Register("notify_agents", [](const dialogue::ActionRequest& r) {
    log::Info("agents.handoff conversation={} topic={} reason={}", r.conversation_id,
              r.topic.value_or("-"), r.reason);
    return dialogue::ActionOutcome{};
  }));
  // A complaint's work order (kb/dialogue.toml on_complaint): intake's auto-fill over what the
  // citizen said and what the dialogue heard; the citizen hears its number and time limit.
  ZX_RETURN_IF_ERROR(
      actions.Register(dialogue::kCreateTicketAction, dialogue::CreateTicketAction(*ctx->intake)));
  ZX_ASSIGN_OR_RETURN(
      ctx->dialogue,
      dialogue::DialogueService::Create(
          *ctx->db, ctx->engine->Snapshots(),
          dialogue::DialogueOptionsFor(kc.kb_dir, ctx->config.dialogue), SystemClock::Instance(),
          dialogue::CipherSealer(cipher), std::move(actions)));
  ZX_ASSIGN_OR_RETURN(ctx->answers, dialogue::RecordAnswers(*ctx->db, cipher, kc, *ctx->dialogue));
  return ctx;
}

}  // namespace zx::app
