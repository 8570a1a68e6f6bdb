#include "knowledge/document_store.h"

namespace zx::knowledge {
namespace {

// BIGINT for times (unix ms) so that PostgreSQL runs the same schema.
constexpr char kSchema[] = R"sql(
  CREATE TABLE kb_documents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    error_code TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    uploaded_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    doc_number TEXT NOT NULL DEFAULT '',
    issued TEXT NOT NULL DEFAULT '',
    effective TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '');
  CREATE INDEX kb_documents_status ON kb_documents(status, created_ms);
  CREATE TABLE kb_document_proposals (
    document_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    title TEXT NOT NULL,
    answer TEXT NOT NULL,
    source TEXT NOT NULL,
    doc_number TEXT NOT NULL,
    effective TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    draft_id TEXT NOT NULL DEFAULT '',
    draft_version INTEGER NOT NULL DEFAULT 0,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_ms BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, n));
  CREATE TABLE kb_document_overlaps (
    document_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    title TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (document_id, n, ord));
)sql";

constexpr char kJobColumns[] =
    "d.id, d.name, d.kind, d.bytes, d.status, d.progress, d.error_code, d.error_message, "
    "d.pages, d.attempts, d.uploaded_by, d.created_ms, d.updated_ms, d.title, d.source, "
    "d.doc_number, d.issued, d.effective, "
    "(SELECT COUNT(*) FROM kb_document_proposals p WHERE p.document_id = d.id), "
    "(SELECT COUNT(*) FROM kb_document_proposals p WHERE p.document_id = d.id AND p.state = "
    "'open')";

constexpr char kProposalColumns[] =
    "document_id, n, title, answer, source, doc_number, effective, excerpt, state, reason, "
    "draft_id, draft_version, decided_by, decided_ms, written_by";

DocumentJob JobFrom(const storage::Statement& row) {
  DocumentJob j;
  j.id = row.Text(0);
  j.name = row.Text(1);
  j.kind = row.Text(2);
  j.bytes = row.Int(3);
  j.status = row.Text(4);
  j.progress = static_cast<int>(row.Int(5));
  j.error_code = row.Text(6);
  j.error_message = row.Text(7);
  j.pages = static_cast<int>(row.Int(8));
  j.attempts = static_cast<int>(row.Int(9));
  j.uploaded_by = row.Text(10);
  j.created_ms = row.Int(11);
  j.updated_ms = row.Int(12);
  j.title = row.Text(13);
  j.source = row.Text(14);
  j.doc_number = row.Text(15);
  j.issued = row.Text(16);
  j.effective = row.Text(17);
  j.proposals = static_cast<int>(row.Int(18));
  j.open_proposals = static_cast<int>(row.Int(19));
  return j;
}

StoredProposal ProposalFrom(const storage::Statement& row) {
  StoredProposal s;
  s.document_id = row.Text(0);
  s.proposal.n = static_cast<int>(row.Int(1));
  s.proposal.title = row.Text(2);
  s.proposal.answer = row.Text(3);
  s.proposal.source = row.Text(4);
  s.proposal.doc_number = row.Text(5);
  s.proposal.effective = row.Text(6);
  s.proposal.excerpt = row.Text(7);
  s.state = row.Text(8);
  s.reason = row.Text(9);
  s.draft_id = row.Text(10);
  s.draft_version = static_cast<int>(row.Int(11));
  s.decided_by = row.Text(12);
  s.decided_ms = row.Int(13);
  s.proposal.written_by = row.Text(14);
  return s;
}

}  // namespace

Result<std::unique_ptr<DocumentStore>> DocumentStore::Open(storage::Database& db) {
  ZX_RETURN_IF_ERROR(db.Migrate(
      {{"kb_documents", 1, kSchema},
       // Proposals a language model wrote (issue 17: drafts marked as model-written).
       {"kb_documents", 2,
        "ALTER TABLE kb_document_proposals ADD COLUMN written_by TEXT NOT NULL DEFAULT '';"}}));
  return std::unique_ptr<DocumentStore>(new DocumentStore(db));
}

Status DocumentStore::Insert(const DocumentJob& j) {
  ZX_ASSIGN_OR_RETURN(
      storage::Statement st,
      db_.Prepare("INSERT INTO kb_documents (id, name, kind, bytes, status, progress, uploaded_by, "
                  "created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)"));
  st.Bind(1, j.id)
      .Bind(2, j.name)
      .Bind(3, j.kind)
      .Bind(4, j.bytes)
      .Bind(5, j.status)
      .Bind(6, j.uploaded_by)
      .Bind(7, j.created_ms)
      .Bind(8, j.created_ms);
  return st.Run();
}

Result<std::vector<DocumentJob>> DocumentStore::List(int limit) const {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare(std::string("SELECT ") + kJobColumns +
                                  " FROM kb_documents d ORDER BY d.created_ms DESC, d.id LIMIT ?"));
  st.Bind(1, static_cast<int64_t>(limit < 1 ? 1 : limit));
  std::vector<DocumentJob> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(JobFrom(st));
  }
}

