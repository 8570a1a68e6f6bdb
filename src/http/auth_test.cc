// The auth middleware, the rate limiter and the staff routes, without a server: requests go
// straight into Router::Handle over in-memory security stores.
#include "http/auth.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/staff_routes.h"
#include "http/testing/route_test_fixture.h"
#include "security/policy.h"
#include "security/testing/fixtures.h"

namespace zx::http {
namespace {

using nlohmann::json;
using security::Role;

constexpr char kPassword[] = "correct horse battery";

class AuthTest : public ::testing::Test {
 protected:
  AuthTest() : authenticator_(*f_.users, *f_.sessions, *f_.api_keys, f_.audit.get()) {
    limiter_ = std::make_unique<RateLimiter>(1000, f_.clock);
    AddStaffRoutes(router_, authenticator_, *f_.users, *f_.audit);
    router_.Add("POST", "/api/v1/ask", "ask", [](const Request& r) {
      return Response::Json(200, {{"anonymous", !r.principal.authenticated()}});
    });
    router_.Add("GET", "/metrics", "metrics.read",
                [](const Request&) { return Response::Text(200, "m 1\n"); });
    router_.Add("GET", "/api/v1/tickets/{id}", "ticket.read", [](const Request& r) {
      return Response::Json(200, {{"id", r.PathParam("id")}});
    });
    InstallAuth(router_, std::make_shared<AuthMiddleware>(authenticator_, f_.audit.get(),
                                                          limiter_.get(), &metrics_));
  }

  void AddUser(const std::string& name, Role role, security::Scope scope = {}) {
    ASSERT_TRUE(f_.users->Add(name, role, kPassword, scope).ok());
  }
  std::string Login(const std::string& name) {
    auto r = authenticator_.Login(name, kPassword, "127.0.0.1");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->token : "";
  }

  Response Call(const std::string& method, const std::string& target, const std::string& body = "",
                Fields headers = {}, const std::string& remote = "10.1.2.3:5555") {
    Request req = testing::MakeRequest(method, target, "", body, headers);
    req.remote_address = remote;
    return router_.Handle(req);
  }
  static Fields Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  std::vector<security::AuditEntry> Entries(const std::string& action) {
    security::AuditQuery q;
    q.action_prefix = action;
    return f_.audit->Query(q).value();
  }

  security::testing::SecurityFixture f_;
  security::Authenticator authenticator_;
  std::unique_ptr<RateLimiter> limiter_;
  Metrics metrics_;
  Router router_;
};

TEST_F(AuthTest, OpenRouteNeedsNoCredentialsAndIgnoresBadOnes) {
  EXPECT_EQ(Call("POST", "/api/v1/ask", "{}").status, 200);
  auto r = Call("POST", "/api/v1/ask", "{}", Bearer("zxs_forged"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(json::parse(r.body)["anonymous"].get<bool>());
  EXPECT_TRUE(Entries("http.").empty()) << "citizen requests are not audited";
}

TEST_F(AuthTest, StaffRouteWithoutCredentialsIs401WithChallenge) {
  auto r = Call("GET", "/api/v1/users");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer realm=\"zhixian\"");
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "unauthenticated");
  EXPECT_EQ(Call("GET", "/api/v1/users", "", Bearer("zxs_forged")).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/users", "", {{"Authorization", "Basic YTpi"}}).status, 401);
}

TEST_F(AuthTest, WrongRoleIs403AndAudited) {
  AddUser("agent.a", Role::kAgent);
  auto r = Call("GET", "/api/v1/users", "", Bearer(Login("agent.a")));
  EXPECT_EQ(r.status, 403);
  auto denied = Entries("http.denied");
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].event.actor, "agent.a");
  EXPECT_EQ(denied[0].event.object_id, "GET /api/v1/users");
  EXPECT_EQ(denied[0].event.remote, "10.1.2.3");
}

TEST_F(AuthTest, AllowedStaffAccessIsAuditedWithStatusAndPurpose) {
  AddUser("admin", Role::kAdmin);
  Fields headers = Bearer(Login("admin"));
  headers.emplace_back("X-Access-Purpose", "ticket T-1");
  auto r = Call("GET", "/api/v1/users", "", headers);
  EXPECT_EQ(r.status, 200) << r.body;
  auto access = Entries("http.access");
  ASSERT_EQ(access.size(), 1u);
  EXPECT_EQ(access[0].event.purpose, "ticket T-1");
  auto details = json::parse(access[0].event.details_json);
  EXPECT_EQ(details["status"], 200);
  EXPECT_EQ(details["permission"], "user.manage");
}

TEST_F(AuthTest, ApiKeyIsIntegrationRole) {
  auto key = f_.api_keys->Create("dept-system").value();
  EXPECT_EQ(Call("GET", "/api/v1/tickets/7", "", Bearer(key.key)).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/users", "", Bearer(key.key)).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/tickets/7", "", Bearer(key.key + "x")).status, 401);
}

