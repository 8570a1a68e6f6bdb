// Import jobs of policy documents (knowledge/document_imports.h) over a database, sample files
// the test writes (text/testing/sample_documents.h) and a fake DraftMaker: a PDF and a DOCX
// through queued -> parsing -> review -> done, the original kept private, each failure with its
// code, a job left "parsing" by a killed server read again at start (and failed after too many
// tries), edits, accept (a draft, never published) and reject.
#include "knowledge/document_imports.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/testing/temp_dir.h"
#include "storage/testing/test_database.h"
#include "text/testing/sample_documents.h"

namespace zx::knowledge {
namespace {

constexpr int64_t kNow = 1796608800000;  // 2026-12-07 10:00 China time

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

security::Principal Editor(const std::string& name = "editor1") {
  security::Principal p;
  p.kind = security::Principal::Kind::kUser;
  p.id = "u:7";
  p.name = name;
  p.role = security::Role::kEditor;
  return p;
}

class DocumentImportsTest : public ::testing::Test {
 protected:
  DocumentImportsTest() : clock_(kNow) {
    db_ = std::move(
        storage::OpenDatabase(storage::testing::TestDatabasePlace(dir_.File("zx.db")).value())
            .value());
    auto rules = LoadDocumentRules(std::string(ZX_SOURCE_DIR) + "/kb/documents.toml");
    EXPECT_TRUE(rules.ok()) << rules.status().message();
    rules_ = *rules;
    options_.dir = dir_.File("documents");
  }

