#include "security/authenticator.h"

#include <gtest/gtest.h>

#include "security/testing/fixtures.h"

namespace zx::security {
namespace {

using testing::SecurityFixture;
constexpr char kPw[] = "Hotline-12345-ok";

struct AuthFixture : SecurityFixture {
  AuthFixture() : auth(*users, *sessions, *api_keys, audit.get()) {}
  Authenticator auth;
};

TEST(Authenticator, NoCredentialsIsAnonymous) {
  AuthFixture f;
  auto p = f.auth.Authenticate({});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->authenticated());
  EXPECT_EQ(p->role, Role::kAnonymous);
}

TEST(Authenticator, LoginThenBearerAndCookie) {
  AuthFixture f;
  ASSERT_TRUE(f.users->Add("sup", Role::kSupervisor, kPw).ok());
  auto login = f.auth.Login("sup", kPw, "192.0.2.7");
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->principal.role, Role::kSupervisor);
  EXPECT_EQ(login->csrf_token, CsrfTokenFor(login->token));

  std::string bearer = "Bearer " + login->token;
  auto p = f.auth.Authenticate({bearer, ""});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "sup");
  EXPECT_EQ(p->via, Principal::Via::kBearerSession);

  std::string cookie = "theme=dark; zx_session=" + login->token + "; x=1";
  auto c = f.auth.Authenticate({"", cookie});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->via, Principal::Via::kCookieSession);

  // CSRF: required for cookie sessions on state-changing methods only.
  EXPECT_TRUE(f.auth.CheckCsrf({"", cookie}, "GET", "").ok());
  EXPECT_EQ(f.auth.CheckCsrf({"", cookie}, "POST", "").code(), Code::kPermissionDenied);
  EXPECT_EQ(f.auth.CheckCsrf({"", cookie}, "POST", "wrong").code(), Code::kPermissionDenied);
  EXPECT_TRUE(f.auth.CheckCsrf({"", cookie}, "POST", login->csrf_token).ok());
  EXPECT_TRUE(f.auth.CheckCsrf({bearer, ""}, "POST", "").ok());

  ASSERT_TRUE(f.auth.Logout({bearer, ""}, "192.0.2.7").ok());
  EXPECT_EQ(f.auth.Authenticate({bearer, ""}).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(f.auth.Authenticate({"", cookie}).status().code(), Code::kUnauthenticated);

  // Logins and logouts are audited.
  auto entries = f.audit->Query({});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].event.action, "auth.login");
  EXPECT_EQ((*entries)[0].event.remote, "192.0.2.7");
  EXPECT_EQ((*entries)[1].event.action, "auth.logout");
}

TEST(Authenticator, ApiKeyBearer) {
  AuthFixture f;
  auto k = f.api_keys->Create("12345-province", {});
  std::string header = "bearer " + k->key;
  auto p = f.auth.Authenticate({header, ""});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->role, Role::kIntegration);
  EXPECT_EQ(p->via, Principal::Via::kApiKey);
}

TEST(Authenticator, BadCredentialsAreRejectedNotAnonymous) {
  AuthFixture f;
  const std::vector<std::string> headers = {"Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer zxs_nope",
                                            "Bearer zxk_0011223344556677_" + std::string(43, 'A'),
                                            "Bearer junk"};
  for (const std::string& h : headers)
    EXPECT_EQ(f.auth.Authenticate({h, ""}).status().code(), Code::kUnauthenticated) << h;
  EXPECT_EQ(f.auth.Authenticate({"", "zx_session=zxs_forged"}).status().code(),
            Code::kUnauthenticated);
}

TEST(Authenticator, FailedLoginsAreAuditedAndLockOut) {
  AuthFixture f;
  ASSERT_TRUE(f.users->Add("agent1", Role::kAgent, kPw).ok());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(f.auth.Login("agent1", "bad-password-x", "198.51.100.9").status().code(),
              Code::kUnauthenticated);
  EXPECT_EQ(f.auth.Login("agent1", kPw, "198.51.100.9").status().code(), Code::kResourceExhausted);
  AuditQuery q;
  q.action_prefix = "auth.login_failed";
  EXPECT_EQ(f.audit->Query(q)->size(), 6u);
  // A phone number typed as the login name does not end up in the audit log.
  (void)f.auth.Login("13812345678", "x", "");
  auto last = f.audit->Query(q);
  EXPECT_EQ(last->back().event.actor, "138****5678");
}

TEST(Authenticator, DisabledUserSessionStops) {
  AuthFixture f;
  ASSERT_TRUE(f.users->Add("agent1", Role::kAgent, kPw).ok());
  auto login = f.auth.Login("agent1", kPw, "");
  std::string bearer = "Bearer " + login->token;
  ASSERT_TRUE(f.auth.Authenticate({bearer, ""}).ok());
  ASSERT_TRUE(f.users->SetDisabled("agent1", true).ok());
  EXPECT_EQ(f.auth.Authenticate({bearer, ""}).status().code(), Code::kUnauthenticated);
}

TEST(Cookies, ValueExtraction) {
  EXPECT_EQ(CookieValue("a=1; zx_session=abc; b=2", "zx_session"), "abc");
  EXPECT_EQ(CookieValue("zx_session=\"q\"", "zx_session"), "q");
  EXPECT_EQ(CookieValue("xzx_session=abc", "zx_session"), std::nullopt);
  EXPECT_EQ(CookieValue("", "zx_session"), std::nullopt);
  EXPECT_EQ(CookieValue("junk;;=;zx_session=", "zx_session"), "");
}

}  // namespace
}  // namespace zx::security
