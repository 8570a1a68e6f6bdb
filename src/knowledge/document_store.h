// DocumentStore: the import jobs of policy documents and their proposed entries, in the database
// (tables kb_documents, kb_document_proposals, kb_document_overlaps; migration "kb_documents").
// The files themselves are kept by DocumentImports (knowledge/document_imports.h).
//
// A job's status: queued -> parsing -> review (proposals to decide) -> done (none open), or
// failed (error code and message). `attempts` counts the times parsing began: a server killed
// while parsing leaves "parsing", which Recover turns back into "queued" (or "failed" when it
// has been tried too often: a document that kills the reader must not kill every start).
//
// Policy documents are public texts: nothing here is personal data. Thread-safe (the database
// is); portable SQL (storage/database.h), times from the caller's clock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "knowledge/document_proposals.h"
#include "storage/database.h"

namespace zx::knowledge {

inline constexpr char kDocQueued[] = "queued";
inline constexpr char kDocParsing[] = "parsing";
inline constexpr char kDocReview[] = "review";
inline constexpr char kDocFailed[] = "failed";
inline constexpr char kDocDone[] = "done";

inline constexpr char kProposalOpen[] = "open";
inline constexpr char kProposalAccepted[] = "accepted";
inline constexpr char kProposalRejected[] = "rejected";

struct DocumentJob {
  std::string id;    // "doc" + 24 hex digits
  std::string name;  // as uploaded ("细则.pdf")
  std::string kind;  // "pdf" | "docx"
  int64_t bytes = 0;
  std::string status;         // kDocQueued, ...
  int progress = 0;           // 0-100
  std::string error_code;     // "" or encrypted, no_text, too_large, unsupported, corrupt
  std::string error_message;  // for people
  int pages = 0;
  int attempts = 0;
  std::string uploaded_by;  // the principal's name
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  int proposals = 0;  // how many were proposed (open ones in `open_proposals`)
  int open_proposals = 0;
  // What the document says of itself (filled once parsed).
  std::string title, source, doc_number, issued, effective;
  std::string text;  // the extracted text (Get only; List leaves it empty)
};

struct StoredProposal {
  std::string document_id;
  Proposal proposal;
  std::string state = kProposalOpen;  // kProposalOpen, kProposalAccepted, kProposalRejected
  std::string reason;                 // why it was rejected
  std::string draft_id;               // the draft an accepted one became
  int draft_version = 0;
  std::string decided_by;
  int64_t decided_ms = 0;
};

class DocumentStore {
 public:
  static Result<std::unique_ptr<DocumentStore>> Open(storage::Database& db);

  Status Insert(const DocumentJob& job);
  // Newest first, at most `limit`, without their text.
  Result<std::vector<DocumentJob>> List(int limit) const;
  // kNotFound for an unknown id.
  Result<DocumentJob> Get(const std::string& id) const;

  // queued -> parsing, attempts + 1; false when the job is not queued (gone, or taken).
  Result<bool> BeginParsing(const std::string& id, int64_t now_ms);
  Status SetProgress(const std::string& id, int progress, int64_t now_ms);
  Status Fail(const std::string& id, const std::string& code, const std::string& message,
              int64_t now_ms);
  // parsing -> review with the text, the document's fields and its proposals, in one
  // transaction (done at once when there are no proposals).
  Status SaveAnalysis(const std::string& id, const std::string& text, int pages,
                      const DocumentAnalysis& analysis, int64_t now_ms);

  // Jobs left "parsing" by a process that stopped: back to "queued", or "failed" (corrupt) when
  // they were begun `max_attempts` times already. Returns the queued jobs' ids, oldest first.
  Result<std::vector<std::string>> Recover(int max_attempts, int64_t now_ms);

  Result<std::vector<StoredProposal>> Proposals(const std::string& id) const;
  // kNotFound for an unknown document or number.
  Result<StoredProposal> GetProposal(const std::string& id, int n) const;
  // The editable fields of an open proposal (title, answer, source, doc_number, effective).
  Status UpdateProposal(const std::string& id, const Proposal& p);
  // open -> accepted (with its draft) or rejected (with the reason); the job becomes done when
  // no proposal is open. kFailedPrecondition when the proposal is not open.
  Status Decide(const std::string& id, int n, const std::string& state, const std::string& reason,
                const std::string& draft_id, int draft_version, const std::string& by,
                int64_t now_ms);

 private:
  explicit DocumentStore(storage::Database& db) : db_(db) {}
  Status InsertProposals(const std::string& id, const std::vector<Proposal>& proposals);
  storage::Database& db_;
};

}  // namespace zx::knowledge
