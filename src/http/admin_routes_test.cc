// The administration routes (http/admin_routes.h) and the audit log's paging (staff_routes.h)
// behind the real auth middleware: an administrator manages accounts and API keys, every other
// role is refused by the policy, each change is in the audit log, and the errors say why.
#include "http/admin_routes.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "http/staff_routes.h"
#include "http/testing/route_test_fixture.h"
#include "security/keys.h"
#include "security/totp.h"

namespace zx::http {
namespace {

using nlohmann::json;
using security::Role;

class AdminRoutesTest : public testing::RouteTestBase {
 protected:
  AdminRoutesTest() {
    // A user store with a cipher, so that second factors can be enrolled (sealed).
    security::UserStoreOptions uo;
    uo.password = security::testing::CheapPasswords();
    uo.cipher = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(f_.clock)));
    UseUsers(std::move(security::UserStore::Open(*f_.db, f_.clock, uo)).value());
    AddStaffRoutes(router_, *authenticator_, *users_, *f_.audit);
    AddAdminRoutes(router_, *users_, *f_.sessions, *f_.api_keys, *f_.audit);
    InstallAuth();
    admin_ = TokenOf("root", Role::kAdmin);
  }

  int64_t AddUser(const std::string& name, Role role, security::Scope scope = {}) {
    auto u = users_->Add(name, role, kPassword, scope);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? u->id : 0;
  }
  std::string Login(const std::string& name, const std::string& password = kPassword,
                    const std::string& otp = "") {
    auto r = authenticator_->Login(name, password, "127.0.0.1", otp);
    return r.ok() ? r->token : "";
  }
  static std::string Message(const Response& r) {
    return json::parse(r.body)["error"]["message"].get<std::string>();
  }

  std::string admin_;
};

TEST_F(AdminRoutesTest, EveryRouteIsTheAdministratorsAlone) {
  int64_t id = AddUser("clerk", Role::kAgent);
  std::string u = "/api/v1/users/" + std::to_string(id);
  const std::vector<std::tuple<std::string, std::string, std::string>> routes = {
      {"POST", u + "/disable", ""},
      {"POST", u + "/enable", ""},
      {"POST", u + "/unlock", ""},
      {"POST", u + "/password", R"({"password": "another long password"})"},
      {"POST", u + "/totp", ""},
      {"DELETE", u + "/totp", ""},
      {"GET", "/api/v1/apikeys", ""},
      {"POST", "/api/v1/apikeys", R"({"name": "rsj-system"})"},
      {"POST", "/api/v1/apikeys/0123456789abcdef/revoke", ""},
  };
  std::map<std::string, std::string> tokens = {
      {"supervisor", TokenOf("sup", Role::kSupervisor)},
      {"agent", TokenOf("agent", Role::kAgent)},
      {"editor", TokenOf("editor", Role::kEditor)},
      {"auditor", TokenOf("auditor", Role::kAuditor)},
      {"department_handler", TokenOf("handler", Role::kDepartmentHandler, {"rsj", ""})},
      {"integration", f_.api_keys->Create("tickets-system").value().key}};
  for (const auto& [method, path, body] : routes) {
    for (const auto& [role, token] : tokens) {
      Response r = Call(method, path, token, body);
      EXPECT_EQ(r.status, 403) << method << " " << path << " as " << role << ": " << r.body;
    }
    EXPECT_EQ(Call(method, path, "", body).status, 401) << method << " " << path;
  }
  // Nothing changed: the refusals are recorded, no account or key action is.
  EXPECT_FALSE(users_->Find("clerk")->disabled);
  EXPECT_TRUE(Entries("user.").empty());
  EXPECT_TRUE(Entries("apikey.").empty());
  EXPECT_GE(Entries("http.denied").size(), routes.size() * tokens.size());
}

