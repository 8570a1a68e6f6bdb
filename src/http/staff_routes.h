// Staff endpoints that exist so far: logging in and out, the audit log, users, and the route
// table. Every route names its permission (security/policy.h); the auth middleware
// (http/auth.h) has checked it before a handler runs, so handlers only do the work.
//
//   POST /api/v1/auth/login     auth.login (open)   {"name", "password"} -> 200 {token,
//        csrf_token, expires_ms, user}; also sets the zx_session cookie (HttpOnly,
//        SameSite=Strict, Path=/). Wrong name, password or one-time code 401 (one answer for
//        all), locked out 429, too many logins in progress 503 with Retry-After.
//   POST /api/v1/auth/logout    session.self        ends the session; clears the cookie.
//   GET  /api/v1/auth/me        session.self        who am I, and my permissions.
//   GET  /api/v1/audit          audit.read          entries, filtered by object_type,
//        object_id, actor, action (a prefix), since, until (unix ms), limit (1-1000).
//   GET  /api/v1/audit/verify   audit.verify        the chain's and sealed head's verification
//        (ok, problem, seq, message, head, keyed, keyed_from, unkeyed_entries, notes).
//   GET  /api/v1/users          user.manage         staff accounts (no secrets).
//   POST /api/v1/users          user.manage         {"name", "role", "password",
//        "department"?, "district"?} -> 201 the user; appends "user.add" to the audit log. An
//        account that can see personal data (security::RoleNeedsApproval) is logged as
//        "security.alert" and, with require_approval, created "pending": true.
//   POST /api/v1/users/{id}/approve  user.manage  approves a pending account -> 200 the user;
//        403 when the caller created it (a different administrator must), 409 when not pending.
//   GET  /api/v1/system/routes  config.read         every route with its permission and the
//        roles that hold it (what tests/security walks).
//
// The stores, the audit log and `router` (for the route table) must outlive the routes;
// handlers are thread-safe as the stores are.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/router.h"
#include "security/audit.h"
#include "security/authenticator.h"
#include "security/security_config.h"
#include "security/users.h"

namespace zx::http {

struct StaffRouteOptions {
  int64_t session_ttl_seconds = 8 * 3600;  // the cookie's Max-Age (security.session_ttl_minutes)
  bool require_approval = false;           // security.require_approval (users.h)
  // Where logins run (their password hash is slow on purpose): with a pool, the login route
  // answers later (Response::Later) and 503 with Retry-After when the pool's queue is full;
  // without one (tests), on the calling thread. Must outlive the routes' use.
  security::LoginPool* login_pool = nullptr;
};

// The options of the [security] section (session_ttl_minutes, require_approval); logins run on
// `login_pool`.
StaffRouteOptions StaffRouteOptionsFrom(const security::SecurityConfig& config,
                                        security::LoginPool* login_pool);

void AddStaffRoutes(Router& router, security::Authenticator& authenticator,
                    security::UserStore& users, security::AuditLog& audit,
                    StaffRouteOptions options = {});

struct LoginRequest {
  std::string name;
  std::string password;
  std::string otp;  // the one-time code, for users with a second factor; may be empty
};
// {"name": string (1-64 bytes), "password": string (1-1024 bytes), "otp": optional string
// (0-16 bytes)}; invalid_argument saying
// what is wrong, never echoing the password.
Result<LoginRequest> ParseLoginRequest(std::string_view body);

struct NewUserRequest {
  std::string name;
  security::Role role = security::Role::kAgent;
  std::string password;
  security::Scope scope;
};
// {"name", "role", "password", "department"?, "district"?}; the role by its RoleName. The
// password policy is the UserStore's (checked when the user is added).
Result<NewUserRequest> ParseNewUserRequest(std::string_view body);

}  // namespace zx::http