TEST_F(AuthTest, CookieSessionNeedsCsrfTokenForUnsafeMethods) {
  AddUser("admin", Role::kAdmin);
  auto login = authenticator_.Login("admin", kPassword, "127.0.0.1").value();
  Fields cookie = {{"Cookie", "theme=dark; zx_session=" + login.token}};
  EXPECT_EQ(Call("GET", "/api/v1/users", "", cookie).status, 200);
  std::string body = R"({"name":"new.agent","role":"agent","password":"another long secret"})";
  EXPECT_EQ(Call("POST", "/api/v1/users", body, cookie).status, 403);
  Fields wrong = cookie;
  wrong.emplace_back("X-CSRF-Token", "nope");
  EXPECT_EQ(Call("POST", "/api/v1/users", body, wrong).status, 403);
  Fields right = cookie;
  right.emplace_back("X-CSRF-Token", login.csrf_token);
  EXPECT_EQ(Call("POST", "/api/v1/users", body, right).status, 201);
  // A cookie without CSRF on an open route is treated as anonymous, not refused.
  auto ask = Call("POST", "/api/v1/ask", "{}", cookie);
  EXPECT_EQ(ask.status, 200);
  EXPECT_TRUE(json::parse(ask.body)["anonymous"].get<bool>());
}

TEST_F(AuthTest, MetricsAreOpenOnLoopbackOnly) {
  EXPECT_EQ(Call("GET", "/metrics", "", {}, "127.0.0.1:4000").status, 200);
  EXPECT_EQ(Call("GET", "/metrics", "", {}, "::1:4000").status, 200);
  EXPECT_EQ(Call("GET", "/metrics", "", {}, "10.0.0.8:4000").status, 401);
  AddUser("sup", Role::kSupervisor);
  AddUser("agent", Role::kAgent);
  EXPECT_EQ(Call("GET", "/metrics", "", Bearer(Login("sup")), "10.0.0.8:4000").status, 200);
  EXPECT_EQ(Call("GET", "/metrics", "", Bearer(Login("agent")), "10.0.0.8:4000").status, 403);
}

TEST_F(AuthTest, RoutesWithoutAValidPermissionFailClosed) {
  router_.Add("GET", "/api/v1/naked", [](const Request&) { return Response::Json(200, {}); });
  router_.Add("GET", "/api/v1/typo", "user.mange",
              [](const Request&) { return Response::Json(200, {}); });
  AddUser("admin", Role::kAdmin);
  std::string token = Login("admin");
  EXPECT_EQ(Call("GET", "/api/v1/naked", "", Bearer(token)).status, 500);
  EXPECT_EQ(Call("GET", "/api/v1/typo", "", Bearer(token)).status, 500);
}

TEST_F(AuthTest, UnmatchedPathsStill404And405) {
  EXPECT_EQ(Call("GET", "/api/v1/nothing").status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/users").status, 405);
}

TEST_F(AuthTest, RateLimitAppliesUnderApiPerAddress) {
  RateLimiter tight(3, f_.clock);
  Router router;
  router.Add("POST", "/api/v1/ask", "ask", [](const Request&) { return Response::Json(200, {}); });
  router.Add("GET", "/healthz", "system.health",
             [](const Request&) { return Response::Json(200, {}); });
  InstallAuth(router, std::make_shared<AuthMiddleware>(authenticator_, nullptr, &tight, nullptr));
  auto call = [&](const std::string& path, const std::string& remote) {
    Request req;
    req.method = path == "/healthz" ? "GET" : "POST";
    req.path = path;
    req.remote_address = remote;
    return router.Handle(req);
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("/api/v1/ask", "10.0.0.1:1").status, 200);
  auto limited = call("/api/v1/ask", "10.0.0.1:2");
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.Header("Retry-After").empty());
  EXPECT_EQ(call("/api/v1/ask", "10.0.0.2:1").status, 200) << "another address has its own bucket";
  EXPECT_EQ(call("/healthz", "10.0.0.1:1").status, 200) << "only /api is limited";
  f_.clock.Advance(std::chrono::seconds(20));  // 3 a minute: one token back
  EXPECT_EQ(call("/api/v1/ask", "10.0.0.1:1").status, 200);
  EXPECT_EQ(call("/api/v1/ask", "10.0.0.1:1").status, 429);
}