TEST_F(AdminRoutesTest, DisableEndsTheSessionsAtOnceEnableAndUnlockAreAudited) {
  std::string clerk = TokenOf("clerk", Role::kAgent);
  int64_t id = users_->Find("clerk")->id;
  std::string u = "/api/v1/users/" + std::to_string(id);
  ASSERT_EQ(Call("GET", "/api/v1/auth/me", clerk).status, 200);

  Response off = Call("POST", u + "/disable", admin_);
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_TRUE(json::parse(off.body)["disabled"].get<bool>());
  EXPECT_EQ(json::parse(off.body)["name"], "clerk");
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", clerk).status, 401);  // not when it expires
  EXPECT_TRUE(Login("clerk").empty());

  Response on = Call("POST", u + "/enable", admin_);
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_FALSE(json::parse(on.body)["disabled"].get<bool>());
  EXPECT_FALSE(Login("clerk").empty());

  for (int i = 0; i < 5; ++i) (void)authenticator_->Login("clerk", "wrong password", "127.0.0.1");
  EXPECT_TRUE(Login("clerk").empty());  // locked out
  ASSERT_EQ(Call("POST", u + "/unlock", admin_).status, 200);
  EXPECT_FALSE(Login("clerk").empty());

  for (const char* action : {"user.disable", "user.enable", "user.unlock"}) {
    auto entries = Entries(action);
    ASSERT_EQ(entries.size(), 1u) << action;
    EXPECT_EQ(entries[0].event.actor, "root");
    EXPECT_EQ(entries[0].event.object_type, "user");
    EXPECT_EQ(entries[0].event.object_id, "u:" + std::to_string(id));
    EXPECT_EQ(entries[0].event.remote, "10.1.2.3");
    EXPECT_EQ(json::parse(entries[0].event.details_json)["name"], "clerk");
  }
}

TEST_F(AdminRoutesTest, TheLastActiveAdministratorIsNeverDisabled) {
  int64_t root = users_->Find("root")->id;
  Response self = Call("POST", "/api/v1/users/" + std::to_string(root) + "/disable", admin_);
  EXPECT_EQ(self.status, 409) << self.body;
  EXPECT_EQ(json::parse(self.body)["error"]["code"], "failed_precondition");
  EXPECT_NE(Message(self).find("last active administrator"), std::string::npos) << self.body;
  EXPECT_FALSE(users_->Find("root")->disabled);
  EXPECT_TRUE(Entries("user.disable").empty());

  // With a second one, either may go, but then not the other.
  std::string second = TokenOf("second", Role::kAdmin);
  int64_t second_id = users_->Find("second")->id;
  ASSERT_EQ(Call("POST", "/api/v1/users/" + std::to_string(root) + "/disable", second).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", admin_).status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/users/" + std::to_string(second_id) + "/disable", second).status,
            409);
  // A pending administrator does not count as active.
  ASSERT_TRUE(users_->Add("waiting", Role::kAdmin, kPassword, {}, "second", true).ok());
  EXPECT_EQ(Call("POST", "/api/v1/users/" + std::to_string(second_id) + "/disable", second).status,
            409);
  // The command line (the operating-system account acts as the system) still may.
  ASSERT_TRUE(users_->SetDisabled("second", true).ok());
}

TEST_F(AdminRoutesTest, UnknownUsersAndBadIdsSaySo) {
  Response unknown = Call("POST", "/api/v1/users/999/disable", admin_);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(Message(unknown).find("999"), std::string::npos);
  EXPECT_EQ(
      Call("POST", "/api/v1/users/999/password", admin_, R"({"password": "another long password"})")
          .status,
      404);
  EXPECT_EQ(Call("POST", "/api/v1/users/999/totp", admin_).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/users/999/totp", admin_).status, 404);
  Response bad = Call("POST", "/api/v1/users/clerk/enable", admin_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(Message(bad).find("whole number"), std::string::npos);
}

TEST_F(AdminRoutesTest, APasswordResetKeepsThePolicyAndEndsTheSessions) {
  std::string clerk = TokenOf("clerk", Role::kAgent);
  std::string u = "/api/v1/users/" + std::to_string(users_->Find("clerk")->id);

  Response weak = Call("POST", u + "/password", admin_, R"({"password": "short"})");
  EXPECT_EQ(weak.status, 400);
  EXPECT_NE(Message(weak).find("at least 12 characters"), std::string::npos) << weak.body;
  Response named = Call("POST", u + "/password", admin_, R"({"password": "clerk-and-more-words"})");
  EXPECT_EQ(named.status, 400);
  EXPECT_NE(Message(named).find("login name"), std::string::npos) << named.body;
  Response missing = Call("POST", u + "/password", admin_, R"({})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(Message(missing).find("\"password\""), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", clerk).status, 200);  // nothing changed yet

  Response set = Call("POST", u + "/password", admin_, R"({"password": "a brand new passphrase"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.body.find("passphrase"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", clerk).status, 401);
  EXPECT_TRUE(Login("clerk").empty());
  EXPECT_FALSE(Login("clerk", "a brand new passphrase").empty());
  auto entries = Entries("user.password");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event.actor, "root");
  EXPECT_EQ(entries[0].event.details_json.find("passphrase"), std::string::npos);
}

