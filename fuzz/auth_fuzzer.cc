// Credentials parsing and the auth middleware: Authorization, Cookie and X-CSRF-Token headers
// and the method, over in-memory security stores holding one user, one session and one key.
// Input: AUTHORIZATION \x01 COOKIE \x01 CSRF \x01 METHOD \x01 PATH.
// Invariants: forged credentials never authenticate; protected routes never answer 200 to an
// anonymous caller; the status is one of the expected ones.
#include <spdlog/spdlog.h>

#include <cstdint>

#include "common.h"
#include "http/auth.h"
#include "http/staff_routes.h"
#include "security/testing/fixtures.h"

using zx::fuzz::Check;
using zx::fuzz::Parts;

namespace {

struct World {
  zx::security::testing::SecurityFixture f;
  std::unique_ptr<zx::security::Authenticator> auth;
  std::unique_ptr<zx::http::RateLimiter> limiter;
  zx::http::Router router;
  World() {
    spdlog::set_level(spdlog::level::off);
    (void)f.users->Add("admin", zx::security::Role::kAdmin, "a long enough password");
    auth =
        std::make_unique<zx::security::Authenticator>(*f.users, *f.sessions, *f.api_keys, nullptr);
    limiter = std::make_unique<zx::http::RateLimiter>(0, f.clock);
    auto ok = [](const zx::http::Request&) { return zx::http::Response::Json(200, {}); };
    router.Add("GET", "/api/v1/users", "user.manage", ok);
    router.Add("POST", "/api/v1/users", "user.manage", ok);
    router.Add("POST", "/api/v1/ask", "ask", ok);
    router.Add("GET", "/metrics", "metrics.read", ok);
    zx::http::InstallAuth(
        router, std::make_shared<zx::http::AuthMiddleware>(*auth, nullptr, limiter.get(), nullptr));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* w = new World();
  Parts parts(data, size);
  std::string authorization(parts.Next()), cookie(parts.Next()), csrf(parts.Next());
  std::string method(parts.Next()), path(parts.Next());

  zx::security::Credentials creds{authorization, cookie};
  auto who = w->auth->Authenticate(creds);
  Check(!who.ok() || !who->authenticated(), "forged credentials never authenticate");
  (void)w->auth->CheckCsrf(creds, method, csrf);
  (void)zx::security::CookieValue(cookie, "zx_session");

  zx::http::Request req;
  req.method = method.empty() ? "GET" : method;
  req.path = path.empty() || path[0] != '/' ? "/api/v1/users" : path;
  req.headers = {{"Authorization", authorization}, {"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  req.remote_address = "10.0.0.1:1234";
  auto res = w->router.Handle(req);
  if (req.path == "/api/v1/users" || req.path == "/metrics")
    Check(res.status != 200, "a protected route refuses an anonymous caller");
  Check(res.status == 200 || res.status == 401 || res.status == 404 || res.status == 405,
        "status 200, 401, 404 or 405");
  return 0;
}
