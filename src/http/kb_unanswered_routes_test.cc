// The unanswered-question and hits routes (http/kb_unanswered_routes.h) behind the real auth
// middleware: every route for every role (editor and supervisor allowed, agent refused, anonymous
// 401; hits also for administrators), bodies checked field by field, closings audited; and
// POST /api/v1/ask noting its questions in the log.
#include "http/kb_unanswered_routes.h"

#include <gtest/gtest.h>

#include "http/knowledge_routes.h"
#include "http/testing/route_test_fixture.h"
#include "security/keys.h"

namespace zx::http {
namespace {

using nlohmann::json;
using security::Role;

// Answers questions about 社保卡 (unsure of those with 能不能), asks back on anything else.
class SocialCardAssistant final : public knowledge::Assistant {
 public:
  knowledge::Answer Ask(std::string_view question) const override {
    knowledge::Answer a;
    a.question = std::string(question);
    if (question.find("社保卡") == std::string_view::npos) {
      a.confidence = 0.2;
      a.text = "请问您想咨询哪方面的业务？";
      return a;
    }
    a.topic = "sbk.apply";
    a.confidence = question.find("能不能") == std::string_view::npos ? 0.9 : 0.5;
    a.text = "社保卡可到合作银行网点申领。";
    return a;
  }
};

class KbUnansweredRoutesTest : public testing::RouteTestBase {
 protected:
  KbUnansweredRoutesTest() : RouteTestBase(1796486400000, 1000) {  // 2026-12-06 00:00 in Beijing
    auto cipher = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(f_.clock)));
    log_ = std::move(knowledge::AnswerLog::Open(*f_.db, cipher, f_.clock).value());
    KbUnansweredDeps deps;
    deps.suggest = [](std::string_view) {
      return std::vector<knowledge::Suggestion>{{"jt.ebike", "电动自行车登记"}};
    };
    deps.add_phrasings = [this](const std::string& entry, const std::vector<std::string>& p,
                                const security::Principal& by,
                                std::string note) -> Result<knowledge::VersionRef> {
      if (entry == "nope.nope") return NotFound("no such entry: nope.nope");
      added_ = p;
      added_by_ = by.id;
      note_ = note;
      return knowledge::VersionRef{entry, 3};
    };
    AddKbUnansweredRoutes(router_, *log_, *f_.audit, metrics_, deps);
    AddKnowledgeRoutes(router_, assistant_, metrics_, log_.get());
    InstallAuth();
    for (const char* q :
         {"电动车在哪里上牌，我电话13812345678", "電動車在哪裡上牌", "电动车上牌去哪里办"})
      log_->Record(Asked(q, "web"));
    log_->Record(Asked("燃气费怎么交", "voice"));
    EXPECT_TRUE(log_->Flush().ok());
    auto open = log_->Clusters(knowledge::kClusterOpen).value();
    ebike_ = open[0].id;
    gas_ = open[1].id;
  }
  static knowledge::AskedQuestion Asked(const std::string& text, const std::string& channel) {
    knowledge::AskedQuestion q;
    q.question = text;
    q.channel = channel;
    q.unanswered = knowledge::kAskedBack;
    return q;
  }
  static std::string Field(const Response& r) {
    return json::parse(r.body)["error"].value("field", "");
  }

  SocialCardAssistant assistant_;
  std::unique_ptr<knowledge::AnswerLog> log_;
  std::string ebike_, gas_;
  std::vector<std::string> added_;
  std::string added_by_, note_;
};

TEST_F(KbUnansweredRoutesTest, AnEditorListsTheClustersMasked) {
  std::string editor = TokenOf(Role::kEditor);
  Response r = Call("GET", "/api/v1/kb/unanswered", editor);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["open"], 2);
  ASSERT_EQ(j["items"].size(), 2u);
  json c = j["items"][0];
  EXPECT_EQ(c["id"], ebike_);
  EXPECT_EQ(c["count"], 3);
  EXPECT_EQ(c["status"], "open");
  EXPECT_EQ(c["channels"]["web"], 3);
  EXPECT_EQ(c["reasons"]["asked_back"], 3);
  EXPECT_EQ(c["examples"].size(), 3u);
  EXPECT_FALSE(c["label"].get<std::string>().empty());
  EXPECT_EQ(c["suggested"][0]["topic"], "jt.ebike");
  EXPECT_EQ(c["first_ms"], 1796486400000);
  EXPECT_EQ(r.body.find("13812345678"), std::string::npos);
  EXPECT_NE(r.body.find("138****5678"), std::string::npos);
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/kb/unanswered?status=dismissed", editor).body)["items"]
                .size(),
            0u);
  EXPECT_EQ(Call("GET", "/api/v1/kb/unanswered?status=later", editor).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/kb/unanswered?limit=0", editor).status, 400);
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/kb/unanswered?limit=1", editor).body)["items"].size(),
            1u);
}