Result<DocumentJob> DocumentStore::Get(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare(std::string("SELECT ") + kJobColumns +
                                  ", d.text FROM kb_documents d WHERE d.id = ?"));
  st.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound("no such document");
  DocumentJob j = JobFrom(st);
  j.text = st.Text(20);
  return j;
}

Result<bool> DocumentStore::BeginParsing(const std::string& id, int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("UPDATE kb_documents SET status = ?, progress = 0, attempts = "
                                  "attempts + 1, updated_ms = ? WHERE id = ? AND status = ? "
                                  "RETURNING id"));
  st.Bind(1, kDocParsing).Bind(2, now_ms).Bind(3, id).Bind(4, kDocQueued);
  ZX_ASSIGN_OR_RETURN(bool row, st.Step());
  st.Reset();
  return row;
}

Status DocumentStore::SetProgress(const std::string& id, int progress, int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("UPDATE kb_documents SET progress = ?, updated_ms = ? WHERE id "
                                  "= ? AND status = ?"));
  st.Bind(1, static_cast<int64_t>(progress)).Bind(2, now_ms).Bind(3, id).Bind(4, kDocParsing);
  return st.Run();
}

Status DocumentStore::Fail(const std::string& id, const std::string& code,
                           const std::string& message, int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("UPDATE kb_documents SET status = ?, error_code = ?, "
                                  "error_message = ?, updated_ms = ? WHERE id = ?"));
  st.Bind(1, kDocFailed).Bind(2, code).Bind(3, message).Bind(4, now_ms).Bind(5, id);
  return st.Run();
}

Status DocumentStore::InsertProposals(const std::string& id,
                                      const std::vector<Proposal>& proposals) {
  for (const Proposal& p : proposals) {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement st,
        db_.Prepare("INSERT INTO kb_document_proposals (document_id, n, title, answer, source, "
                    "doc_number, effective, excerpt, state, written_by) VALUES (?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?)"));
    st.Bind(1, id)
        .Bind(2, static_cast<int64_t>(p.n))
        .Bind(3, p.title)
        .Bind(4, p.answer)
        .Bind(5, p.source)
        .Bind(6, p.doc_number)
        .Bind(7, p.effective)
        .Bind(8, p.excerpt)
        .Bind(9, kProposalOpen)
        .Bind(10, p.written_by);
    ZX_RETURN_IF_ERROR(st.Run());
    for (size_t r = 0; r < p.overlaps.size(); ++r) {
      ZX_ASSIGN_OR_RETURN(
          storage::Statement o,
          db_.Prepare("INSERT INTO kb_document_overlaps (document_id, n, ord, entry_id, title, "
                      "confidence) VALUES (?, ?, ?, ?, ?, ?)"));
      o.Bind(1, id)
          .Bind(2, static_cast<int64_t>(p.n))
          .Bind(3, static_cast<int64_t>(r))
          .Bind(4, p.overlaps[r].id)
          .Bind(5, p.overlaps[r].title)
          .Bind(6, p.overlaps[r].confidence);
      ZX_RETURN_IF_ERROR(o.Run());
    }
  }
  return Status::Ok();
}

Status DocumentStore::SaveAnalysis(const std::string& id, const std::string& text, int pages,
                                   const DocumentAnalysis& a, int64_t now_ms) {
  return db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement st,
        db_.Prepare("UPDATE kb_documents SET status = ?, progress = 100, pages = ?, text = ?, "
                    "title = ?, source = ?, doc_number = ?, issued = ?, effective = ?, "
                    "error_code = '', error_message = '', updated_ms = ? WHERE id = ?"));
    st.Bind(1, a.proposals.empty() ? kDocDone : kDocReview)
        .Bind(2, static_cast<int64_t>(pages))
        .Bind(3, text)
        .Bind(4, a.title)
        .Bind(5, a.source)
        .Bind(6, a.doc_number)
        .Bind(7, a.issued)
        .Bind(8, a.effective)
        .Bind(9, now_ms)
        .Bind(10, id);
    ZX_RETURN_IF_ERROR(st.Run());
    // A job parsed again (after a restart) replaces what an earlier run may have left.
    for (const char* table : {"kb_document_overlaps", "kb_document_proposals"}) {
      ZX_ASSIGN_OR_RETURN(storage::Statement del, db_.Prepare(std::string("DELETE FROM ") + table +
                                                              " WHERE document_id = ?"));
      del.Bind(1, id);
      ZX_RETURN_IF_ERROR(del.Run());
    }
    return InsertProposals(id, a.proposals);
  });
}