TEST_F(AuthTest, LoginsHaveTheirOwnTighterLimit) {
  Router router;
  AddStaffRoutes(router, authenticator_, *f_.users, *f_.audit);
  AuthOptions options;
  options.logins_per_minute = 2;
  options.clock = &f_.clock;
  InstallAuth(router, std::make_shared<AuthMiddleware>(authenticator_, nullptr, limiter_.get(),
                                                       nullptr, options));
  auto login = [&](const std::string& remote) {
    Request req;
    req.method = "POST";
    req.path = "/api/v1/auth/login";
    req.body = R"({"name":"nobody","password":"whatever it is"})";
    req.remote_address = remote;
    return router.Handle(req).status;
  };
  EXPECT_EQ(login("10.0.0.1:1"), 401);
  EXPECT_EQ(login("10.0.0.1:1"), 401);
  EXPECT_EQ(login("10.0.0.1:1"), 429);
  EXPECT_EQ(login("10.0.0.2:1"), 401);
  f_.clock.Advance(std::chrono::seconds(30));
  EXPECT_EQ(login("10.0.0.1:1"), 401);
}

TEST(RateLimiter, ZeroMeansNoLimitAndMemoryIsBounded) {
  FakeClock clock(0);
  RateLimiter off(0, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(off.Allow("a"));
  RateLimiter small(1, clock, 100);
  for (int i = 0; i < 1000; ++i) small.Allow("10.0.0." + std::to_string(i));
  EXPECT_LE(small.clients(), 100u);
}

TEST(RateLimiter, AddressesAndLoopback) {
  EXPECT_EQ(ClientAddress("1.2.3.4:5678"), "1.2.3.4");
  EXPECT_EQ(ClientAddress("::1:5678"), "::1");
  EXPECT_EQ(ClientAddress("[::1]:5678"), "::1");
  EXPECT_EQ(ClientAddress("nocolon"), "nocolon");
  EXPECT_TRUE(IsLoopback("127.0.0.1"));
  EXPECT_TRUE(IsLoopback("127.9.9.9"));
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_TRUE(IsLoopback("::ffff:127.0.0.1"));
  EXPECT_FALSE(IsLoopback("10.0.0.1"));
  EXPECT_FALSE(IsLoopback("::2"));
  EXPECT_FALSE(IsLoopback("1127.0.0.1"));
}

TEST_F(AuthTest, LoginMeLogout) {
  AddUser("sup", Role::kSupervisor);
  auto r =
      Call("POST", "/api/v1/auth/login", R"({"name":"sup","password":"correct horse battery"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  std::string token = body["token"];
  EXPECT_EQ(token.rfind("zxs_", 0), 0u);
  EXPECT_FALSE(body["csrf_token"].get<std::string>().empty());
  std::string cookie(r.Header("Set-Cookie"));
  EXPECT_NE(cookie.find("zx_session=" + token), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);

  auto me = Call("GET", "/api/v1/auth/me", "", Bearer(token));
  ASSERT_EQ(me.status, 200);
  auto who = json::parse(me.body);
  EXPECT_EQ(who["name"], "sup");
  EXPECT_EQ(who["role"], "supervisor");
  auto perms = who["permissions"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(perms.begin(), perms.end(), "ticket.read"), perms.end());
  EXPECT_EQ(std::find(perms.begin(), perms.end(), "user.manage"), perms.end());

  EXPECT_EQ(Call("POST", "/api/v1/auth/logout", "", Bearer(token)).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", Bearer(token)).status, 401);
}

TEST_F(AuthTest, WrongPasswordIs401AndLockOutIs429) {
  AddUser("agent", Role::kAgent);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(
        Call("POST", "/api/v1/auth/login", R"({"name":"agent","password":"wrong one"})").status,
        401);
  auto locked =
      Call("POST", "/api/v1/auth/login", R"({"name":"agent","password":"correct horse battery"})");
  EXPECT_EQ(locked.status, 429);
  EXPECT_FALSE(locked.Header("Retry-After").empty());
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", R"({"name":"agent"})").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", "not json").status, 400);
}

// Issue 9 #4: with a login pool the login route answers later, from the pool, and 503 with
// Retry-After when the pool's queue is full; the calling (server) thread never hashes.
TEST_F(AuthTest, LoginsRunOnTheirPoolAnd503WhenItIsFull) {
  AddUser("sup", Role::kSupervisor);
  security::LoginPool pool(1, 1);
  Router router;
  AddStaffRoutes(router, authenticator_, *f_.users, *f_.audit, {.login_pool = &pool});
  auto login = [&] {
    Request req;
    req.method = "POST";
    req.path = "/api/v1/auth/login";
    req.body = R"({"name":"sup","password":"correct horse battery"})";
    req.remote_address = "10.1.2.3:5555";
    return router.Handle(req);
  };
  // Answered from the pool's thread.
  Response later = login();
  ASSERT_TRUE(later.deferred);
  std::promise<std::pair<int, std::thread::id>> answered;
  later.deferred([&](Response res) {
    answered.set_value({res.status, std::this_thread::get_id()});
  });
  auto [status, thread] = answered.get_future().get();
  EXPECT_EQ(status, 200);
  EXPECT_NE(thread, std::this_thread::get_id());

  // The pool's one thread busy and its one queue slot taken: the next login is refused at once.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&started, released] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();
  ASSERT_TRUE(pool.TrySubmit([] {}));
  Response refused;
  login().deferred([&](Response res) { refused = std::move(res); });
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.Header("Retry-After"), "2");
  release.set_value();
}

