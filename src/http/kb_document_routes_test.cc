// The policy-document routes (http/kb_document_routes.h) behind the real auth middleware over
// real imports (a database, sample PDFs the test writes, a fake DraftMaker): every route for
// every role (editor and supervisor allowed, agent 403, anonymous 401), upload to review, edits
// with the field of a bad one, accept into a draft, reject, the original file, 413/415, the
// audit entries, and 503 when the imports could not open.
#include "http/kb_document_routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/testing/temp_dir.h"
#include "http/testing/route_test_fixture.h"
#include "text/testing/sample_documents.h"

namespace zx::http {
namespace {

using nlohmann::json;
using security::Role;

constexpr int64_t kStart = 1796608800000;  // 2026-12-07 10:00 China time
const std::string kBase = "/api/v1/kb/documents";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class KbDocumentRoutesTest : public testing::RouteTestBase {
 protected:
  KbDocumentRoutesTest() : RouteTestBase(kStart) {
    auto rules = knowledge::LoadDocumentRules(std::string(ZX_SOURCE_DIR) + "/kb/documents.toml");
    EXPECT_TRUE(rules.ok()) << rules.status().message();
    knowledge::DocumentImportOptions options;
    options.dir = dir_.File("documents");
    options.limits.max_bytes = 64 * 1024;  // knowledge.document_max_mb, small for the 413
    knowledge::DraftMaker drafts = [this](const knowledge::Entry& e, const security::Principal& by,
                                          std::string) -> Result<knowledge::VersionRef> {
      made_.push_back(e.id + " by " + by.name);
      return knowledge::VersionRef{e.id, 1};
    };
    knowledge::OverlapFinder overlaps = [](const std::string&) {
      return std::vector<knowledge::Overlap>{{"yb.outpatient_pool", "职工门诊共济保障", 0.7}};
    };
    imports_ = std::move(
        knowledge::DocumentImports::Open(*f_.db, f_.clock, options, *rules, overlaps, drafts)
            .value());
    AddKbDocumentRoutes(router_, imports_.get(), *f_.audit);
    InstallAuth(router_, nullptr);
    EXPECT_TRUE(
        text::testing::WritePdf(dir_.File("sample.pdf"), {text::testing::SamplePolicyLines()}));
    pdf_ = ReadAll(dir_.File("sample.pdf"));
    editor_ = TokenOf("editor1", Role::kEditor);
    supervisor_ = TokenOf("sup1", Role::kSupervisor);
    agent_ = TokenOf("agent1", Role::kAgent);
  }

  json Ok(const std::string& method, const std::string& target, const std::string& body = "",
          int status = 200, const std::string& token = "") {
    Response r = Call(method, target, token.empty() ? editor_ : token, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  // A document uploaded and read: its id.
  std::string Uploaded(const std::string& token = "") {
    json j = Ok("POST", kBase + "?name=细则.pdf", pdf_, 202, token);
    EXPECT_EQ(j["status"], "queued");
    EXPECT_EQ(j["name"], "细则.pdf");
    imports_->Flush();
    return j["id"].get<std::string>();
  }
  size_t Audited(const std::string& action) { return Entries(action).size(); }

  zx::testing::TempDir dir_;
  std::unique_ptr<knowledge::DocumentImports> imports_;
  std::string pdf_, editor_, supervisor_, agent_;
  std::vector<std::string> made_;
};

TEST_F(KbDocumentRoutesTest, UploadReviewAcceptRejectAndTheOriginal) {
  EXPECT_EQ(router_.BodyLimit("POST", kBase), 20u << 20);
  std::string id = Uploaded();
  json list = Ok("GET", kBase);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["id"], id);
  EXPECT_EQ(list["items"][0]["status"], "review");
  EXPECT_EQ(list["items"][0]["progress"], 100);
  EXPECT_TRUE(list["items"][0]["error"].is_null());
  EXPECT_EQ(list["items"][0]["proposals"], 3);

  json d = Ok("GET", kBase + "/" + id);
  EXPECT_EQ(d["kind"], "pdf");
  EXPECT_EQ(d["status"], "review");
  EXPECT_EQ(d["doc_number"], "示医保发〔2025〕12号");
  EXPECT_EQ(d["source"], "示例市医疗保障局");
  EXPECT_EQ(d["effective"], "2025-03-01");
  EXPECT_NE(d["text"].get<std::string>().find("示医保发〔2025〕12号"), std::string::npos);
  ASSERT_EQ(d["proposals"].size(), 3u);
  json p = d["proposals"][0];
  EXPECT_EQ(p["n"], 1);
  EXPECT_EQ(p["title"], "普通门诊统筹起付标准");
  EXPECT_EQ(p["doc_number"], "示医保发〔2025〕12号");
  EXPECT_EQ(p["effective"], "2025-03-01");
  EXPECT_EQ(p["state"], "open");
  EXPECT_TRUE(p["draft"].is_null());
  EXPECT_EQ(p["overlaps"][0]["id"], "yb.outpatient_pool");
  EXPECT_FALSE(p["excerpt"].get<std::string>().empty());

  json edited = Ok("PUT", kBase + "/" + id + "/proposals/1",
                   R"({"title": "职工普通门诊起付标准", "effective": "2025-04-01"})");
  EXPECT_EQ(edited["title"], "职工普通门诊起付标准");
  EXPECT_EQ(edited["effective"], "2025-04-01");
  Response bad =
      Call("PUT", kBase + "/" + id + "/proposals/1", editor_, R"({"effective": "明天"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"]["field"], "effective");
  EXPECT_EQ(Call("PUT", kBase + "/" + id + "/proposals/1", editor_, R"({"title": 3})").status, 400);
  EXPECT_EQ(Call("PUT", kBase + "/" + id + "/proposals/1", editor_, "not json").status, 400);

  json accepted = Ok("POST", kBase + "/" + id + "/proposals/1/accept",
                     R"({"entry_id": "yb.outpatient_deductible", "department": "ybj"})", 201);
  EXPECT_EQ(accepted["draft"]["id"], "yb.outpatient_deductible");
  EXPECT_EQ(accepted["draft"]["version"], 1);
  EXPECT_EQ(accepted["proposal"]["state"], "accepted");
  EXPECT_EQ(made_, std::vector<std::string>{"yb.outpatient_deductible by editor1"});
  Response again = Call("POST", kBase + "/" + id + "/proposals/1/accept", editor_,
                        R"({"entry_id": "yb.outpatient_deductible"})");
  EXPECT_EQ(again.status, 409);
  Response no_id = Call("POST", kBase + "/" + id + "/proposals/2/accept", editor_, "{}");
  EXPECT_EQ(no_id.status, 400);
  EXPECT_EQ(json::parse(no_id.body)["error"]["field"], "entry_id");

  json rejected = Ok("POST", kBase + "/" + id + "/proposals/2/reject", R"({"reason": "已有条目"})");
  EXPECT_EQ(rejected["state"], "rejected");
  EXPECT_EQ(rejected["reason"], "已有条目");
  Response blank =
      Call("POST", kBase + "/" + id + "/proposals/3/reject", editor_, R"({"reason": ""})");
  EXPECT_EQ(json::parse(blank.body)["error"]["field"], "reason");
  Ok("POST", kBase + "/" + id + "/proposals/3/reject", R"({"reason": "不适合作为问答"})");
  EXPECT_EQ(Ok("GET", kBase + "/" + id)["status"], "done");

  Response original = Call("GET", kBase + "/" + id + "/original", editor_);
  EXPECT_EQ(original.status, 200);
  EXPECT_EQ(original.content_type, "application/pdf");
  EXPECT_EQ(original.body, pdf_);
  EXPECT_NE(original.Header("Content-Disposition").find("filename*=UTF-8''%E7%BB%86"),
            std::string::npos);

  EXPECT_EQ(Audited("kb.document.upload"), 1u);
  EXPECT_EQ(Audited("kb.document.accept"), 2u);  // each attempt, before it is made
  EXPECT_EQ(Audited("kb.document.reject"), 3u);
  EXPECT_EQ(Audited("kb.document.edit"), 2u);  // those that got past the body's form
}

TEST_F(KbDocumentRoutesTest, RefusedUploadsAndUnknownThings) {
  Response too_big =
      Call("POST", kBase + "?name=big.pdf", editor_, "%PDF-1.4\n" + std::string(70000, 'x'));
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(json::parse(too_big.body)["error"]["code"], "too_large");
  Response doc = Call("POST", kBase + "?name=old.doc", editor_, "\xD0\xCF\x11\xE0 old word");
  EXPECT_EQ(doc.status, 415);
  EXPECT_EQ(json::parse(doc.body)["error"]["code"], "unsupported");
  EXPECT_EQ(Call("POST", kBase, editor_, pdf_).status, 400);  // no name
  EXPECT_EQ(Call("POST", kBase + "?name=a.pdf", editor_, "").status, 400);
  EXPECT_EQ(Call("GET", kBase + "?limit=0", editor_).status, 400);
  EXPECT_EQ(Call("GET", kBase + "/docnope", editor_).status, 404);
  EXPECT_EQ(Call("GET", kBase + "/docnope/original", editor_).status, 404);
  std::string id = Uploaded();
  EXPECT_EQ(Call("PUT", kBase + "/" + id + "/proposals/99", editor_, "{}").status, 404);
  EXPECT_EQ(Call("PUT", kBase + "/" + id + "/proposals/x", editor_, "{}").status, 404);
  // A scanned page: the job fails with its code, shown in the list and the document.
  ASSERT_TRUE(text::testing::WriteImagePdf(dir_.File("scan.pdf")));
  json j = Ok("POST", kBase + "?name=scan.pdf", ReadAll(dir_.File("scan.pdf")), 202);
  imports_->Flush();
  json d = Ok("GET", kBase + "/" + j["id"].get<std::string>());
  EXPECT_EQ(d["status"], "failed");
  EXPECT_EQ(d["error"]["code"], "no_text");
  EXPECT_EQ(Audited("kb.document.upload"), 2u);
}

TEST_F(KbDocumentRoutesTest, EveryRouteForEveryRole) {
  std::string id = Uploaded();
  std::string second = Uploaded();
  struct Route {
    std::string method, target, body;
    int ok;
  };
  auto routes = [&](int n) {
    std::string p = kBase + "/" + id + "/proposals/" + std::to_string(n);
    std::string q = kBase + "/" + second + "/proposals/" + std::to_string(n);
    return std::vector<Route>{
        {"POST", kBase + "?name=a.pdf", pdf_, 202},
        {"GET", kBase, "", 200},
        {"GET", kBase + "/" + id, "", 200},
        {"PUT", p, R"({"answer": "起付标准为800元。"})", 200},
        {"POST", p + "/accept", R"({"entry_id": "yb.e)" + std::to_string(n) + R"("})", 201},
        {"POST", q + "/reject", R"({"reason": "重复"})", 200},
        {"GET", kBase + "/" + id + "/original", "", 200},
    };
  };
  // Editors and supervisors may (each on a proposal of its own); agents may not; anonymous
  // callers are asked who they are.
  int n = 0;
  for (const std::string* token : {&editor_, &supervisor_}) {
    ++n;
    for (const Route& r : routes(n)) {
      Response res = Call(r.method, r.target, *token, r.body);
      EXPECT_EQ(res.status, r.ok) << r.method << " " << r.target << " " << res.body;
    }
  }
  for (const Route& r : routes(3)) {
    EXPECT_EQ(Call(r.method, r.target, agent_, r.body).status, 403) << r.method << " " << r.target;
    EXPECT_EQ(Call(r.method, r.target, "", r.body).status, 401) << r.method << " " << r.target;
  }
  EXPECT_EQ(made_.size(), 2u);
  EXPECT_EQ(made_[1], "yb.e2 by sup1");
}

TEST_F(KbDocumentRoutesTest, WithoutImportsEveryRouteIsUnavailable) {
  Router router;
  AddKbDocumentRoutes(router, nullptr, *f_.audit);
  InstallAuth(router, nullptr);
  EXPECT_EQ(CallOn(router, "GET", kBase, editor_).status, 503);
  EXPECT_EQ(CallOn(router, "POST", kBase + "?name=a.pdf", editor_, pdf_).status, 503);
  EXPECT_EQ(CallOn(router, "GET", kBase, agent_).status, 403);
}

}  // namespace
}  // namespace zx::http
