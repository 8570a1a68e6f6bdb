// Start-up wiring shared by every sub-command: configuration, data directory, database, and the
// knowledge engine built from the knowledge base files.
#pragma once

#include <memory>
#include <string>

#include "app/config.h"
#include "base/status.h"
#include "dialogue/answer_feed.h"
#include "dialogue/service.h"
#include "knowledge/kb_store.h"
#include "knowledge/live_knowledge.h"
#include "storage/database.h"
#include "tickets/intake.h"
#include "tickets/sla_calendar.h"
#include "tickets/work_orders.h"

namespace zx::app {

// Flags every sub-command takes; empty means "not given".
struct CommonFlags {
  std::string config_file;
  std::string data_dir;
  std::string kb_dir;
  std::string as_of;  // ask --as-of: the knowledge base as it stood on that date
};

struct AppContext {
  Config config;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<knowledge::KnowledgeStore> kb_store;  // seeded from kb/ (kb_store.h)
  std::unique_ptr<knowledge::LiveKnowledge> engine;     // swapped on publish (live_knowledge.h)
  // Work orders (src/tickets): time limits on the holiday calendar (KB/calendar), the orders,
  // and intake (auto-fill with the learned router, then create) that conversations, `zhixian
  // tickets` and the HTTP routes share. Before the dialogue, whose create_ticket action uses them.
  std::unique_ptr<tickets::SlaCalendar> sla;
  std::unique_ptr<tickets::WorkOrders> work_orders;
  std::unique_ptr<tickets::AutoFiller> autofill;
  std::unique_ptr<tickets::Intake> intake;
  std::unique_ptr<dialogue::DialogueService> dialogue;
  std::unique_ptr<dialogue::AnswerRecording> answers;  // hits, unanswered questions (issue 14)
};

// Loads the configuration (flags win over file and environment).
Result<Config> LoadAppConfig(const CommonFlags& flags);
// Prepares the data directory (private, 0700) and opens DATA/zhixian.db in it.
Result<std::unique_ptr<storage::Database>> OpenAppDatabase(const Config& config);
// Creates the data directory, opens the database, seeds its knowledge base from kb/, builds the
// engine from what citizens get today (flags.as_of), the work orders, the dialogue service over
// them (flows, emotions and risks from the same kb directory; a complaint makes its work order).
Result<std::unique_ptr<AppContext>> OpenApp(const CommonFlags& flags);

}  // namespace zx::app
