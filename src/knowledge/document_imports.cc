#include "knowledge/document_imports.h"

#include <cstdio>
#include <filesystem>

#include "base/china_date.h"
#include "base/file.h"
#include "base/log.h"
#include "knowledge/loader.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "text/utf8.h"

namespace zx::knowledge {
namespace {

constexpr int kParsingShare = 80;  // progress while reading; the rest while proposing
constexpr size_t kMaxTitle = 200;  // bytes
constexpr size_t kMaxAnswer = 20000;
constexpr size_t kMaxField = 200;
constexpr size_t kMaxReason = 500;
Status FieldError(const char* field, const std::string& why) {
  return InvalidArgument(std::string(field) + " " + why);
}

// A text field of a proposal: UTF-8, not blank, at most `max` bytes.
Status CheckText(const char* field, const std::string& value, size_t max, bool required) {
  if (text::utf8::FindIllFormed(value)) return FieldError(field, "is not valid UTF-8");
  if (required && value.find_first_not_of(" \t\r\n") == std::string::npos)
    return FieldError(field, "must not be empty");
  if (value.size() > max)
    return FieldError(field, "is longer than " + std::to_string(max) + " bytes");
  return Status::Ok();
}

}  // namespace

DocumentImportOptions DocumentImportOptionsFrom(const KnowledgeConfig& config,
                                                const std::string& data_dir) {
  DocumentImportOptions o;
  o.dir = data_dir + "/documents";
  o.limits.max_bytes = static_cast<uint64_t>(config.document_max_mb) << 20;
  o.limits.max_pages = config.document_max_pages;
  return o;
}

Result<std::unique_ptr<DocumentImports>> DocumentImports::Open(
    storage::Database& db, const Clock& clock, DocumentImportOptions options, DocumentRules rules,
    OverlapFinder overlaps, DraftMaker drafts, const AnswerWriter* writer) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  std::filesystem::permissions(options.dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (ec)
    return Unavailable(options.dir + ": cannot make the documents directory: " + ec.message());
  ZX_ASSIGN_OR_RETURN(std::unique_ptr<DocumentStore> store, DocumentStore::Open(db));
  ZX_ASSIGN_OR_RETURN(std::vector<std::string> queued,
                      store->Recover(options.max_attempts, clock.NowUnixMillis()));
  std::unique_ptr<DocumentImports> imports(
      new DocumentImports(db, clock, std::move(options), std::move(rules), std::move(overlaps),
                          std::move(drafts), writer, std::move(store)));
  for (const std::string& id : queued) {
    log::Info("kb.document.requeued document={}", id);
    imports->worker_.Post([p = imports.get(), id] { p->Process(id); });
  }
  return imports;
}

DocumentImports::DocumentImports(storage::Database&, const Clock& clock,
                                 DocumentImportOptions options, DocumentRules rules,
                                 OverlapFinder overlaps, DraftMaker drafts,
                                 const AnswerWriter* writer, std::unique_ptr<DocumentStore> store)
    : clock_(clock),
      options_(std::move(options)),
      rules_(std::move(rules)),
      overlaps_(std::move(overlaps)),
      drafts_(std::move(drafts)),
      writer_(writer),
      store_(std::move(store)),
      worker_("zx-documents", clock) {}

DocumentImports::~DocumentImports() { worker_.Stop(); }

std::string DocumentImports::PathOf(const std::string& id, const std::string& kind) const {
  return options_.dir + "/" + id + "." + kind;
}

Result<DocumentJob> DocumentImports::Upload(std::string name, std::string_view bytes,
                                            const security::Principal& by) {
  if (auto slash = name.find_last_of("/\\"); slash != std::string::npos) name.erase(0, slash + 1);
  ZX_RETURN_IF_ERROR(CheckText("name", name, kMaxField, true));
  if (bytes.empty()) return InvalidArgument("the file is empty");
  if (bytes.size() > options_.limits.max_bytes) {
    return ResourceExhausted("文件大小超过上限 " + std::to_string(options_.limits.max_bytes >> 20) +
                             " MB：请压缩或拆分后再上传");
  }
  text::DocumentKind kind = text::SniffDocumentKind(bytes.substr(0, 1024));
  if (kind == text::DocumentKind::kUnknown) {
    return InvalidArgument("只支持 PDF 和 DOCX 文件：请另存为其中一种再上传");
  }
  DocumentJob job;
  job.id = "doc" + security::HexEncode(security::RandomBytes(12));
  job.name = name;
  job.kind = std::string(text::DocumentKindName(kind));
  job.bytes = static_cast<int64_t>(bytes.size());
  job.status = kDocQueued;
  job.uploaded_by = by.name;
  job.created_ms = job.updated_ms = clock_.NowUnixMillis();
  const std::string path = PathOf(job.id, job.kind);
  ZX_RETURN_IF_ERROR(ReplaceFile(path, bytes));  // 0600
  if (Status s = store_->Insert(job); !s.ok()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return s;
  }
  log::Info("kb.document.queued document={} kind={} bytes={}", job.id, job.kind, job.bytes);
  worker_.Post([this, id = job.id] { Process(id); });
  return job;
}

void DocumentImports::Process(const std::string& id) {
  auto begun = store_->BeginParsing(id, clock_.NowUnixMillis());
  if (!begun.ok() || !*begun) return;
  auto job = store_->Get(id);
  if (!job.ok()) return;
  int reported = 0;
  text::DocumentText doc =
      text::ExtractDocumentText(PathOf(id, job->kind), options_.limits, [&](int done, int total) {
        int progress = total > 0 ? done * kParsingShare / total : 0;
        if (progress >= reported + 5) {
          reported = progress;
          (void)store_->SetProgress(id, progress, clock_.NowUnixMillis());
        }
      });
  Status saved;
  if (!doc.ok()) {
    log::Info("kb.document.failed document={} code={}", id, doc.problem);
    saved = store_->Fail(id, doc.problem, doc.message, clock_.NowUnixMillis());
  } else {
    (void)store_->SetProgress(id, kParsingShare, clock_.NowUnixMillis());
    DocumentAnalysis analysis = ProposeEntries(doc, rules_, overlaps_);
    // A citizen's answer written from each section, checked against it; the editor reviews it
    // as model-written (the section stays beside it as the excerpt).
    if (writer_)
      for (Proposal& p : analysis.proposals)
        if (auto w = writer_->Write("", p.title, p.excerpt, /*spoken=*/false)) {
          p.answer = w->text;
          p.written_by = w->written_by;
        }
    saved = store_->SaveAnalysis(id, doc.Joined(), doc.pages, analysis, clock_.NowUnixMillis());
    log::Info("kb.document.parsed document={} paragraphs={} proposals={}", id,
              doc.paragraphs.size(), analysis.proposals.size());
  }
  // A database that refused the result leaves the job "parsing": the next start reads it again.
  if (!saved.ok())
    log::Warn("kb.document.save_failed document={} error=\"{}\"", id, saved.message());
}

Result<std::vector<DocumentJob>> DocumentImports::List(int limit) const {
  return store_->List(limit);
}

Result<DocumentDetail> DocumentImports::Get(const std::string& id) const {
  DocumentDetail d;
  ZX_ASSIGN_OR_RETURN(d.job, store_->Get(id));
  ZX_ASSIGN_OR_RETURN(d.proposals, store_->Proposals(id));
  return d;
}

Result<std::pair<std::string, std::string>> DocumentImports::Original(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(DocumentJob job, store_->Get(id));
  std::string path = PathOf(job.id, job.kind);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFound("the original file is gone");
  return std::make_pair(path, job.kind);
}

Result<StoredProposal> DocumentImports::OpenProposal(const std::string& id, int n) const {
  ZX_ASSIGN_OR_RETURN(DocumentJob job, store_->Get(id));
  ZX_ASSIGN_OR_RETURN(StoredProposal p, store_->GetProposal(id, n));
  if (job.status != kDocReview || p.state != kProposalOpen)
    return FailedPrecondition("the proposal is " + p.state + ", no longer open");
  return p;
}

Result<StoredProposal> DocumentImports::Edit(const std::string& id, int n,
                                             const ProposalEdit& edit) {
  std::lock_guard<std::mutex> lock(decide_mu_);
  ZX_ASSIGN_OR_RETURN(StoredProposal p, OpenProposal(id, n));
  Proposal& q = p.proposal;
  if (edit.title) q.title = *edit.title;
  if (edit.answer) q.answer = *edit.answer;
  if (edit.source) q.source = *edit.source;
  if (edit.doc_number) q.doc_number = *edit.doc_number;
  if (edit.effective) q.effective = *edit.effective;
  ZX_RETURN_IF_ERROR(CheckText("title", q.title, kMaxTitle, true));
  ZX_RETURN_IF_ERROR(CheckText("answer", q.answer, kMaxAnswer, true));
  ZX_RETURN_IF_ERROR(CheckText("source", q.source, kMaxField, false));
  ZX_RETURN_IF_ERROR(CheckText("doc_number", q.doc_number, kMaxField, false));
  if (!q.effective.empty() && !IsDate(q.effective))
    return FieldError("effective", "must be a date YYYY-MM-DD");
  ZX_RETURN_IF_ERROR(store_->UpdateProposal(id, q));
  return store_->GetProposal(id, n);
}

Result<AcceptResult> DocumentImports::Accept(const std::string& id, int n,
                                             const AcceptRequest& request,
                                             const security::Principal& by) {
  // A policy document never makes a conversation entry (meta); the rest is the loader's rules.
  if (request.kind == "meta") return FieldError("kind", "must be faq, calc, complaint or query");
  ZX_RETURN_IF_ERROR(CheckText("note", request.note, kMaxReason, false));
  if (!drafts_)
    return Unavailable("drafts cannot be made yet: the knowledge store is not connected");
  std::lock_guard<std::mutex> lock(decide_mu_);
  ZX_ASSIGN_OR_RETURN(StoredProposal p, OpenProposal(id, n));
  ZX_ASSIGN_OR_RETURN(DocumentJob job, store_->Get(id));
  const Proposal& q = p.proposal;
  Entry e;
  e.id = request.entry_id;
  e.kind = request.kind;
  e.department = request.department;
  e.sla = request.sla;
  e.title = q.title;
  e.effective = q.effective.empty() ? ChinaDate(clock_.NowUnixMillis()) : q.effective;
  e.source = q.source;
  e.answer = q.answer;
  e.origin = "document " + id + " proposal " + std::to_string(n);
  if (auto problem = CheckEntry(e, {}, /*draft=*/true))
    return FieldError(problem->field == "id" ? "entry_id" : problem->field.c_str(),
                      problem->message);
  std::string note = request.note;
  if (note.empty()) {
    note = "导入自《" + job.name + "》第 " + std::to_string(n) + " 条建议";
    if (!q.doc_number.empty()) note += "（" + q.doc_number + "）";
  }
  ZX_ASSIGN_OR_RETURN(VersionRef draft, drafts_(e, by, note));
  ZX_RETURN_IF_ERROR(store_->Decide(id, n, kProposalAccepted, "", draft.id, draft.version, by.name,
                                    clock_.NowUnixMillis()));
  ZX_ASSIGN_OR_RETURN(StoredProposal decided, store_->GetProposal(id, n));
  return AcceptResult{draft, std::move(decided)};
}

Result<StoredProposal> DocumentImports::Reject(const std::string& id, int n,
                                               const std::string& reason,
                                               const security::Principal& by) {
  ZX_RETURN_IF_ERROR(CheckText("reason", reason, kMaxReason, true));
  std::lock_guard<std::mutex> lock(decide_mu_);
  ZX_RETURN_IF_ERROR(OpenProposal(id, n).status());
  ZX_RETURN_IF_ERROR(
      store_->Decide(id, n, kProposalRejected, reason, "", 0, by.name, clock_.NowUnixMillis()));
  return store_->GetProposal(id, n);
}

std::unique_ptr<DocumentImports> OpenDocumentImports(
    storage::Database& db, const KnowledgeConfig& config, const std::string& data_dir,
    std::function<std::shared_ptr<const KnowledgeEngine>()> current, DraftMaker drafts,
    const AnswerWriter* writer) {
  auto rules = LoadDocumentRules(config.kb_dir + "/documents.toml");
  auto imports = rules.ok()
                     ? DocumentImports::Open(
                           db, SystemClock::Instance(), DocumentImportOptionsFrom(config, data_dir),
                           std::move(*rules), current ? EngineOverlaps(current) : OverlapFinder(),
                           std::move(drafts), writer)
                     : Result<std::unique_ptr<DocumentImports>>(rules.status());
  if (!imports.ok()) {
    log::Error(
        "kb.documents.unavailable error=\"{}\" fix=\"check {}/documents.toml and the data "
        "directory\"",
        imports.status().message(), config.kb_dir);
    return nullptr;
  }
  return std::move(imports).value();
}

}  // namespace zx::knowledge
