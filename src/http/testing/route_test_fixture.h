// A base for the tests of route sets behind the real auth middleware: the security stores
// (security/testing/fixtures.h) with a fake clock, an Authenticator over them, a RateLimiter,
// metrics and a Router. A test adds its routes to router_, then calls InstallAuth(); TokenOf
// signs a user in, Call runs a request through the router, Entries reads the audit log.
// For tests only.
//
// The router is a base member, so it outlives the test's own members: a test whose routes own a
// worker over those members empties it first in its destructor (router_ = Router()).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/metrics.h"
#include "http/auth.h"
#include "http/auth_rate_limiter.h"
#include "http/request.h"
#include "http/router.h"
#include "security/audit.h"
#include "security/authenticator.h"
#include "security/roles.h"
#include "security/testing/fixtures.h"

namespace zx::http::testing {

// A request as the server makes it: `target` is path and query, `token` (if any) a Bearer
// credential, then `headers`; from 10.1.2.3:5555.
inline Request MakeRequest(const std::string& method, const std::string& target,
                           const std::string& token, const std::string& body = "",
                           const Fields& headers = {}) {
  Request req;
  req.method = method;
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) req.query = ParseQuery(target.substr(q + 1));
  req.body = body;
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  for (const auto& h : headers) req.headers.push_back(h);
  req.remote_address = "10.1.2.3:5555";
  req.request_id = "test";
  return req;
}

class RouteTestBase : public ::testing::Test {
 protected:
  // Every user TokenOf adds has this password.
  static constexpr char kPassword[] = "correct horse battery";

  // `start_ms`: the fake clock's start; `per_minute`: the limiter's requests per client.
  explicit RouteTestBase(int64_t start_ms = 1700000000000, int per_minute = 100000)
      : f_(start_ms), users_(f_.users.get()) {
    authenticator_ = std::make_unique<security::Authenticator>(*users_, *f_.sessions, *f_.api_keys,
                                                               f_.audit.get());
    limiter_ = std::make_unique<RateLimiter>(per_minute, f_.clock);
  }

  // Accounts in `users` instead of the fixture's own (e.g. a store with a cipher for second
  // factors); before the routes are added, as the authenticator is made anew.
  void UseUsers(std::unique_ptr<security::UserStore> users) {
    own_users_ = std::move(users);
    users_ = own_users_.get();
    authenticator_ = std::make_unique<security::Authenticator>(*users_, *f_.sessions, *f_.api_keys,
                                                               f_.audit.get());
  }

  // The real auth middleware on `router` (after its routes are added), counting into `metrics`
  // (may be null).
  void InstallAuth(Router& router, Metrics* metrics) {
    ::zx::http::InstallAuth(router, std::make_shared<AuthMiddleware>(
                                        *authenticator_, f_.audit.get(), limiter_.get(), metrics));
  }
  void InstallAuth() { InstallAuth(router_, &metrics_); }

  // A session token of a new user `name` of `role` (a test fails if either step does).
  std::string TokenOf(const std::string& name, security::Role role, security::Scope scope = {}) {
    EXPECT_TRUE(users_->Add(name, role, kPassword, scope).ok()) << name;
    auto r = authenticator_->Login(name, kPassword, "127.0.0.1");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->token : "";
  }
  // The same for the user "<role>.user"; a department handler is in department rsj by default.
  std::string TokenOf(security::Role role, security::Scope scope) {
    return TokenOf(std::string(security::RoleName(role)) + ".user", role, std::move(scope));
  }
  std::string TokenOf(security::Role role) {
    return TokenOf(role, role == security::Role::kDepartmentHandler ? security::Scope{"rsj", ""}
                                                                    : security::Scope{});
  }

  Response CallOn(Router& router, const std::string& method, const std::string& target,
                  const std::string& token, const std::string& body = "",
                  const Fields& headers = {}) {
    Request req = MakeRequest(method, target, token, body, headers);
    return router.Handle(req);
  }
  Response Call(const std::string& method, const std::string& target, const std::string& token,
                const std::string& body = "", const Fields& headers = {}) {
    return CallOn(router_, method, target, token, body, headers);
  }

  // The audit entries whose action starts with `action` (and of `object_id`, if given).
  std::vector<security::AuditEntry> Entries(const std::string& action,
                                            const std::string& object_id = "") {
    security::AuditQuery q;
    q.action_prefix = action;
    q.object_id = object_id;
    return f_.audit->Query(q).value();
  }

  security::testing::SecurityFixture f_;
  security::UserStore* users_;  // f_.users, or the store of UseUsers
  std::unique_ptr<security::UserStore> own_users_;
  std::unique_ptr<security::Authenticator> authenticator_;
  std::unique_ptr<RateLimiter> limiter_;
  Metrics metrics_;
  Router router_;
};

}  // namespace zx::http::testing