  std::unique_ptr<DocumentImports> Open(bool with_drafts = true) {
    DraftMaker drafts = nullptr;
    if (with_drafts) {
      drafts = [this](const Entry& e, const security::Principal& by,
                      std::string note) -> Result<VersionRef> {
        if (e.id == "yb.exists") return Status(Code::kAlreadyExists, "entry yb.exists exists");
        drafts_.push_back({e, by.name, note});
        return VersionRef{e.id, 2};
      };
    }
    OverlapFinder overlaps = [](const std::string&) {
      return std::vector<Overlap>{{"yb.outpatient_pool", "职工门诊共济保障", 0.6}};
    };
    auto r = DocumentImports::Open(*db_, clock_, options_, rules_, overlaps, drafts);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  std::string SamplePdf() {
    std::string path = dir_.File("sample.pdf");
    EXPECT_TRUE(text::testing::WritePdf(path, {text::testing::SamplePolicyLines()}));
    return ReadAll(path);
  }

  struct Made {
    Entry entry;
    std::string by, note;
  };
  zx::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<storage::Database> db_;
  DocumentRules rules_;
  DocumentImportOptions options_;
  std::vector<Made> drafts_;
};

TEST_F(DocumentImportsTest, APdfBecomesProposalsToReview) {
  auto imports = Open();
  auto job = imports->Upload("细则.pdf", SamplePdf(), Editor());
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->status, kDocQueued);
  EXPECT_EQ(job->kind, "pdf");
  EXPECT_EQ(job->id.rfind("doc", 0), 0u);
  imports->Flush();
  auto d = imports->Get(job->id);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->job.status, kDocReview) << d->job.error_message;
  EXPECT_EQ(d->job.progress, 100);
  EXPECT_EQ(d->job.pages, 1);
  EXPECT_EQ(d->job.uploaded_by, "editor1");
  EXPECT_EQ(d->job.doc_number, "示医保发〔2025〕12号");
  EXPECT_EQ(d->job.source, "示例市医疗保障局");
  EXPECT_EQ(d->job.effective, "2025-03-01");
  EXPECT_NE(d->job.text.find("第二条普通门诊统筹起付标准"), std::string::npos);
  ASSERT_EQ(d->proposals.size(), 3u);
  EXPECT_EQ(d->proposals[0].proposal.title, "普通门诊统筹起付标准");
  EXPECT_EQ(d->proposals[0].state, kProposalOpen);
  ASSERT_EQ(d->proposals[0].proposal.overlaps.size(), 1u);
  EXPECT_EQ(d->proposals[0].proposal.overlaps[0].id, "yb.outpatient_pool");
  // The original, kept as uploaded and private.
  auto original = imports->Original(job->id);
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(original->second, "pdf");
  EXPECT_EQ(ReadAll(original->first), SamplePdf());
  struct stat st {};
  ASSERT_EQ(::stat(original->first.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(options_.dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto list = imports->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].proposals, 3);
  EXPECT_EQ((*list)[0].open_proposals, 3);
  EXPECT_TRUE((*list)[0].text.empty());
}

TEST_F(DocumentImportsTest, ADocxToo) {
  auto imports = Open();
  std::string path = dir_.File("notice.docx");
  ASSERT_TRUE(text::testing::WriteDocx(
      path, {{"示例市人力资源和社会保障局关于调整失业保险金标准的通知", "Title", {}},
             {"示人社发[2024]7号", "", {}},
             {"一、调整标准", "Heading1", {}},
             {"失业保险金标准由每月1850元调整为每月1980元。", "", {}},
             {"二、办理渠道", "Heading1", {}},
             {"", "", {{"线上", "示例市人社APP"}, {"线下", "各区就业服务中心"}}},
             {"三、本通知自2024年7月1日起执行。", "", {}}}));
  auto job = imports->Upload("notice.docx", ReadAll(path), Editor());
  ASSERT_TRUE(job.ok()) << job.status().message();
  imports->Flush();
  auto d = imports->Get(job->id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->job.kind, "docx");
  EXPECT_EQ(d->job.status, kDocReview) << d->job.error_message;
  EXPECT_EQ(d->job.doc_number, "示人社发〔2024〕7号");
  ASSERT_EQ(d->proposals.size(), 2u);
  EXPECT_EQ(d->proposals[1].proposal.title, "办理渠道");
  EXPECT_EQ(d->proposals[1].proposal.answer, "线上 | 示例市人社APP\n线下 | 各区就业服务中心");
  EXPECT_EQ(d->proposals[1].proposal.effective, "2024-07-01");
}

TEST_F(DocumentImportsTest, FailuresCarryTheirCodes) {
  auto imports = Open();
  std::string locked = dir_.File("locked.pdf");
  ASSERT_TRUE(text::testing::WritePdf(dir_.File("p.pdf"), {text::testing::SamplePolicyLines()}));
  ASSERT_TRUE(text::testing::EncryptPdf(dir_.File("p.pdf"), locked));
  ASSERT_TRUE(text::testing::WriteImagePdf(dir_.File("scan.pdf")));
  std::vector<std::pair<std::string, std::string>> cases = {
      {ReadAll(locked), "encrypted"},
      {ReadAll(dir_.File("scan.pdf")), "no_text"},
      {"%PDF-1.4\nbroken", "corrupt"}};
  std::vector<std::string> ids;
  for (const auto& [bytes, code] : cases) {
    auto job = imports->Upload("x.pdf", bytes, Editor());
    ASSERT_TRUE(job.ok()) << code;
    ids.push_back(job->id);
  }
  imports->Flush();
  for (size_t i = 0; i < cases.size(); ++i) {
    auto d = imports->Get(ids[i]);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->job.status, kDocFailed) << cases[i].second;
    EXPECT_EQ(d->job.error_code, cases[i].second);
    EXPECT_FALSE(d->job.error_message.empty());
    EXPECT_TRUE(d->proposals.empty());
  }
  // Refused at once: nothing stored.
  options_.limits.max_bytes = 1000;
  auto small = Open();
  auto big = small->Upload("big.pdf", SamplePdf(), Editor());
  EXPECT_EQ(big.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(small->Upload("a.txt", "纯文本", Editor()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(small->Upload("a.pdf", "", Editor()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(small->Upload("", "%PDF-1.4", Editor()).status().code(), Code::kInvalidArgument);
  // Too many pages: a job that fails too_large.
  options_.limits = {};
  options_.limits.max_pages = 1;
  auto few = Open();
  ASSERT_TRUE(text::testing::WritePdf(dir_.File("two.pdf"), {{"第一页"}, {"第二页"}}));
  auto two = few->Upload("two.pdf", ReadAll(dir_.File("two.pdf")), Editor());
  ASSERT_TRUE(two.ok());
  few->Flush();
  EXPECT_EQ(few->Get(two->id)->job.error_code, "too_large");
}

TEST_F(DocumentImportsTest, AJobAKilledServerLeftParsingIsReadAgain) {
  std::string id;
  {
    auto store = DocumentStore::Open(*db_).value();
    ASSERT_TRUE(std::filesystem::create_directories(options_.dir));
    DocumentJob job;
    job.id = "doc000000000000000000000001";
    job.name = "细则.pdf";
    job.kind = "pdf";
    job.status = kDocQueued;
    job.uploaded_by = "editor1";
    job.created_ms = kNow;
    ASSERT_TRUE(store->Insert(job).ok());
    ASSERT_TRUE(text::testing::WritePdf(options_.dir + "/" + job.id + ".pdf",
                                        {text::testing::SamplePolicyLines()}));
    // Another that has killed the reader three times already.
    DocumentJob other = job;
    other.id = "doc000000000000000000000002";
    ASSERT_TRUE(store->Insert(other).ok());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(*store->BeginParsing(other.id, kNow));
      ASSERT_TRUE(store->Recover(99, kNow).ok());
    }
    ASSERT_TRUE(*store->BeginParsing(other.id, kNow));
    ASSERT_EQ(store->Get(other.id)->attempts, 4);
    ASSERT_TRUE(*store->BeginParsing(job.id, kNow));  // ... and then the process died
    ASSERT_EQ(store->Get(job.id)->status, kDocParsing);
    id = "doc000000000000000000000001";
  }
  auto imports = Open();
  imports->Flush();
  auto d = imports->Get(id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->job.status, kDocReview);
  EXPECT_EQ(d->job.attempts, 2);
  EXPECT_EQ(d->proposals.size(), 3u);
  auto failed = imports->Get("doc000000000000000000000002");
  EXPECT_EQ(failed->job.status, kDocFailed);
  EXPECT_EQ(failed->job.error_code, "corrupt");
}

TEST_F(DocumentImportsTest, EditAcceptAndRejectUntilDone) {
  auto imports = Open();
  auto job = imports->Upload("细则.pdf", SamplePdf(), Editor());
  ASSERT_TRUE(job.ok());
  imports->Flush();
  const std::string id = job->id;

  ProposalEdit edit;
  edit.title = "职工普通门诊起付标准是多少";
  edit.effective = "2025-04-01";
  auto edited = imports->Edit(id, 1, edit);
  ASSERT_TRUE(edited.ok()) << edited.status().message();
  EXPECT_EQ(edited->proposal.title, "职工普通门诊起付标准是多少");
  EXPECT_EQ(edited->proposal.effective, "2025-04-01");
  EXPECT_EQ(edited->proposal.source, "示例市医疗保障局");  // untouched
  ProposalEdit bad;
  bad.effective = "2025-4-1";
  EXPECT_EQ(imports->Edit(id, 1, bad).status().code(), Code::kInvalidArgument);
  bad = {};
  bad.answer = " ";
  EXPECT_NE(imports->Edit(id, 1, bad).status().message().find("answer"), std::string::npos);
  EXPECT_EQ(imports->Edit(id, 9, edit).status().code(), Code::kNotFound);

  AcceptRequest req;
  req.entry_id = "yb.outpatient_deductible";
  req.department = "ybj";
  auto accepted = imports->Accept(id, 1, req, Editor("editor2"));
  ASSERT_TRUE(accepted.ok()) << accepted.status().message();
  EXPECT_EQ(accepted->draft.id, "yb.outpatient_deductible");
  EXPECT_EQ(accepted->draft.version, 2);
  EXPECT_EQ(accepted->proposal.state, kProposalAccepted);
  EXPECT_EQ(accepted->proposal.draft_id, "yb.outpatient_deductible");
  EXPECT_EQ(accepted->proposal.decided_by, "editor2");
  ASSERT_EQ(drafts_.size(), 1u);
  const Entry& e = drafts_[0].entry;
  EXPECT_EQ(e.title, "职工普通门诊起付标准是多少");
  EXPECT_EQ(e.effective, "2025-04-01");
  EXPECT_EQ(e.source, "示例市医疗保障局");
  EXPECT_EQ(e.kind, "faq");
  EXPECT_EQ(e.department, "ybj");
  EXPECT_EQ(e.sla, "-");
  EXPECT_NE(e.answer.find("800元"), std::string::npos);
  EXPECT_EQ(drafts_[0].by, "editor2");
  EXPECT_NE(drafts_[0].note.find("示医保发〔2025〕12号"), std::string::npos);
  // Once decided, never again.
  EXPECT_EQ(imports->Accept(id, 1, req, Editor()).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(imports->Reject(id, 1, "重复", Editor()).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(imports->Edit(id, 1, edit).status().code(), Code::kFailedPrecondition);
  // Bad requests, and a draft the store refuses, leave the proposal open.
  req.entry_id = "Bad Id";
  EXPECT_NE(imports->Accept(id, 2, req, Editor()).status().message().find("entry_id"),
            std::string::npos);
  req.entry_id = "yb.exists";
  EXPECT_EQ(imports->Accept(id, 2, req, Editor()).status().code(), Code::kAlreadyExists);
  req.entry_id = "yb.x";
  req.kind = "meta";
  EXPECT_EQ(imports->Accept(id, 2, req, Editor()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(imports->Reject(id, 2, "", Editor()).status().code(), Code::kInvalidArgument);

  auto rejected = imports->Reject(id, 2, "与现有条目重复", Editor());
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->state, kProposalRejected);
  EXPECT_EQ(rejected->reason, "与现有条目重复");
  EXPECT_EQ(imports->Get(id)->job.status, kDocReview);
  // Without its own effective date, the draft takes today's date in China.
  ProposalEdit no_date;
  no_date.effective = "";
  ASSERT_TRUE(imports->Edit(id, 3, no_date).ok());
  req.kind = "faq";
  req.entry_id = "yb.personal_account_family";
  ASSERT_TRUE(imports->Accept(id, 3, req, Editor()).ok());
  EXPECT_EQ(drafts_.back().entry.effective, "2026-12-07");
  auto done = imports->Get(id);
  EXPECT_EQ(done->job.status, kDocDone);
  EXPECT_EQ(done->job.open_proposals, 0);
}

TEST_F(DocumentImportsTest, AcceptWithoutTheStoreConnectedIsUnavailable) {
  auto imports = Open(/*with_drafts=*/false);
  auto job = imports->Upload("细则.pdf", SamplePdf(), Editor());
  ASSERT_TRUE(job.ok());
  imports->Flush();
  AcceptRequest req;
  req.entry_id = "yb.outpatient_deductible";
  EXPECT_EQ(imports->Accept(job->id, 1, req, Editor()).status().code(), Code::kUnavailable);
  EXPECT_EQ(imports->Get(job->id)->proposals[0].state, kProposalOpen);
}

}  // namespace
}  // namespace zx::knowledge