TEST_F(KbUnansweredRoutesTest, ChosenQuestionsBecomeDraftPhrasingsAndResolveTheCluster) {
  std::string editor = TokenOf(Role::kEditor);
  const std::string path = "/api/v1/kb/unanswered/" + ebike_ + "/phrasings";
  Response r = Call("POST", path, editor,
                    R"({"entry_id": "jt.ebike", "questions": ["电动车在哪里上牌",
                        "我电话13812345678 电动车上牌"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["id"], "jt.ebike");
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["status"], "draft");
  EXPECT_EQ(j["cluster"]["status"], "resolved");
  EXPECT_EQ(j["cluster"]["resolution"], "phrasings");
  EXPECT_EQ(j["cluster"]["entry_id"], "jt.ebike");
  ASSERT_EQ(added_.size(), 2u);
  EXPECT_EQ(added_[1], "我电话138****5678 电动车上牌");  // never a number as a phrasing
  EXPECT_FALSE(added_by_.empty());
  EXPECT_NE(note_.find(ebike_), std::string::npos);
  ASSERT_EQ(Entries("kb.unanswered.phrasings").size(), 1u);
  EXPECT_EQ(Entries("kb.unanswered.phrasings")[0].event.object_id, ebike_);
  // Closed: not twice, and off the open list.
  EXPECT_EQ(Call("POST", path, editor, R"({"entry_id": "jt.ebike", "questions": ["x"]})").status,
            409);
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/kb/unanswered", editor).body)["open"], 1);
  EXPECT_NE(metrics_.RenderText().find("zhixian_kb_unanswered_open 1"), std::string::npos);
}