Result<std::vector<std::string>> DocumentStore::Recover(int max_attempts, int64_t now_ms) {
  ZX_RETURN_IF_ERROR(db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement failed,
        db_.Prepare("UPDATE kb_documents SET status = ?, error_code = 'corrupt', error_message = "
                    "?, updated_ms = ? WHERE status = ? AND attempts >= ?"));
    failed.Bind(1, kDocFailed)
        .Bind(2, "读取这份文件时服务已中断 " + std::to_string(max_attempts) +
                     " 次，文件可能已损坏：请重新导出后再上传")
        .Bind(3, now_ms)
        .Bind(4, kDocParsing)
        .Bind(5, static_cast<int64_t>(max_attempts));
    ZX_RETURN_IF_ERROR(failed.Run());
    ZX_ASSIGN_OR_RETURN(storage::Statement again,
                        db_.Prepare("UPDATE kb_documents SET status = ?, progress = 0, "
                                    "updated_ms = ? WHERE status = ?"));
    again.Bind(1, kDocQueued).Bind(2, now_ms).Bind(3, kDocParsing);
    return again.Run();
  }));
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("SELECT id FROM kb_documents WHERE status = ? ORDER BY "
                                  "created_ms, id"));
  st.Bind(1, kDocQueued);
  std::vector<std::string> ids;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return ids;
    ids.push_back(st.Text(0));
  }
}

Result<std::vector<StoredProposal>> DocumentStore::Proposals(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare(std::string("SELECT ") + kProposalColumns +
                                  " FROM kb_document_proposals WHERE document_id = ? ORDER BY n"));
  st.Bind(1, id);
  std::vector<StoredProposal> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ProposalFrom(st));
  }
  ZX_ASSIGN_OR_RETURN(storage::Statement o,
                      db_.Prepare("SELECT n, entry_id, title, confidence FROM "
                                  "kb_document_overlaps WHERE document_id = ? ORDER BY n, ord"));
  o.Bind(1, id);
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, o.Step());
    if (!row) break;
    int n = static_cast<int>(o.Int(0));
    for (StoredProposal& p : out)
      if (p.proposal.n == n) p.proposal.overlaps.push_back({o.Text(1), o.Text(2), o.Double(3)});
  }
  return out;
}

Result<StoredProposal> DocumentStore::GetProposal(const std::string& id, int n) const {
  ZX_ASSIGN_OR_RETURN(std::vector<StoredProposal> all, Proposals(id));
  for (StoredProposal& p : all)
    if (p.proposal.n == n) return std::move(p);
  return NotFound("no proposal " + std::to_string(n) + " in this document");
}

Status DocumentStore::UpdateProposal(const std::string& id, const Proposal& p) {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("UPDATE kb_document_proposals SET title = ?, answer = ?, source "
                                  "= ?, doc_number = ?, effective = ? WHERE document_id = ? AND "
                                  "n = ? AND state = ? RETURNING n"));
  st.Bind(1, p.title)
      .Bind(2, p.answer)
      .Bind(3, p.source)
      .Bind(4, p.doc_number)
      .Bind(5, p.effective)
      .Bind(6, id)
      .Bind(7, static_cast<int64_t>(p.n))
      .Bind(8, kProposalOpen);
  ZX_ASSIGN_OR_RETURN(bool row, st.Step());
  st.Reset();
  if (!row) return FailedPrecondition("the proposal is no longer open");
  return Status::Ok();
}

Status DocumentStore::Decide(const std::string& id, int n, const std::string& state,
                             const std::string& reason, const std::string& draft_id,
                             int draft_version, const std::string& by, int64_t now_ms) {
  return db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement st,
        db_.Prepare("UPDATE kb_document_proposals SET state = ?, reason = ?, draft_id = ?, "
                    "draft_version = ?, decided_by = ?, decided_ms = ? WHERE document_id = ? AND "
                    "n = ? AND state = ? RETURNING n"));
    st.Bind(1, state)
        .Bind(2, reason)
        .Bind(3, draft_id)
        .Bind(4, static_cast<int64_t>(draft_version))
        .Bind(5, by)
        .Bind(6, now_ms)
        .Bind(7, id)
        .Bind(8, static_cast<int64_t>(n))
        .Bind(9, kProposalOpen);
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    st.Reset();
    if (!row) return FailedPrecondition("the proposal is no longer open");
    ZX_ASSIGN_OR_RETURN(
        storage::Statement done,
        db_.Prepare("UPDATE kb_documents SET status = ?, updated_ms = ? WHERE id = ? AND status "
                    "= ? AND NOT EXISTS (SELECT 1 FROM kb_document_proposals WHERE document_id = "
                    "? AND state = ?)"));
    done.Bind(1, kDocDone)
        .Bind(2, now_ms)
        .Bind(3, id)
        .Bind(4, kDocReview)
        .Bind(5, id)
        .Bind(6, kProposalOpen);
    return done.Run();
  });
}

}  // namespace zx::knowledge
