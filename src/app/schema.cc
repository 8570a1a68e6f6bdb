#include "app/schema.h"

#include "campaigns/campaign_store.h"
#include "campaigns/message_visits.h"
#include "campaigns/notice_call_store.h"
#include "campaigns/return_visits.h"
#include "demo/seed.h"
#include "dialogue/callback_store.h"
#include "dialogue/conversation_store.h"
#include "dialogue/desk.h"
#include "knowledge/answer_log.h"
#include "knowledge/document_store.h"
#include "knowledge/kb_store.h"
#include "knowledge/kb_test_store.h"
#include "recordings/recording_store.h"
#include "security/users.h"
#include "storage/leases.h"
#include "tickets/order_store.h"
#include "voice/refused_calls.h"

namespace zx::app {

// Every store serve opens (serve.cc, context.cc OpenApp, security_context.cc, voice_service.cc),
// opened only for its migrations: the stores' Open functions used here write no rows. A module
// left out of this list is caught by `zhixian migrate` all the same: the source's table is then
// missing in the target and storage::CopyTables refuses, naming it.
Status MakeSchema(storage::Database& db) {
  const Clock& clock = SystemClock::Instance();
  // Security: users, sessions, API keys, the audit log (MigrateSecurity and the users' own).
  ZX_RETURN_IF_ERROR(security::UserStore::Open(db, clock).status());
  ZX_RETURN_IF_ERROR(storage::Leases::Open(db, clock, "migrate").status());
  // Knowledge: the base itself (not seeded here), documents, answers, tests.
  ZX_RETURN_IF_ERROR(knowledge::KnowledgeStore::Open(db, clock).status());
  ZX_RETURN_IF_ERROR(knowledge::DocumentStore::Open(db).status());
  ZX_RETURN_IF_ERROR(knowledge::AnswerLog::Migrate(db));
  ZX_RETURN_IF_ERROR(knowledge::KbTestStore::Open(db).status());
  // Conversations, call-backs, work orders, recordings.
  ZX_RETURN_IF_ERROR(dialogue::ConversationStore::Open(db, {}).status());
  ZX_RETURN_IF_ERROR(dialogue::CallbackStore::Open(db, nullptr, clock).status());
  ZX_RETURN_IF_ERROR(dialogue::Presence::Open(db, clock).status());
  ZX_RETURN_IF_ERROR(voice::RefusedCalls::Open(db, clock).status());
  ZX_RETURN_IF_ERROR(demo::FindSeedMark(db).status());  // its migration, reading no row
  ZX_RETURN_IF_ERROR(tickets::OrderStore::Open(db, nullptr).status());
  ZX_RETURN_IF_ERROR(recordings::RecordingStore(db).Migrate());
  // Outbound: notice calls, campaigns, return visits.
  ZX_RETURN_IF_ERROR(campaigns::NoticeCallStore(db).Migrate());
  ZX_RETURN_IF_ERROR(campaigns::CampaignStore(db).Migrate());
  ZX_RETURN_IF_ERROR(campaigns::ReturnVisits::Migrate(db));
  ZX_RETURN_IF_ERROR(campaigns::MessageVisits::Migrate(db));
  return Status::Ok();
}

}  // namespace zx::app