TEST_F(AdminRoutesTest, TotpIsEnrolledOnceShownAndRemoved) {
  AddUser("clerk", Role::kAgent);
  std::string u = "/api/v1/users/" + std::to_string(users_->Find("clerk")->id);
  Response on = Call("POST", u + "/totp", admin_);
  ASSERT_EQ(on.status, 200) << on.body;
  json j = json::parse(on.body);
  auto secret = security::Base32Decode(j["secret"].get<std::string>());
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(j["uri"].get<std::string>().rfind("otpauth://totp/zhixian:clerk?", 0), 0u) << j;
  EXPECT_TRUE(j["user"]["otp"].get<bool>());

  // The login now needs the code.
  EXPECT_TRUE(Login("clerk").empty());
  int64_t step = f_.clock.NowUnixMillis() / 1000 / security::kTotpStepSeconds;
  EXPECT_FALSE(Login("clerk", kPassword, security::TotpCode(*secret, step)).empty());
  Response list = Call("GET", "/api/v1/users", admin_);
  ASSERT_EQ(list.status, 200);
  const json users = json::parse(list.body)["users"];  // not a member of a temporary
  for (const auto& user : users)
    EXPECT_EQ(user["otp"].get<bool>(), user["name"] == "clerk") << user;

  Response off = Call("DELETE", u + "/totp", admin_);
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_FALSE(json::parse(off.body)["otp"].get<bool>());
  EXPECT_FALSE(Login("clerk").empty());

  ASSERT_EQ(Entries("user.otp_enable").size(), 1u);
  ASSERT_EQ(Entries("user.otp_disable").size(), 1u);
  EXPECT_EQ(Entries("user.otp_enable")[0].event.details_json.find(j["secret"].get<std::string>()),
            std::string::npos);
}

TEST_F(AdminRoutesTest, TotpWithoutAKeyFileIsRefusedClearly) {
  // The fixture's own user store has no cipher (no key file).
  Router router;
  AddAdminRoutes(router, *f_.users, *f_.sessions, *f_.api_keys, *f_.audit);
  security::Authenticator plain(*f_.users, *f_.sessions, *f_.api_keys, f_.audit.get());
  http::InstallAuth(router,
                    std::make_shared<AuthMiddleware>(plain, f_.audit.get(), nullptr, nullptr));
  Request req;
  req.method = "POST";
  req.path = "/api/v1/users/" + std::to_string(users_->Find("root")->id) + "/totp";
  req.headers = {{"Authorization", "Bearer " + admin_}};
  req.remote_address = "10.1.2.3:5555";
  Response r = router.Handle(req);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_TRUE(Entries("user.otp_enable").empty());
}

TEST_F(AdminRoutesTest, ApiKeysAreCreatedOnceListedWithoutSecretsAndRevoked) {
  Response made = Call("POST", "/api/v1/apikeys", admin_,
                       R"({"name": "rsj-system", "department": "rsj", "district": "330102"})");
  ASSERT_EQ(made.status, 201) << made.body;
  json key = json::parse(made.body);
  std::string secret = key["key"];
  std::string id = key["id"];
  EXPECT_EQ(secret.rfind("zxk_" + id + "_", 0), 0u);
  EXPECT_EQ(key["department"], "rsj");
  EXPECT_EQ(key["district"], "330102");
  EXPECT_FALSE(key["revoked"].get<bool>());
  EXPECT_TRUE(key["last_used_ms"].is_null());

  // The key works, as an integration client.
  Response me = Call("GET", "/api/v1/auth/me", secret);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(json::parse(me.body)["role"], "integration");

  Response list = Call("GET", "/api/v1/apikeys", admin_);
  ASSERT_EQ(list.status, 200);
  json listed = json::parse(list.body)["api_keys"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], id);
  EXPECT_FALSE(listed[0]["last_used_ms"].is_null());
  // The secret (base64url, may hold '_') follows "zxk_<id>_".
  EXPECT_EQ(list.body.find(secret.substr(4 + id.size() + 1)), std::string::npos);

  EXPECT_EQ(Call("POST", "/api/v1/apikeys", admin_, R"({"name": "rsj-system"})").status, 409);
  Response district = Call("POST", "/api/v1/apikeys", admin_, R"({"name": "x", "district": "1"})");
  EXPECT_EQ(district.status, 400);
  EXPECT_NE(Message(district).find("department"), std::string::npos);
  EXPECT_EQ(Call("POST", "/api/v1/apikeys", admin_, R"({})").status, 400);

  Response revoked = Call("POST", "/api/v1/apikeys/" + id + "/revoke", admin_);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_TRUE(json::parse(revoked.body)["revoked"].get<bool>());
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", secret).status, 401);                     // at once
  EXPECT_EQ(Call("POST", "/api/v1/apikeys/" + id + "/revoke", admin_).status, 200);  // idempotent
  EXPECT_EQ(Call("POST", "/api/v1/apikeys/0123456789abcdef/revoke", admin_).status, 404);
  EXPECT_EQ(Call("POST", "/api/v1/apikeys/rsj-system/revoke", admin_).status, 400);

  auto created = Entries("apikey.create");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].event.object_id, "k:" + id);
  EXPECT_EQ(created[0].event.actor, "root");
  EXPECT_EQ(created[0].event.details_json.find(secret), std::string::npos);
  ASSERT_EQ(Entries("apikey.revoke").size(), 2u);
  EXPECT_EQ(Entries("apikey.revoke")[0].event.object_id, "k:" + id);
}

