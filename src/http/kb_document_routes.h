// HTTP routes of policy-document import (knowledge/document_imports.h), a route set
// (http/router.h). Every route needs kb.edit (editors, supervisors); the auth middleware checks
// it and records each request; uploads, edits, accepts and rejects are audited besides
// ("kb.document.upload|edit|accept|reject", object "kb_document", the document's id).
//
//   POST /api/v1/kb/documents?name=FILE.pdf  body: the file itself (upload route, up to
//        `max_upload_bytes`) -> 202 {"id", "name", "status": "queued"}. 400 no name or an empty
//        body; 413 too_large over knowledge.document_max_mb; 415 unsupported (not a PDF or DOCX).
//   GET  /api/v1/kb/documents[?limit=1-1000] -> {"items": [summary]} newest first.
//   GET  /api/v1/kb/documents/{id} -> the document: status, progress, error, text, proposals.
//   PUT  /api/v1/kb/documents/{id}/proposals/{n}  {"title"?, "answer"?, "source"?,
//        "doc_number"?, "effective"?} -> the proposal.
//   POST /api/v1/kb/documents/{id}/proposals/{n}/accept  {"entry_id", "kind"?, "department"?,
//        "sla"?, "note"?} -> 201 {"draft": {"id", "version"}, "proposal"}: a DRAFT, never a
//        published entry. 503 while drafts cannot be made (the store is not connected).
//   POST /api/v1/kb/documents/{id}/proposals/{n}/reject  {"reason"} -> the proposal.
//   GET  /api/v1/kb/documents/{id}/original -> the file as uploaded (Content-Disposition:
//        attachment).
// Errors: {"error": {"code", "message", "field"?}}; `field` names the field a 400 is about.
// 404 unknown document or proposal; 409 a proposal no longer open (or a job not in review).
// With `imports` null (it could not open) every route answers 503.
#pragma once

#include <cstddef>

#include "http/router.h"
#include "knowledge/document_imports.h"
#include "security/audit.h"

namespace zx::http {

struct KbDocumentRouteOptions {
  size_t max_upload_bytes = 20u << 20;  // the upload route's body limit (Router::AllowBodyUpTo)
};

// `imports` (may be null) and `audit` must outlive the router.
void AddKbDocumentRoutes(Router& router, knowledge::DocumentImports* imports,
                         security::AuditLog& audit, KbDocumentRouteOptions options = {});

}  // namespace zx::http
