// The hit test (命中测试), check phrasings and the batch test of the staff console
// (knowledge/hit_test.h), api/openapi.yaml "Knowledge base: hit test and batch test":
//
//   POST /api/v1/kb/hit-test                  kb.test   {"question", "source", "as_of"?}
//   GET  /api/v1/kb/hit-tests?limit=50        kb.test   the history, newest first
//   POST /api/v1/kb/hit-tests/{id}/expected   kb.test   {"topic"}: what it should have hit
//   POST /api/v1/kb/check-phrasings           kb.edit   {"entry": version fields}
//   POST /api/v1/kb/batch-tests?source=&as_of=&name=   kb.test   body: TSV, CSV or XLSX
//   GET  /api/v1/kb/batch-tests/{id}          kb.test   the report (JSON)
//   GET  /api/v1/kb/batch-tests/{id}.xlsx     kb.test   every result as a workbook
//
// A test of the published knowledge base runs on the server's thread (a few milliseconds);
// anything that may build an engine (drafts, a date, check phrasings, a batch) runs on the
// routes' own worker thread and answers later (Response::Later), so the I/O threads never wait
// for it; more than kMaxQueued such requests waiting answer 503. The decision "handover" is the
// dialogue's own (DialogueHandoverCheck). Audited: each hit test and batch test saved
// ("kb.hit_test", "kb.batch_test") and each mark ("kb.hit_test_expected"). Errors are the JSON
// errors of http/errors.h, with "field" naming the body field a 400 is about.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "http/router.h"
#include "knowledge/hit_test.h"
#include "knowledge/knowledge_config.h"
#include "security/audit.h"
#include "storage/database.h"

namespace zx::http {

inline constexpr size_t kMaxBatchUploadBytes = 8 << 20;
inline constexpr int kMaxQueued = 8;

// Whether the dialogue would hand a question over at once, by its own detectors: a risk phrase of
// KB_DIR/risks.toml (a category that hands over, not negated), anger at 高 (emotions.toml), or the
// answer's topic meta.human (dialogue/escalation.h DecideEscalation). Errors of loading the files.
Result<knowledge::HandoverCheck> DialogueHandoverCheck(const std::string& kb_dir);

// Adds the routes over `tester`; `audit` must outlive the router.
void AddKbTestRoutes(Router& router, std::shared_ptr<knowledge::HitTester> tester,
                     security::AuditLog& audit);

// What app wires: the store (migrated in `db`), the tester over the sources, the dialogue's
// handover check from config.kb_dir; engines for drafts and dates under DATA/kb-tests. When any
// of it fails the routes exist and answer 503 with the reason (logged at start-up).
struct KbTestWiring {
  storage::Database& db;
  security::AuditLog& audit;
  const knowledge::KnowledgeConfig& config;
  std::string data_dir;
  knowledge::PublishedEngine published;
  knowledge::DraftSource draft = nullptr;  // null: the published knowledge base (no drafts yet)
  knowledge::AsOfSource as_of = nullptr;   // null: as-of tests answer 503
  const Clock* clock = nullptr;            // null: the system clock
};
void AddKbTestRoutes(Router& router, KbTestWiring wiring);

}  // namespace zx::http