TEST_F(AdminRoutesTest, TheAuditLogPagesWithATotalAndFilters) {
  std::string auditor = TokenOf("auditor", Role::kAuditor);
  for (int i = 0; i < 5; ++i) {
    security::AuditEvent e;
    e.actor = "someone";
    e.role = "admin";
    e.action = "test.step";
    e.object_type = "thing";
    e.object_id = "t:" + std::to_string(i);
    ASSERT_TRUE(f_.audit->Append(e).ok());
  }
  Response page = Call("GET", "/api/v1/audit?action=test.&limit=2&offset=1", auditor);
  ASSERT_EQ(page.status, 200) << page.body;
  json j = json::parse(page.body);
  EXPECT_EQ(j["total"], 5);
  EXPECT_EQ(j["offset"], 1);
  EXPECT_EQ(j["limit"], 2);
  ASSERT_EQ(j["entries"].size(), 2u);
  EXPECT_EQ(j["entries"][0]["object_id"], "t:1");
  EXPECT_EQ(j["entries"][1]["object_id"], "t:2");

  json newest =
      json::parse(Call("GET", "/api/v1/audit?action=test.&limit=2&order=desc", auditor).body);
  EXPECT_EQ(newest["entries"][0]["object_id"], "t:4");
  EXPECT_EQ(newest["total"], 5);
  json one =
      json::parse(Call("GET", "/api/v1/audit?object_type=thing&object_id=t:3", auditor).body);
  EXPECT_EQ(one["total"], 1);
  json by = json::parse(Call("GET", "/api/v1/audit?actor=someone&action=test.", auditor).body);
  EXPECT_EQ(by["total"], 5);
  json past = json::parse(Call("GET", "/api/v1/audit?action=test.&until=1", auditor).body);
  EXPECT_EQ(past["total"], 0);
  EXPECT_EQ(Call("GET", "/api/v1/audit?order=sideways", auditor).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/audit?offset=-1", auditor).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/audit", admin_).status, 403);  // 三员分立: the auditor's
}

TEST_F(AdminRoutesTest, ThePolicySaysWhatTheCallerHoldsAndWhoDoes) {
  std::string agent = TokenOf("agent", Role::kAgent);
  Response r = Call("GET", "/api/v1/auth/policy", agent);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["role"], "agent");
  std::map<std::string, json> by;
  for (const auto& p : j["permissions"]) by[p["permission"].get<std::string>()] = p;
  EXPECT_EQ(by.count("ask"), 0u);  // open to anyone: not a screen's reason
  EXPECT_TRUE(by["kb.test"]["held"].get<bool>());
  EXPECT_FALSE(by["user.manage"]["held"].get<bool>());
  EXPECT_EQ(by["user.manage"]["roles"], json::array({"admin"}));
  EXPECT_FALSE(by["user.manage"]["meaning"].get<std::string>().empty());
  EXPECT_EQ(Call("GET", "/api/v1/auth/policy", "").status, 401);

  // /auth/me lists the same held permissions: the console's menu.
  json me = json::parse(Call("GET", "/api/v1/auth/me", agent).body);
  std::set<std::string> held;
  for (const auto& [name, p] : by)
    if (p["held"].get<bool>()) held.insert(name);
  std::set<std::string> listed;
  for (const auto& p : me["permissions"]) listed.insert(p.get<std::string>());
  EXPECT_EQ(listed, held);
}

}  // namespace
}  // namespace zx::http
