// Policy-document imports as JSON (knowledge/document_imports.h): the one place their wire form
// is written and read, for the routes of http/kb_document_routes.h (api/openapi.yaml:
// KbDocument, KbDocumentSummary, KbProposal). Times are unix milliseconds; an error is null when
// there is none, a draft null until the proposal is accepted.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "knowledge/document_imports.h"

namespace zx::http {

// {"code", "message"} of a failed job, or null.
nlohmann::ordered_json DocumentErrorJson(const knowledge::DocumentJob& job);
// {"id", "name", "kind", "status", "progress", "error", "proposals", "open_proposals",
//  "uploaded_by", "created_ms", "updated_ms"}
nlohmann::ordered_json DocumentSummaryJson(const knowledge::DocumentJob& job);
// {"n", "title", "answer", "source", "doc_number", "effective", "excerpt", "overlaps": [{"id",
//  "title", "confidence"}], "state", "reason", "draft": {"id", "version"} | null, "decided_by",
//  "decided_ms"}
nlohmann::ordered_json ProposalJson(const knowledge::StoredProposal& proposal);
// The summary's keys and {"bytes", "pages", "title", "source", "doc_number", "issued",
//  "effective", "text", "proposals": [proposal]} ("proposals" the list, not the count).
nlohmann::ordered_json DocumentDetailJson(const knowledge::DocumentDetail& detail);

// {"title"?, "answer"?, "source"?, "doc_number"?, "effective"?}: each a string when present.
// kInvalidArgument whose message starts with the field's name.
Result<knowledge::ProposalEdit> ProposalEditFromJson(const nlohmann::json& body);
// {"entry_id", "kind"?, "department"?, "sla"?, "note"?}.
Result<knowledge::AcceptRequest> AcceptRequestFromJson(const nlohmann::json& body);

}  // namespace zx::http
