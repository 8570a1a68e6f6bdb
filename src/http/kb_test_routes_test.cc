// The hit-test routes (http/kb_test_routes.h) behind the real auth middleware over the engine of
// kb/: every route for every role (agent and editor may test, only the editor checks phrasings,
// a department handler gets 403, nobody signed in 401), the explanation and its history, the
// mark of what a test should have hit, the dialogue's own hand-over, draft tests answered later,
// check phrasings, the batch upload (bad rows named, the same file twice the same numbers) and
// its workbook, and the audit entries.
#include "http/kb_test_routes.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "base/testing/temp_dir.h"
#include "http/testing/route_test_fixture.h"
#include "knowledge/loader.h"

namespace zx::http {
namespace {

using nlohmann::json;
using security::Role;

constexpr char kJieba[] = "/usr/lib/python3/dist-packages/jieba/dict.txt";
constexpr char kBatch[] =
    "question\texpected\n"
    "社保卡丢了怎么补办\tsbk.loss\n"
    "公积金贷款最多贷多少\tgjj.loan\n"
    "社保卡丢了怎么补办\tno.such\n"
    "公积金贷款最多贷多少\tsbk.loss\n";

class KbTestRoutesTest : public testing::RouteTestBase {
 protected:
  static void SetUpTestSuite() {
    dir_ = new zx::testing::TempDir();
    auto kb = knowledge::LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    knowledge::EngineOptions o;
    o.work_dir = dir_->File("published");
    o.jieba_dict = kJieba;
    auto e = knowledge::KnowledgeEngine::Build(std::move(kb).value(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete dir_;
  }

  KbTestRoutesTest() : RouteTestBase(1796608800000) {
    config_.kb_dir = std::string(ZX_SOURCE_DIR) + "/kb";
    config_.jieba_dict = kJieba;
    draft_ = engine_->knowledge_base();
    AddKbTestRoutes(
        router_,
        KbTestWiring{*f_.db, *f_.audit, config_, work_.path(), knowledge::FixedEngine(*engine_),
                     [this] { return Result<knowledge::KnowledgeBase>(draft_); }, nullptr,
                     &f_.clock});
    InstallAuth();
    agent_ = TokenOf("agent1", Role::kAgent);
    editor_ = TokenOf("editor1", Role::kEditor);
    handler_ = TokenOf("dept1", Role::kDepartmentHandler, {"ybj", ""});
  }
  // The routes' worker runs its tasks over the members below when it stops: before they go.
  ~KbTestRoutesTest() override { router_ = Router(); }

  // The answer, waiting for a deferred one (draft engines, batches) up to a minute.
  Response Call(const std::string& method, const std::string& target, const std::string& token,
                const std::string& body = "") {
    Response r = RouteTestBase::Call(method, target, token, body);
    if (!r.deferred) return r;
    auto promise = std::make_shared<std::promise<Response>>();
    auto answer = promise->get_future();
    r.deferred([promise](Response done) { promise->set_value(std::move(done)); });
    if (answer.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      ADD_FAILURE() << "no answer to " << method << " " << target;
      return Response::Text(599, "timeout");
    }
    return answer.get();
  }
  json Ok(const std::string& method, const std::string& target, const std::string& body = "",
          int status = 200, const std::string& token = "") {
    Response r = Call(method, target, token.empty() ? agent_ : token, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  size_t Audited(const std::string& action) { return Entries(action).size(); }

  static inline knowledge::KnowledgeEngine* engine_ = nullptr;
  static inline zx::testing::TempDir* dir_ = nullptr;
  zx::testing::TempDir work_;
  knowledge::KnowledgeConfig config_;
  knowledge::KnowledgeBase draft_;
  std::string agent_, editor_, handler_;
};

TEST_F(KbTestRoutesTest, EveryRouteForEveryRole) {
  const std::string hit = R"({"question": "社保卡丢了怎么补办"})";
  json entry = {{"entry",
                 {{"id", "sbk.loss"},
                  {"title", "社保卡挂失补办"},
                  {"answer", "请挂失。"},
                  {"phrasings", json::array({"社保卡丢了怎么补办"})}}}};
  struct Route {
    std::string method, target, body;
    bool agent;  // kb.test (agent, editor) or kb.edit (editor only)
  };
  json first = Ok("POST", "/api/v1/kb/hit-test", hit);
  json batch = Ok("POST", "/api/v1/kb/batch-tests", kBatch, 201);
  const std::vector<Route> routes = {
      {"POST", "/api/v1/kb/hit-test", hit, true},
      {"GET", "/api/v1/kb/hit-tests", "", true},
      {"POST", "/api/v1/kb/hit-tests/" + first["id"].get<std::string>() + "/expected",
       R"({"topic": "sbk.loss"})", true},
      {"POST", "/api/v1/kb/check-phrasings", entry.dump(), false},
      {"POST", "/api/v1/kb/batch-tests", kBatch, true},
      {"GET", "/api/v1/kb/batch-tests/" + batch["id"].get<std::string>(), "", true},
      {"GET", "/api/v1/kb/batch-tests/" + batch["id"].get<std::string>() + ".xlsx", "", true}};
  for (const auto& r : routes) {
    SCOPED_TRACE(r.method + " " + r.target);
    EXPECT_EQ(Call(r.method, r.target, "", r.body).status, 401);
    EXPECT_EQ(Call(r.method, r.target, handler_, r.body).status, 403);
    int agent = Call(r.method, r.target, agent_, r.body).status;
    if (r.agent)
      EXPECT_LT(agent, 300);
    else
      EXPECT_EQ(agent, 403);
    EXPECT_LT(Call(r.method, r.target, editor_, r.body).status, 300);
  }
}

TEST_F(KbTestRoutesTest, HitTestExplainsItselfAndIsKept) {
  json j = Ok("POST", "/api/v1/kb/hit-test", R"({"question": "社保卡丟了，怎麼補辦？"})");
  EXPECT_EQ(j["source"], "published");
  EXPECT_EQ(j["decision"], "answer");
  EXPECT_EQ(j["topic"], "sbk.loss");
  EXPECT_EQ(j["steps"]["input"], "社保卡丟了，怎麼補辦？");
  EXPECT_FALSE(j["steps"]["corrections"].empty());
  bool t2s = false;
  for (const auto& c : j["steps"]["corrections"]) t2s |= c["kind"] == "t2s";
  EXPECT_TRUE(t2s) << j["steps"].dump();
  EXPECT_FALSE(j["terms"].empty());
  EXPECT_GE(j["confidence"].get<double>(), j["threshold"].get<double>());
  ASSERT_FALSE(j["candidates"].empty());
  const json& best = j["candidates"][0];
  EXPECT_EQ(best["topic"], "sbk.loss");
  for (const char* key : {"title", "confidence", "lexical_rank", "lexical_score", "classifier_rank",
                          "classifier_score"})
    EXPECT_TRUE(best.contains(key)) << key;
  EXPECT_EQ(j["reply"], engine_->Ask("社保卡丟了，怎麼補辦？").text);
  ASSERT_EQ(j["citations"].size(), 1u);
  EXPECT_EQ(j["citations"][0]["version"], engine_->knowledge_base().Find("sbk.loss")->version);
  EXPECT_EQ(Audited("kb.hit_test"), 1u);

  // The history, newest first, and what it should have hit.
  f_.clock.Advance(std::chrono::seconds(1));
  Ok("POST", "/api/v1/kb/hit-test", R"({"question": "公积金贷款最多贷多少"})");
  json list = Ok("GET", "/api/v1/kb/hit-tests?limit=1");
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["topic"], "gjj.loan");
  std::string id = j["id"];
  json marked = Ok("POST", "/api/v1/kb/hit-tests/" + id + "/expected", R"({"topic": "sbk.apply"})");
  EXPECT_EQ(marked["expected"], "sbk.apply");
  EXPECT_EQ(marked["expected_by"], "agent1");
  EXPECT_EQ(Audited("kb.hit_test_expected"), 1u);
  json bad = Ok("POST", "/api/v1/kb/hit-tests/" + id + "/expected", R"({"topic": "no.such"})", 400);
  EXPECT_EQ(bad["error"]["field"], "topic");
  Ok("POST", "/api/v1/kb/hit-tests/ht0000/expected", R"({"topic": "sbk.apply"})", 404);

  // Bad bodies name their field.
  EXPECT_EQ(Ok("POST", "/api/v1/kb/hit-test", R"({"question": "  "})", 400)["error"]["field"],
            "question");
  EXPECT_EQ(Ok("POST", "/api/v1/kb/hit-test", R"({"question": "x", "source": "tomorrow"})",
               400)["error"]["field"],
            "source");
  EXPECT_EQ(Ok("GET", "/api/v1/kb/hit-tests?limit=0", "", 400)["error"]["field"], "limit");
  // No versioned store wired: as-of tests are unavailable, and say so.
  Ok("POST", "/api/v1/kb/hit-test",
     R"({"question": "x", "source": "as_of", "as_of": "2026-01-01"})", 503);
}

TEST_F(KbTestRoutesTest, HandsOverWhenTheDialogueWould) {
  json risk = Ok("POST", "/api/v1/kb/hit-test", R"({"question": "社保卡丢了，我不想活了"})");
  EXPECT_EQ(risk["decision"], "handover");
  EXPECT_EQ(risk["handover_reason"], "risk");
  if (engine_->Ask("我要转人工").topic == "meta.human") {
    json person = Ok("POST", "/api/v1/kb/hit-test", R"({"question": "我要转人工"})");
    EXPECT_EQ(person["decision"], "handover");
    EXPECT_EQ(person["handover_reason"], "asked_for_human");
  }
  json negated = Ok("POST", "/api/v1/kb/hit-test", R"({"question": "社保卡丢了怎么补办"})");
  EXPECT_EQ(negated["decision"], "answer");
  EXPECT_TRUE(negated["handover_reason"].is_null());
}

TEST_F(KbTestRoutesTest, DraftTestsAndCheckPhrasingsAnswerLater) {
  for (auto& e : draft_.entries)
    if (e.id == "sbk.loss") e.answer = "草稿：社保卡丢失请先挂失。";
  json j =
      Ok("POST", "/api/v1/kb/hit-test", R"({"question": "社保卡丢了怎么补办", "source": "draft"})");
  EXPECT_EQ(j["source"], "draft");
  EXPECT_NE(j["reply"].get<std::string>().find("草稿"), std::string::npos);

  json entry = {{"entry",
                 {{"id", "sbk.loss"},
                  {"title", "社保卡挂失补办"},
                  {"answer", "请挂失。"},
                  {"phrasings", json::array({"社保卡丢了怎么补办", "公积金贷款能贷多少？"})}}}};
  json checks = Ok("POST", "/api/v1/kb/check-phrasings", entry.dump(), 200, editor_);
  ASSERT_EQ(checks["phrasings"].size(), 2u);
  EXPECT_TRUE(checks["phrasings"][0]["ok"].get<bool>());
  EXPECT_FALSE(checks["phrasings"][1]["ok"].get<bool>());
  EXPECT_EQ(checks["elsewhere"], 1);
  entry["entry"]["phrasings"] = json::array({"好", 3});
  EXPECT_EQ(Ok("POST", "/api/v1/kb/check-phrasings", entry.dump(), 400, editor_)["error"]["field"],
            "phrasings[1]");
}

TEST_F(KbTestRoutesTest, BatchTestFromUploadToWorkbook) {
  json first = Ok("POST", "/api/v1/kb/batch-tests?name=q.tsv", kBatch, 201);
  EXPECT_EQ(first["total"], 3);
  EXPECT_EQ(first["name"], "q.tsv");
  EXPECT_GE(first["top1"].get<int>(), 2);
  EXPECT_GE(first["confident_wrong"].get<int>(), 1);
  ASSERT_EQ(first["errors"].size(), 1u);
  EXPECT_EQ(first["errors"][0]["line"], 4);
  EXPECT_EQ(first["errors"][0]["column"], 2);
  EXPECT_FALSE(first["misses"].empty());
  EXPECT_TRUE(first["rates"].contains("asked_back"));
  EXPECT_EQ(Audited("kb.batch_test"), 1u);

  json second = Ok("POST", "/api/v1/kb/batch-tests", kBatch, 201);
  for (const char* key : {"total", "top1", "confident_wrong", "asked_back", "rates", "misses"})
    EXPECT_EQ(second[key], first[key]) << key;

  std::string id = first["id"];
  json again = Ok("GET", "/api/v1/kb/batch-tests/" + id);
  EXPECT_EQ(again["top1"], first["top1"]);
  Response xlsx = Call("GET", "/api/v1/kb/batch-tests/" + id + ".xlsx", agent_);
  EXPECT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.body.rfind("PK", 0), 0u);
  EXPECT_NE(xlsx.Header("Content-Disposition").find(".xlsx"), std::string_view::npos);
  Ok("GET", "/api/v1/kb/batch-tests/bt-none.xlsx", "", 404);
  Ok("POST", "/api/v1/kb/batch-tests", "no header here", 400);
  Ok("POST", "/api/v1/kb/batch-tests", "", 400);
}

}  // namespace
}  // namespace zx::http