TEST_F(AuthTest, AuditRoutesForTheAuditor) {
  AddUser("aud", Role::kAuditor);
  AddUser("admin", Role::kAdmin);
  std::string aud = Login("aud"), admin = Login("admin");
  auto list = Call("GET", "/api/v1/audit?action=auth.&limit=10", "", Bearer(aud));
  ASSERT_EQ(list.status, 200) << list.body;
  auto entries = json::parse(list.body)["entries"];
  ASSERT_GE(entries.size(), 2u);
  EXPECT_EQ(entries[0]["action"], "auth.login");
  EXPECT_EQ(Call("GET", "/api/v1/audit?limit=0", "", Bearer(aud)).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/audit", "", Bearer(admin)).status, 403) << "admin sees no audit";
  auto verify = Call("GET", "/api/v1/audit/verify", "", Bearer(admin));
  ASSERT_EQ(verify.status, 200);
  EXPECT_TRUE(json::parse(verify.body)["ok"].get<bool>());
}

TEST_F(AuthTest, UsersAreListedAndAddedByAdmin) {
  AddUser("admin", Role::kAdmin);
  std::string admin = Login("admin");
  auto add = Call("POST", "/api/v1/users",
                  R"({"name":"h1","role":"department_handler","password":"long enough secret",
                      "department":"rsj","district":"330102"})",
                  Bearer(admin));
  ASSERT_EQ(add.status, 201) << add.body;
  EXPECT_EQ(json::parse(add.body)["department"], "rsj");
  EXPECT_EQ(Call("POST", "/api/v1/users", R"({"name":"h2","role":"agent","password":"short"})",
                 Bearer(admin))
                .status,
            400);
  EXPECT_EQ(Call("POST", "/api/v1/users", R"({"name":"h3","role":"wizard","password":"x"})",
                 Bearer(admin))
                .status,
            400);
  auto list = Call("GET", "/api/v1/users", "", Bearer(admin));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body)["users"].size(), 2u);
  EXPECT_EQ(list.body.find("argon2"), std::string::npos);
  EXPECT_EQ(Entries("user.add").size(), 1u);
}

TEST_F(AuthTest, RouteTableNamesEveryPermission) {
  AddUser("admin", Role::kAdmin);
  auto r = Call("GET", "/api/v1/system/routes", "", Bearer(Login("admin")));
  ASSERT_EQ(r.status, 200);
  auto routes = json::parse(r.body)["routes"];
  EXPECT_EQ(routes.size(), router_.Routes().size());
  for (const auto& route : routes) {
    EXPECT_TRUE(route["known"].get<bool>()) << route.dump();
    EXPECT_FALSE(route["permission"].get<std::string>().empty());
  }
}

TEST(StaffParsers, RejectWhatIsNotWellFormed) {
  EXPECT_TRUE(ParseLoginRequest(R"({"name":"a","password":"b"})").ok());
  for (const char* bad :
       {"", "[]", "{}", R"({"name":1,"password":"b"})", R"({"name":"","password":"b"})",
        "{\"name\":\"\xff\",\"password\":\"b\"}"})
    EXPECT_FALSE(ParseLoginRequest(bad).ok()) << bad;
  auto secret = ParseLoginRequest(R"({"name":"a","password":5})");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().message().find('5'), std::string::npos);
  EXPECT_TRUE(ParseNewUserRequest(R"({"name":"a","role":"agent","password":"b"})").ok());
  EXPECT_FALSE(ParseNewUserRequest(R"({"name":"a","role":"god","password":"b"})").ok());
  EXPECT_FALSE(
      ParseNewUserRequest(R"({"name":"a","role":"agent","password":"b","department":7})").ok());
}

TEST(StaffRouteOptionsTest, TakeTheSecuritySection) {
  security::SecurityConfig config;
  config.session_ttl_minutes = 90;
  config.require_approval = 1;
  security::LoginPool pool(1, 1);
  StaffRouteOptions o = StaffRouteOptionsFrom(config, &pool);
  EXPECT_EQ(o.session_ttl_seconds, 90 * 60);
  EXPECT_TRUE(o.require_approval);
  EXPECT_EQ(o.login_pool, &pool);
  pool.Stop();
}

}  // namespace
}  // namespace zx::http
