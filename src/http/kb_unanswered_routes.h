// The questions the knowledge base could not answer, grouped, and the use of its entries (issue
// 14 points 3 and 7), a route set (http/router.h) over knowledge::AnswerLog:
//
//   GET  /api/v1/kb/unanswered                 kb.edit    ?status=open|resolved|dismissed
//        (default open)&limit=N (1-500, default 100) -> {"open": open clusters, "items":
//        [cluster...]} the largest first (http/kb_unanswered_json.h; questions masked).
//   POST /api/v1/kb/unanswered/{id}/phrasings  kb.edit    {"entry_id", "questions": [1-20
//        strings of 1-200 characters], "note"?} -> 200 {"id", "version", "status": "draft",
//        "cluster"}: the questions (masked again) added to the entry's draft as phrasings
//        (KbUnansweredDeps::add_phrasings), the cluster resolved. Audited
//        "kb.unanswered.phrasings".
//   POST /api/v1/kb/unanswered/{id}/resolve    kb.edit    {"entry_id", "version"} -> the
//        cluster, resolved by that new draft entry. Audited "kb.unanswered.resolve".
//   POST /api/v1/kb/unanswered/{id}/dismiss    kb.edit    {"reason": 1-200 characters} -> the
//        cluster, dismissed. Audited "kb.unanswered.dismiss".
//   GET  /api/v1/kb/hits                       kb.manage  ?days=N (1-366, default 7) ->
//        {"since", "days", "topics": {"yb.remote_filing": 12}}: answers per entry from the
//        China date N-1 days before today on (the entries list's hits_7d).
//
// Errors: 400 with "field" for a bad body field, 404 unknown cluster, 409 a cluster already
// closed, 503 when adding phrasings is not wired. Also registers the gauge
// zhixian_kb_unanswered_open (the dashboard's count of open clusters).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "http/router.h"
#include "knowledge/answer_log.h"
#include "knowledge/engine.h"
#include "knowledge/kb_store.h"
#include "security/audit.h"
#include "security/roles.h"

namespace zx::http {

struct KbUnansweredDeps {
  // The entries to suggest for a cluster's label (SuggestWith); empty: none.
  std::function<std::vector<knowledge::Suggestion>(std::string_view question)> suggest;
  // KnowledgeStore::AddDraftPhrasings; empty: the phrasings route answers 503.
  std::function<Result<knowledge::VersionRef>(const std::string& entry_id,
                                              const std::vector<std::string>& phrasings,
                                              const security::Principal& by, std::string note)>
      add_phrasings;
};

// Suggestions ranked by the engine `current` gives at the time (knowledge::SuggestEntries).
std::function<std::vector<knowledge::Suggestion>(std::string_view)> SuggestWith(
    std::function<std::shared_ptr<const knowledge::KnowledgeEngine>()> current);

// `log`, `audit` and `metrics` must outlive the router.
void AddKbUnansweredRoutes(Router& router, knowledge::AnswerLog& log, security::AuditLog& audit,
                           Metrics& metrics, KbUnansweredDeps deps = {});

}  // namespace zx::http