TEST_F(KbUnansweredRoutesTest, BadBodiesNameTheirField) {
  std::string editor = TokenOf(Role::kEditor);
  const std::string path = "/api/v1/kb/unanswered/" + ebike_ + "/phrasings";
  Response r = Call("POST", path, editor, R"({"questions": ["a"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Field(r), "entry_id");
  r = Call("POST", path, editor, R"({"entry_id": "jt.ebike", "questions": []})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Field(r), "questions");
  r = Call("POST", path, editor, R"({"entry_id": "jt.ebike", "questions": ["ok", 3]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Field(r), "questions[1]");
  r = Call("POST", path, editor, R"({"entry_id": "jt.ebike", "questions": ["  "]})");
  EXPECT_EQ(Field(r), "questions[0]");
  r = Call("POST", path, editor, R"({"entry_id": "nope.nope", "questions": ["a"]})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Field(r), "entry_id");
  EXPECT_EQ(Call("POST", path, editor, "not json").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/kb/unanswered/uqnope/phrasings", editor,
                 R"({"entry_id": "jt.ebike", "questions": ["a"]})")
                .status,
            404);
  r = Call("POST", "/api/v1/kb/unanswered/" + gas_ + "/resolve", editor,
           R"({"entry_id": "rq.pay"})");
  EXPECT_EQ(Field(r), "version");
  r = Call("POST", "/api/v1/kb/unanswered/" + gas_ + "/dismiss", editor, R"({"reason": ""})");
  EXPECT_EQ(Field(r), "reason");
  r = Call("POST", "/api/v1/kb/unanswered/" + gas_ + "/dismiss", editor,
           json{{"reason", std::string(201 * 3, 'a')}}.dump());
  EXPECT_EQ(Field(r), "reason");
  EXPECT_EQ(log_->OpenClusters().value(), 2);  // nothing changed
}

TEST_F(KbUnansweredRoutesTest, ResolveAfterANewEntryAndDismissWithAReason) {
  std::string supervisor = TokenOf(Role::kSupervisor);
  Response r = Call("POST", "/api/v1/kb/unanswered/" + ebike_ + "/resolve", supervisor,
                    R"({"entry_id": "jt.ebike_plate", "version": 1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["resolution"], "new_entry");
  EXPECT_EQ(json::parse(r.body)["version"], 1);
  r = Call("POST", "/api/v1/kb/unanswered/" + gas_ + "/dismiss", supervisor,
           R"({"reason": "燃气费由燃气公司受理"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["status"], "dismissed");
  EXPECT_EQ(json::parse(r.body)["reason"], "燃气费由燃气公司受理");
  EXPECT_EQ(Call("POST", "/api/v1/kb/unanswered/" + gas_ + "/dismiss", supervisor,
                 R"({"reason": "again"})")
                .status,
            409);
  EXPECT_EQ(Entries("kb.unanswered.resolve").size(), 1u);
  EXPECT_EQ(Entries("kb.unanswered.dismiss").size(), 1u);
  json dismissed =
      json::parse(Call("GET", "/api/v1/kb/unanswered?status=dismissed", supervisor).body);
  EXPECT_EQ(dismissed["open"], 0);
  ASSERT_EQ(dismissed["items"].size(), 1u);
  EXPECT_EQ(dismissed["items"][0]["id"], gas_);
}

TEST_F(KbUnansweredRoutesTest, HitsOfTheLastDays) {
  ASSERT_EQ(Call("POST", "/api/v1/ask", "", R"({"question": "社保卡怎么申领"})").status, 200);
  f_.clock.Advance(std::chrono::hours(24 * 3));
  ASSERT_EQ(Call("POST", "/api/v1/ask", "", R"({"question": "社保卡在哪办"})").status, 200);
  std::string admin = TokenOf(Role::kAdmin);  // signed in now: sessions end
  Response r = Call("GET", "/api/v1/kb/hits", admin);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["since"], "2026-12-03");
  EXPECT_EQ(j["days"], 7);
  EXPECT_EQ(j["topics"]["sbk.apply"], 2);
  j = json::parse(Call("GET", "/api/v1/kb/hits?days=1", admin).body);
  EXPECT_EQ(j["topics"]["sbk.apply"], 1);
  EXPECT_EQ(Call("GET", "/api/v1/kb/hits?days=0", admin).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/kb/hits?days=abc", admin).status, 400);
}

// /api/v1/ask notes each question: a hit, and those asked back or answered unsure as
// unanswered questions of channel "api".
TEST_F(KbUnansweredRoutesTest, AskNotesTheQuestionsItCouldNotAnswer) {
  ASSERT_EQ(Call("POST", "/api/v1/ask", "", R"({"question": "   "})").status, 400);  // none
  ASSERT_EQ(Call("POST", "/api/v1/ask", "", R"({"question": "社保卡怎么申领"})").status, 200);
  ASSERT_EQ(Call("POST", "/api/v1/ask", "", R"({"question": "电动车在哪里上牌呀"})").status, 200);
  ASSERT_EQ(Call("POST", "/api/v1/ask", "", R"({"question": "社保卡能不能借给别人用"})").status,
            200);
  EXPECT_EQ(log_->HitsSince("2026-12-06").value()["sbk.apply"], 2);
  ASSERT_TRUE(log_->Flush().ok());
  auto open = log_->Clusters(knowledge::kClusterOpen).value();
  ASSERT_EQ(open.size(), 3u);
  EXPECT_EQ(open[0].id, ebike_);  // joined the cluster of the same question from chats
  EXPECT_EQ(open[0].count, 4);
  EXPECT_EQ(open[0].channels.at("api"), 1);
  bool unsure = false;
  for (const auto& c : open) unsure |= c.reasons.count(knowledge::kLowConfidence) > 0;
  EXPECT_TRUE(unsure);
}

TEST_F(KbUnansweredRoutesTest, WithoutTheDraftStoreAddingPhrasingsIsUnavailable) {
  Router bare;
  AddKbUnansweredRoutes(bare, *log_, *f_.audit, metrics_, {});
  InstallAuth(bare, &metrics_);
  std::string editor = TokenOf(Role::kEditor);
  Request req;
  req.method = "POST";
  req.path = "/api/v1/kb/unanswered/" + ebike_ + "/phrasings";
  req.body = R"({"entry_id": "jt.ebike", "questions": ["a"]})";
  req.headers = {{"Authorization", "Bearer " + editor}};
  req.remote_address = "10.1.2.3:5555";
  EXPECT_EQ(bare.Handle(req).status, 503);
  EXPECT_EQ(log_->OpenClusters().value(), 2);
}

TEST_F(KbUnansweredRoutesTest, EveryRouteForEveryRole) {
  struct Route {
    std::string method, path, body;
    bool manage;  // kb.manage (admins too) rather than kb.edit
  };
  const std::vector<Route> routes = {
      {"GET", "/api/v1/kb/unanswered", "", false},
      {"POST", "/api/v1/kb/unanswered/uqnope/phrasings",
       R"({"entry_id": "jt.ebike", "questions": ["a"]})", false},
      {"POST", "/api/v1/kb/unanswered/uqnope/resolve", R"({"entry_id": "jt.x", "version": 1})",
       false},
      {"POST", "/api/v1/kb/unanswered/uqnope/dismiss", R"({"reason": "x"})", false},
      {"GET", "/api/v1/kb/hits?days=7", "", true},
  };
  // Allowed roles reach the handler: 200 for reads, 404 for the unknown cluster.
  for (Role role : {Role::kEditor, Role::kSupervisor, Role::kAdmin, Role::kAgent, Role::kAuditor,
                    Role::kDepartmentHandler}) {
    std::string token = TokenOf(role);
    for (const Route& r : routes) {
      const bool allowed =
          role == Role::kEditor || role == Role::kSupervisor || (r.manage && role == Role::kAdmin);
      Response got = Call(r.method, r.path, token, r.body);
      if (allowed)
        EXPECT_EQ(got.status, r.method == "GET" ? 200 : 404)
            << security::RoleName(role) << " " << r.path << " " << got.body;
      else
        EXPECT_EQ(got.status, 403) << security::RoleName(role) << " " << r.path;
    }
  }
  for (const Route& r : routes) EXPECT_EQ(Call(r.method, r.path, "", r.body).status, 401) << r.path;
  EXPECT_EQ(log_->OpenClusters().value(), 2);
}

}  // namespace
}  // namespace zx::http
