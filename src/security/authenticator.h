// Authenticator: turns what a request carries into a Principal, and a name and password into a
// session. The HTTP layer calls it from its auth middleware; the CLI calls Login for `zhixian
// login` style commands.
//
// Credentials, in order of precedence:
//   Authorization: Bearer zxs_...            a session token (console, scripts)
//   Authorization: Bearer zxk_<id>_<secret>  an integration API key
//   Cookie: zx_session=zxs_...               the console's cookie session (needs CSRF, below)
//   nothing                                  the anonymous citizen
// Credentials that are present but wrong give kUnauthenticated, never a silent fallback to
// anonymous; a route open to anonymous callers may choose to treat that as anonymous.
//
// CSRF: a cookie session is sent by the browser on any cross-site request, so for methods other
// than GET, HEAD and OPTIONS the request must also carry the header X-CSRF-Token with the value
// CsrfTokenFor(session token), which Login returns and the console keeps in memory. Bearer
// tokens and API keys need no CSRF token.
//
// Logins and logouts are recorded in the audit log (when one is given): "auth.login",
// "auth.login_failed", "auth.logout". Thread-safe when the stores are.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "security/api_keys.h"
#include "security/audit.h"
#include "security/roles.h"
#include "security/sessions.h"
#include "security/users.h"

namespace zx::security {

inline constexpr std::string_view kSessionCookie = "zx_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// The raw header values of a request (empty when absent).
struct Credentials {
  std::string_view authorization;  // the Authorization header
  std::string_view cookie;         // the Cookie header
};

struct LoginResult {
  std::string token;       // session token: Bearer value or zx_session cookie value
  std::string csrf_token;  // for X-CSRF-Token when the cookie is used
  int64_t expires_ms = 0;
  Principal principal;
};

class Authenticator {
 public:
  // The stores (and the audit log, which may be null) must outlive the authenticator.
  Authenticator(UserStore& users, SessionStore& sessions, ApiKeyStore& api_keys, AuditLog* audit);

  // Checks the password and, for users with a second factor, the one-time code `otp` (with
  // lock-out, users.h) and opens a session. Errors as in
  // UserStore::CheckPassword.
  Result<LoginResult> Login(std::string_view name, std::string_view password,
                            std::string_view remote, std::string_view otp = {});
  // The principal behind `credentials`; Principal::Anonymous() when there are none.
  Result<Principal> Authenticate(const Credentials& credentials);
  // Ends the session carried by `credentials` (Bearer or cookie).
  Status Logout(const Credentials& credentials, std::string_view remote);
  // kPermissionDenied when a cookie-authenticated, state-changing request lacks the right
  // X-CSRF-Token value; OK otherwise.
  Status CheckCsrf(const Credentials& credentials, std::string_view method,
                   std::string_view csrf_header) const;

 private:
  // The session token in `credentials` (Bearer zxs_ or cookie), if any.
  static std::optional<std::string_view> SessionToken(const Credentials& c, bool* via_cookie);

  UserStore& users_;
  SessionStore& sessions_;
  ApiKeyStore& api_keys_;
  AuditLog* audit_;
};

// LoginPool: a few threads of their own for logins. A login's argon2id hash is slow and
// memory-hard on purpose (about 0.2 s and 64 MiB); run on the HTTP threads, a handful of wrong
// logins would stall every other request. Here they queue instead, at most `queue` of them;
// beyond that TrySubmit refuses and the caller answers 503 with Retry-After.
//
// Thread-safe. The destructor (or Stop) lets running jobs finish and drops queued ones.
class LoginPool {
 public:
  LoginPool(int threads, size_t queue);  // security.login_threads, security.login_queue
  ~LoginPool();
  LoginPool(const LoginPool&) = delete;
  LoginPool& operator=(const LoginPool&) = delete;

  // Queues `job`; false (and the job dropped) when the queue is full or the pool stopped.
  bool TrySubmit(std::function<void()> job);
  // Joins the threads; queued jobs are dropped (destroyed, not run). Idempotent.
  void Stop();

 private:
  void Work();
  const size_t max_queue_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::vector<std::thread> threads_;
};

// The CSRF token that goes with a session token: base64url(HMAC-SM3(token, "zx-csrf")).
std::string CsrfTokenFor(std::string_view session_token);
// The value of cookie `name` in a Cookie header ("a=1; zx_session=...").
std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name);

}  // namespace zx::security
