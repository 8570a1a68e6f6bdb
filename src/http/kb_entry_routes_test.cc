// The knowledge base's entry routes (http/kb_entry_routes.h) behind the real auth middleware,
// over the real store (an in-memory database seeded from the repository's kb/, a fake clock):
// every route for every role (with and without its permission), the two-person review (an editor
// submits, another approves; one's own version is 403; an administrator alone is allowed and
// audited kb.publish_alone), validation errors naming their field, 409 on illegal moves, the list
// with hits_7d, the diff, the review queue and the export.
#include "http/kb_entry_routes.h"

#include <gtest/gtest.h>

#include <set>

#include "http/testing/route_test_fixture.h"
#include "knowledge/loader.h"
#include "security/policy.h"

namespace zx::http {
namespace {

using nlohmann::json;
using security::Role;

constexpr int64_t kStart = 1764900000000;  // 2025-12-05 10:00 China time
constexpr char kEntry[] = "/api/v1/kb/entries/yb.remote_filing";

class KbEntryRoutesTest : public testing::RouteTestBase {
 protected:
  KbEntryRoutesTest() : RouteTestBase(kStart) {
    store_ = std::move(knowledge::KnowledgeStore::Open(*f_.db, f_.clock).value());
    EXPECT_TRUE(store_->SeedFrom(std::string(ZX_SOURCE_DIR) + "/kb").ok());
    AddKbEntryRoutes(router_, *store_, *f_.audit, [] {
      return std::map<std::string, int64_t>{{"yb.remote_filing", 12}, {"sbk.loss", 30}};
    });
    InstallAuth();
    ed1_ = TokenOf("ed1", Role::kEditor);
    ed2_ = TokenOf("ed2", Role::kEditor);
    admin_ = TokenOf("root", Role::kAdmin);
  }

  security::Principal PrincipalOf(const std::string& name, Role role) {
    security::Principal p;
    p.kind = security::Principal::Kind::kUser;
    p.id = "u:" + std::to_string(f_.users->Find(name).value().id);
    p.name = name;
    p.role = role;
    return p;
  }

