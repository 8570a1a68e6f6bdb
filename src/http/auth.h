// The auth middleware: rate limit, authentication and route-level authorisation for every
// request, from the one policy table (security/policy.h), before any handler runs.
//
//   auto auth = std::make_shared<AuthMiddleware>(authenticator, &audit, &limiter, metrics);
//   InstallAuth(*router, auth);   // once, after or before the routes are added
//
// For each request, in order:
//  1. Under /api/: the client address's token bucket (RateLimiter); empty -> 429 with
//     Retry-After. (/healthz and /metrics are not limited.) Logins have a second, tighter
//     bucket per address (AuthOptions::logins_per_minute).
//  2. Unmatched paths go on to the router's 404/405.
//  3. A route without a permission, or with one that is not in the policy table, answers 500
//     (fail closed; the route x role test in tests/security catches it before it ships).
//  4. Credentials (security/authenticator.h: Bearer session token, Bearer API key, or the
//     zx_session cookie, which needs X-CSRF-Token on POST/PUT/PATCH/DELETE).
//     - Open permissions (citizen routes, login, health): the caller is who the credentials
//       say, or anonymous when there are none, they are wrong, or a cookie lacks its CSRF
//       token; never 401.
//     - Other permissions: wrong credentials -> 401; none -> 401, except that permissions in
//       AuthOptions::loopback_permissions (metrics.read) are granted to anonymous callers
//       connecting from a loopback address; a cookie without the CSRF token -> 403; a role
//       without the permission -> 403 (security::AuthorizeRoute).
//  5. The handler runs with Request::principal set. Scope checks on the record itself are the
//     handler's (security::Authorize with the record's department and district).
//  6. Every request by a signed-in principal to a non-open route, allowed or refused with 403,
//     appends an audit entry: action "http.access" or "http.denied", object "route"
//     "METHOD /pattern", the remote address, the X-Access-Purpose header as purpose (why: a
//     ticket or call id), and details {path, status, permission, request_id}. When the audit
//     log cannot be written the answer is replaced by 503: no unrecorded staff access.
//
// 401 answers carry `WWW-Authenticate: Bearer realm="zhixian"`. Thread-safe: const apart from
// the limiter and the stores, which are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "http/auth_rate_limiter.h"
#include "http/router.h"
#include "security/audit.h"
#include "security/authenticator.h"

namespace zx::http {

inline constexpr std::string_view kPurposeHeader = "X-Access-Purpose";

// The purpose a request gives (kPurposeHeader) as the audit log keeps it: printable, at most
// 200 bytes. A header carries Latin-1 only, so a browser sends a Chinese purpose
// percent-encoded as UTF-8: such a header is decoded when it decodes to UTF-8 beyond ASCII.
std::string AccessPurpose(const Request& request);

struct AuthOptions {
  // Permissions that anonymous callers on a loopback address hold too: a Prometheus on the
  // same machine scrapes /metrics without credentials. Behind a reverse proxy on the same
  // machine every caller looks local: do not forward /metrics there (docs/security.md).
  std::vector<std::string> loopback_permissions = {"metrics.read"};
  // Logins (permission auth.login) per minute from one client address, on top of the /api
  // limit: each costs an argon2id hash (64 MiB, ~0.2 s), so this bounds what one address can
  // make the CPU do, and slows password spraying across names. 0 = no extra limit.
  int logins_per_minute = 30;
  const Clock* clock = nullptr;  // for the login limiter; null = SystemClock
};

class AuthMiddleware {
 public:
  // `authenticator` must outlive the middleware; `audit` and `limiter` may be null (no audit
  // entries, no rate limit), `metrics` too (no zhixian_http_auth_total).
  AuthMiddleware(security::Authenticator& authenticator, security::AuditLog* audit,
                 RateLimiter* limiter, Metrics* metrics, AuthOptions options = {});

  Response operator()(Request& request, const RouteInfo& route, const Router::Next& next) const;

 private:
  Response Refuse(const Request& request, const RouteInfo& route, const Status& status,
                  std::string_view reason) const;
  // Appends the access entry; false when the audit log could not be written.
  bool Record(const Request& request, const RouteInfo& route, int status) const;

  security::Authenticator& authenticator_;
  security::AuditLog* audit_;
  RateLimiter* limiter_;
  std::unique_ptr<RateLimiter> login_limiter_;
  CounterFamily* outcomes_ = nullptr;
  AuthOptions options_;
};

// Installs the middleware in `router` (Router::SetMiddleware), sharing its ownership.
void InstallAuth(Router& router, std::shared_ptr<const AuthMiddleware> middleware);

// The credentials a request carries: its Authorization and Cookie headers (views into it).
security::Credentials CredentialsOf(const Request& request);

}  // namespace zx::http
