// HTTP routes of the knowledge base's entries and versions (knowledge/kb_store.h), a route set
// (http/router.h): the console's list, editor, review queue, versions, diff and export. The
// store decides what is legal for a version (409 with its message otherwise; 403 for one's own
// version unless an administrator publishes alone); these routes decide who may ask.
//
//   GET  /api/v1/kb/areas                               kb.manage -> {"areas": [Area]}
//   GET  /api/v1/kb/entries?area&kind&status&q&page=1&per_page=20 (1-200)
//        &sort=id|title|effective|version|hits (a leading - sorts descending; default: kb/ order)
//                                                       kb.manage -> {"total", "page",
//                                                       "per_page", "items": [row]}
//   GET  /api/v1/kb/entries/{id}                        kb.manage -> {"current": version,
//                                                       "versions": [version without lists]}
//   GET  /api/v1/kb/entries/{id}/versions/{v}           kb.manage -> version
//   POST /api/v1/kb/entries                             kb.edit   {fields, "note"} -> 201 draft
//   PUT  /api/v1/kb/entries/{id}/draft                  kb.edit   {fields, "note"} -> draft
//   POST /api/v1/kb/entries/{id}/phrasings              kb.edit   {"phrasings", "note"} -> draft
//   POST /api/v1/kb/entries/{id}/versions/{v}/submit    kb.edit   -> version
//   POST /api/v1/kb/entries/{id}/versions/{v}/approve   kb.review {"effective", "note"} -> version
//   POST /api/v1/kb/entries/{id}/versions/{v}/reject    kb.review {"reason"} -> version
//   POST /api/v1/kb/entries/{id}/versions/{v}/restore   kb.edit   -> the draft
//   GET  /api/v1/kb/entries/{id}/diff?from=V&to=W       kb.manage -> {"fields", "answer"}
//   GET  /api/v1/kb/review                              kb.review -> {"items": [version]}
//   GET  /api/v1/kb/export?format=toml|xlsx&area=yb     kb.manage -> the file (attachment)
//
// Every change is audited under the entry id (object type "kb_entry"): kb.create, kb.draft,
// kb.phrasings, kb.submit, kb.approve (kb.publish_alone when an administrator approved their own
// version), kb.reject, kb.restore; and kb.export. A validation error is 400 with
// {"error": {"code", "message", "field"}}, "field" naming the entry field ("phrasings[3]").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "http/router.h"
#include "knowledge/kb_store.h"
#include "security/audit.h"

namespace zx::http {

// Topic -> answers given from it in the last 7 days (the list's hits_7d; 0 without it).
using KbHits = std::function<std::map<std::string, int64_t>()>;

// `store` and `audit` must outlive the router.
void AddKbEntryRoutes(Router& router, knowledge::KnowledgeStore& store, security::AuditLog& audit,
                      KbHits hits_7d = {});

}  // namespace zx::http