  json Ok(const std::string& method, const std::string& target, const std::string& token,
          const std::string& body = "", int status = 200) {
    Response r = Call(method, target, token, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  std::unique_ptr<knowledge::KnowledgeStore> store_;
  std::string ed1_, ed2_, admin_;
};

struct RouteCase {
  std::string method, path, body;
};
// Every route of the set with a body that parses; version 1 of yb.remote_filing exists.
std::vector<RouteCase> AllRoutes() {
  const std::string e = kEntry;
  return {
      {"GET", "/api/v1/kb/areas", ""},
      {"GET", "/api/v1/kb/entries", ""},
      {"POST", "/api/v1/kb/entries", R"({"id": "yb.a"})"},
      {"GET", e, ""},
      {"PUT", e + "/draft", R"({"note": "x"})"},
      {"POST", e + "/phrasings", R"({"phrasings": ["新问法"]})"},
      {"GET", e + "/diff?from=1&to=1", ""},
      {"GET", e + "/versions/1", ""},
      {"POST", e + "/versions/1/submit", ""},
      {"POST", e + "/versions/1/approve", "{}"},
      {"POST", e + "/versions/1/reject", R"({"reason": "x"})"},
      {"POST", e + "/versions/1/restore", ""},
      {"GET", "/api/v1/kb/review", ""},
      {"GET", "/api/v1/kb/export", ""},
  };
}

TEST_F(KbEntryRoutesTest, EveryRouteNamesAKbPermission) {
  std::set<std::string> permissions;
  for (const RouteInfo& r : router_.Routes()) {
    EXPECT_NE(security::FindPermission(r.permission), nullptr) << r.pattern;
    permissions.insert(r.permission);
  }
  EXPECT_EQ(permissions, (std::set<std::string>{"kb.manage", "kb.edit", "kb.review"}));
  EXPECT_EQ(router_.Routes().size(), AllRoutes().size());
}

// Every route for every role: refused (401 anonymous, 403 signed in) exactly when the role lacks
// the route's permission, never refused by the policy when it has it.
TEST_F(KbEntryRoutesTest, RouteByRoleMatrix) {
  struct Who {
    std::string label;
    Role role;
    std::string token;
  };
  std::vector<Who> who = {{"anonymous", Role::kAnonymous, ""},
                          {"admin", Role::kAdmin, admin_},
                          {"supervisor", Role::kSupervisor, TokenOf("sup", Role::kSupervisor)},
                          {"agent", Role::kAgent, TokenOf("agent", Role::kAgent)},
                          {"auditor", Role::kAuditor, TokenOf("aud", Role::kAuditor)},
                          {"editor", Role::kEditor, ed1_}};
  for (const auto& c : AllRoutes()) {
    std::string pattern = router_.Find(c.method, c.path.substr(0, c.path.find('?'))).route;
    std::string permission;
    for (const RouteInfo& r : router_.Routes())
      if (r.method == c.method && r.pattern == pattern) permission = r.permission;
    ASSERT_FALSE(permission.empty()) << c.path;
    for (const auto& w : who) {
      std::string where = c.method + " " + c.path + " as " + w.label;
      Response r = Call(c.method, c.path, w.token, c.body);
      if (!security::MayUse(w.role, permission)) {
        EXPECT_EQ(r.status, w.role == Role::kAnonymous ? 401 : 403) << where << ": " << r.body;
      } else {
        EXPECT_NE(r.status, 401) << where << ": " << r.body;
        EXPECT_LT(r.status, 500) << where << ": " << r.body;
        // 403 only from the store's own-version rule, never from the policy.
        if (r.status == 403)
          EXPECT_EQ(r.body.find("does not have the permission"), std::string::npos) << where;
      }
    }
  }
  // The agent cannot edit; the administrator cannot draft (kb.edit is not theirs).
  EXPECT_EQ(Call("PUT", std::string(kEntry) + "/draft", who[3].token, "{}").status, 403);
  EXPECT_EQ(Call("PUT", std::string(kEntry) + "/draft", admin_, "{}").status, 403);
}

TEST_F(KbEntryRoutesTest, AnEditorSubmitsAnotherApproves) {
  json draft = Ok("PUT", std::string(kEntry) + "/draft", ed1_,
                  R"({"answer": "新的备案答案：比例75%。", "note": "改比例"})");
  EXPECT_EQ(draft["status"], "draft");
  EXPECT_EQ(draft["version"], 2);
  EXPECT_EQ(draft["editor"], "ed1");
  EXPECT_EQ(draft["note"], "改比例");
  EXPECT_GE(draft["phrasings"].size(), 12u);  // the fields left out kept the current ones
  const std::string v = std::string(kEntry) + "/versions/2";
  EXPECT_EQ(Ok("POST", v + "/submit", ed1_)["status"], "submitted");
  auto queue = Ok("GET", "/api/v1/kb/review", ed2_);
  ASSERT_EQ(queue["items"].size(), 1u);
  EXPECT_EQ(queue["items"][0]["id"], "yb.remote_filing");
  // The same editor cannot approve their own version.
  Response own = Call("POST", v + "/approve", ed1_, "{}");
  EXPECT_EQ(own.status, 403) << own.body;
  json approved = Ok("POST", v + "/approve", ed2_, R"({"note": "核对无误"})");
  EXPECT_EQ(approved["status"], "published");
  EXPECT_EQ(approved["reviewer"], "ed2");
  EXPECT_GT(approved["published_ms"].get<int64_t>(), 0);
  EXPECT_EQ(store_->AsOf("2025-12-05")->Find("yb.remote_filing")->answer,
            "新的备案答案：比例75%。");
  json entry = Ok("GET", kEntry, ed2_);
  EXPECT_EQ(entry["current"]["version"], 2);
  ASSERT_EQ(entry["versions"].size(), 2u);
  EXPECT_EQ(entry["versions"][0]["status"], "superseded");
  EXPECT_FALSE(entry["versions"][0].contains("phrasings"));
  EXPECT_EQ(Entries("kb.draft", "yb.remote_filing").size(), 1u);
  EXPECT_EQ(Entries("kb.submit", "yb.remote_filing").size(), 1u);
  EXPECT_EQ(Entries("kb.approve", "yb.remote_filing").size(), 1u);
  EXPECT_TRUE(Entries("kb.publish_alone").empty());
  // The diff of the two: the answer word by word.
  json diff = Ok("GET", std::string(kEntry) + "/diff?from=1&to=2", ed1_);
  bool answer_changed = false;
  for (const auto& f : diff["fields"])
    if (f["field"] == "answer") answer_changed = f["changed"];
  EXPECT_TRUE(answer_changed);
  bool figure = false;
  for (const auto& piece : diff["answer"])
    figure = figure || (piece["op"] == "insert" &&
                        piece["text"].get<std::string>().find("75%") != std::string::npos);
  EXPECT_TRUE(figure) << diff["answer"].dump();
}

TEST_F(KbEntryRoutesTest, AnAdministratorMayPublishAloneAudited) {
  auto root = PrincipalOf("root", Role::kAdmin);
  knowledge::Entry e = store_->Current("yb.remote_filing")->entry;
  e.answer = "管理员独自发布的答案";
  auto ref = store_->CreateDraft(e, root, "紧急更正");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_TRUE(store_->Submit(*ref, root).ok());
  json v = Ok("POST", std::string(kEntry) + "/versions/2/approve", admin_, "{}");
  EXPECT_EQ(v["status"], "published");
  auto alone = Entries("kb.publish_alone", "yb.remote_filing");
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_EQ(alone[0].event.actor, "root");
}

TEST_F(KbEntryRoutesTest, AFutureEffectiveDateIsScheduled) {
  Ok("PUT", std::string(kEntry) + "/draft", ed1_, R"({"answer": "明年的答案"})");
  Ok("POST", std::string(kEntry) + "/versions/2/submit", ed1_);
  json v = Ok("POST", std::string(kEntry) + "/versions/2/approve", ed2_,
              R"({"effective": "2026-01-01"})");
  EXPECT_EQ(v["status"], "scheduled");
  EXPECT_EQ(v["effective"], "2026-01-01");
  Response bad =
      Call("POST", std::string(kEntry) + "/versions/1/approve", ed2_, R"({"effective": "明天"})");
  EXPECT_EQ(bad.status, 409) << bad.body;  // version 1 is not submitted
}

TEST_F(KbEntryRoutesTest, ValidationErrorsNameTheirField) {
  auto field = [&](const std::string& method, const std::string& path, const std::string& body) {
    Response r = Call(method, path, ed1_, body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    json j = json::parse(r.body, nullptr, false);
    return j["error"].value("field", std::string("(none)"));
  };
  const std::string draft = std::string(kEntry) + "/draft";
  EXPECT_EQ(field("PUT", draft, R"({"answer": "   "})"), "answer");
  EXPECT_EQ(field("PUT", draft, R"({"answer": 5})"), "answer");
  EXPECT_EQ(field("PUT", draft, R"({"phrasings": ["a", 3]})"), "phrasings[1]");
  EXPECT_EQ(field("PUT", draft, R"({"phrasings": ["a", "b", "a"]})"), "phrasings[2]");
  EXPECT_EQ(field("PUT", draft, R"({"effective": "2025-02-30"})"), "effective");
  EXPECT_EQ(field("PUT", draft, R"({"colour": "red"})"), "colour");
  EXPECT_EQ(field("PUT", draft, R"({"id": "yb.other"})"), "id");
  EXPECT_EQ(field("POST", "/api/v1/kb/entries", R"({"id": "yb.new", "title": "新"})"), "kind");
  EXPECT_EQ(field("POST", std::string(kEntry) + "/phrasings", R"({"phrasings": [1]})"),
            "phrasings[0]");
  // Nothing was saved.
  EXPECT_EQ(store_->Versions("yb.remote_filing")->size(), 1u);
}

TEST_F(KbEntryRoutesTest, IllegalMovesAre409) {
  EXPECT_EQ(Call("POST", std::string(kEntry) + "/versions/1/submit", ed1_).status, 409);
  EXPECT_EQ(Call("POST", std::string(kEntry) + "/versions/1/approve", ed2_, "{}").status, 409);
  EXPECT_EQ(
      Call("POST", std::string(kEntry) + "/versions/1/reject", ed2_, R"({"reason": "x"})").status,
      409);
  EXPECT_EQ(Call("POST", std::string(kEntry) + "/versions/9/submit", ed1_).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/kb/entries/yb.nope", ed1_).status, 404);
  // An existing id cannot be created again.
  json current = Ok("GET", std::string(kEntry) + "/versions/1", ed1_);
  current.erase("status");
  EXPECT_EQ(Call("POST", "/api/v1/kb/entries", ed1_, current.dump()).status, 409);
  // A new one can, as a draft (201), and restore works on a closed version only.
  current["id"] = "yb.brand_new";
  json created = Ok("POST", "/api/v1/kb/entries", ed1_, current.dump(), 201);
  EXPECT_EQ(created["status"], "draft");
  EXPECT_EQ(created["version"], 1);
  EXPECT_EQ(Call("POST", "/api/v1/kb/entries/yb.brand_new/versions/1/restore", ed1_).status, 409);
  json restored = Ok("POST", std::string(kEntry) + "/versions/1/restore", ed2_);
  EXPECT_EQ(restored["version"], 2);
  EXPECT_EQ(Entries("kb.create", "yb.brand_new").size(), 1u);
  EXPECT_EQ(Entries("kb.restore", "yb.remote_filing").size(), 1u);
  // Rejected by another, with the reason.
  Ok("POST", std::string(kEntry) + "/versions/2/submit", ed2_);
  EXPECT_EQ(
      Call("POST", std::string(kEntry) + "/versions/2/reject", ed2_, R"({"reason": "x"})").status,
      403);
  json rejected =
      Ok("POST", std::string(kEntry) + "/versions/2/reject", ed1_, R"({"reason": "无改动"})");
  EXPECT_EQ(rejected["status"], "rejected");
  EXPECT_EQ(rejected["review_note"], "无改动");
}

TEST_F(KbEntryRoutesTest, ListAreasAndPhrasings) {
  json areas = Ok("GET", "/api/v1/kb/areas", ed1_);
  bool yb = false;
  for (const auto& a : areas["areas"])
    if (a["code"] == "yb") yb = a["name"] == "医疗保障" && a["entries"].get<int>() > 0;
  EXPECT_TRUE(yb) << areas.dump();
  json page = Ok("GET", "/api/v1/kb/entries?per_page=5&page=2", ed1_);
  EXPECT_EQ(page["total"],
            knowledge::LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb")->entries.size());
  EXPECT_EQ(page["items"].size(), 5u);
  EXPECT_EQ(page["page"], 2);
  json hits = Ok("GET", "/api/v1/kb/entries?sort=-hits&per_page=2", ed1_);
  EXPECT_EQ(hits["items"][0]["id"], "sbk.loss");
  EXPECT_EQ(hits["items"][0]["hits_7d"], 30);
  EXPECT_EQ(hits["items"][1]["id"], "yb.remote_filing");
  EXPECT_TRUE(hits["items"][1]["draft"].is_null());
  json yb_only = Ok("GET", "/api/v1/kb/entries?area=yb&kind=faq", ed1_);
  for (const auto& i : yb_only["items"]) EXPECT_EQ(i["area"], "yb");
  EXPECT_EQ(Call("GET", "/api/v1/kb/entries?sort=colour", ed1_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/kb/entries?per_page=0", ed1_).status, 400);
  // Phrasings go into a draft, shown in the list.
  json draft = Ok("POST", std::string(kEntry) + "/phrasings", ed1_,
                  R"({"phrasings": ["ZXTEST去外地看病怎么弄"], "note": "未答问题"})");
  EXPECT_EQ(draft["status"], "draft");
  EXPECT_EQ(draft["phrasings"].back(), "ZXTEST去外地看病怎么弄");
  json found = Ok("GET", "/api/v1/kb/entries?q=zxtest", ed1_);
  ASSERT_EQ(found["total"], 1);
  EXPECT_EQ(found["items"][0]["draft"]["version"], 2);
  EXPECT_EQ(found["items"][0]["draft"]["editor"], "ed1");
  EXPECT_EQ(Entries("kb.phrasings", "yb.remote_filing").size(), 1u);
}

TEST_F(KbEntryRoutesTest, ExportTomlLoadsAndXlsxIsAWorkbook) {
  Response toml = Call("GET", "/api/v1/kb/export?format=toml&area=yb", ed1_);
  ASSERT_EQ(toml.status, 200) << toml.body;
  EXPECT_EQ(toml.body.rfind("# 医疗保障", 0), 0u) << toml.body.substr(0, 80);
  auto parsed = knowledge::ParseEntries(toml.body, "yb.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  for (const auto& e : *parsed) EXPECT_EQ(e.id.rfind("yb.", 0), 0u);
  EXPECT_NE(toml.Header("Content-Disposition").find("kb-yb.toml"), std::string::npos);
  Response xlsx = Call("GET", "/api/v1/kb/export?format=xlsx", ed1_);
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
  EXPECT_EQ(Call("GET", "/api/v1/kb/export?format=pdf", ed1_).status, 400);
  EXPECT_EQ(Entries("kb.export").size(), 2u);
}

}  // namespace
}  // namespace zx::http
