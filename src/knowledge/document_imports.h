// DocumentImports: policy documents (PDF, DOCX) uploaded by editors become proposed draft
// entries, in the background (issue 14, "document import").
//
//   Upload   keeps the file (DIR/<id>.pdf|docx, 0600, DIR private) and queues a job;
//   worker   reads its text (text/document_text.h) with progress, proposes entries
//            (knowledge/document_proposals.h) with their overlaps, and leaves the job "review",
//            or "failed" with a code (encrypted, no_text, too_large, unsupported, corrupt);
//   editors  edit a proposal's fields, accept it (it becomes a DRAFT through DraftMaker, never a
//            published entry) or reject it with a reason; the job is "done" when none is open.
//
// Jobs live in the database (knowledge/document_store.h). Open recovers what a killed process
// left: a job that was parsing is queued again (failed after kMaxAttempts), every queued job is
// read again. One worker thread reads documents one at a time. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/worker.h"
#include "knowledge/document_proposals.h"
#include "knowledge/document_rules.h"
#include "knowledge/document_store.h"
#include "knowledge/entry.h"
#include "knowledge/kb_store.h"
#include "knowledge/knowledge_config.h"
#include "knowledge/written_assistant.h"
#include "security/roles.h"
#include "storage/database.h"
#include "text/document_text.h"

namespace zx::knowledge {

// Makes a draft of an entry (KnowledgeStore::CreateDraft); connected by app.
using DraftMaker =
    std::function<Result<VersionRef>(const Entry&, const security::Principal&, std::string note)>;

struct DocumentImportOptions {
  std::string dir;              // where the originals are kept (DATA/documents)
  text::DocumentLimits limits;  // knowledge.document_max_mb, knowledge.document_max_pages
  int max_attempts = 3;         // parses begun before a job that keeps stopping is failed
};

// The options of the [knowledge] section, with the originals under DATA_DIR/documents.
DocumentImportOptions DocumentImportOptionsFrom(const KnowledgeConfig& config,
                                                const std::string& data_dir);

// What an editor may change in a proposal before accepting it; absent fields stay.
struct ProposalEdit {
  std::optional<std::string> title, answer, source, doc_number, effective;
};

// How an accepted proposal becomes an entry.
struct AcceptRequest {
  std::string entry_id;          // "yb.outpatient_deductible" (area.name)
  std::string kind = "faq";      // faq | calc | complaint | query
  std::string department = "-";  // a code of kb/departments.tsv, or "-"
  std::string sla = "-";         // 2h | 24h | 7d | -
  std::string note;              // the change note; a default names the document
};

struct DocumentDetail {
  DocumentJob job;
  std::vector<StoredProposal> proposals;
};

struct AcceptResult {
  VersionRef draft;
  StoredProposal proposal;
};

class DocumentImports {
 public:
  // `overlaps` and `drafts` may be null (no overlaps shown; Accept answers kUnavailable).
  // `writer` (may be null; outlives this) writes each proposal's answer from its section for
  // citizens ([llm] drafts); a proposal it wrote carries written_by, one it did not keeps the
  // section's text.
  static Result<std::unique_ptr<DocumentImports>> Open(storage::Database& db, const Clock& clock,
                                                       DocumentImportOptions options,
                                                       DocumentRules rules, OverlapFinder overlaps,
                                                       DraftMaker drafts,
                                                       const AnswerWriter* writer = nullptr);
  ~DocumentImports();

  // A new job for `bytes` named `name`: kInvalidArgument for an empty file or name,
  // kResourceExhausted ("too_large") over the size limit, kInvalidArgument ("unsupported")
  // for a file that is neither a PDF nor a zip.
  Result<DocumentJob> Upload(std::string name, std::string_view bytes,
                             const security::Principal& by);
  Result<std::vector<DocumentJob>> List(int limit = 200) const;
  Result<DocumentDetail> Get(const std::string& id) const;
  // The original file's path and its kind ("pdf" | "docx"); kNotFound when gone.
  Result<std::pair<std::string, std::string>> Original(const std::string& id) const;

  // kFailedPrecondition when the job is not in review or the proposal not open; kInvalidArgument
  // for an effective date that is not YYYY-MM-DD or an empty title or answer.
  Result<StoredProposal> Edit(const std::string& id, int n, const ProposalEdit& edit);
  Result<AcceptResult> Accept(const std::string& id, int n, const AcceptRequest& request,
                              const security::Principal& by);
  Result<StoredProposal> Reject(const std::string& id, int n, const std::string& reason,
                                const security::Principal& by);

  // Waits until the jobs posted so far have run (tests).
  void Flush() { worker_.Flush(); }

 private:
  DocumentImports(storage::Database& db, const Clock& clock, DocumentImportOptions options,
                  DocumentRules rules, OverlapFinder overlaps, DraftMaker drafts,
                  const AnswerWriter* writer, std::unique_ptr<DocumentStore> store);
  void Process(const std::string& id);
  std::string PathOf(const std::string& id, const std::string& kind) const;
  Result<StoredProposal> OpenProposal(const std::string& id, int n) const;

  const Clock& clock_;
  const DocumentImportOptions options_;
  const DocumentRules rules_;
  const OverlapFinder overlaps_;
  const DraftMaker drafts_;
  const AnswerWriter* const writer_;
  std::unique_ptr<DocumentStore> store_;
  std::mutex decide_mu_;  // one edit, accept or reject at a time
  Worker worker_;         // last: its thread starts after the members it uses
};

// The whole wiring of serve: rules from KB_DIR/documents.toml, originals under the data
// directory, overlaps from the engine `current` gives at the time (empty: none). Null, with the
// error logged, when it cannot open: the server runs on and the document routes answer 503.
std::unique_ptr<DocumentImports> OpenDocumentImports(
    storage::Database& db, const KnowledgeConfig& config, const std::string& data_dir,
    std::function<std::shared_ptr<const KnowledgeEngine>()> current, DraftMaker drafts = nullptr,
    const AnswerWriter* writer = nullptr);

}  // namespace zx::knowledge
