#include "http/staff_routes.h"

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "http/auth.h"
#include "http/auth_rate_limiter.h"
#include "http/body_json.h"
#include "http/errors.h"
#include "http/security_json.h"
#include "security/accounts.h"
#include "security/policy.h"

namespace zx::http {
namespace {

using nlohmann::json;

std::string SessionCookie(std::string_view token, int64_t max_age) {
  return std::string(security::kSessionCookie) + "=" + std::string(token) +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
}

std::string_view ViaName(security::Principal::Via via) {
  using V = security::Principal::Via;
  switch (via) {
    case V::kBearerSession:
      return "bearer";
    case V::kCookieSession:
      return "cookie";
    case V::kApiKey:
      return "api_key";
    case V::kCli:
      return "cli";
    case V::kNone:
      break;
  }
  return "none";
}

json PrincipalJson(const security::Principal& p) {
  json permissions = json::array();
  for (const auto& rule : security::PolicyTable())
    if (!rule.open && security::MayUse(p.role, rule.permission))
      permissions.push_back(rule.permission);
  return {{"id", p.id},
          {"name", p.name},
          {"kind", p.kind == security::Principal::Kind::kApiClient ? "api_client" : "user"},
          {"role", security::RoleName(p.role)},
          {"department", p.scope.department},
          {"district", p.scope.district},
          {"display_name", p.display_name.empty() ? json(nullptr) : json(p.display_name)},
          {"via", ViaName(p.via)},
          {"permissions", permissions}};
}

// The answer to a login: the session (token, cookie) or the error.
Response LoginResponse(const Result<security::LoginResult>& result,
                       const StaffRouteOptions& options) {
  if (!result.ok()) {
    Response res = ErrorResponse(result.status());
    if (res.status == 429) res.headers.emplace_back("Retry-After", "900");
    return res;
  }
  Response res = Response::Json(200, {{"token", result->token},
                                      {"csrf_token", result->csrf_token},
                                      {"expires_ms", result->expires_ms},
                                      {"user", PrincipalJson(result->principal)}});
  res.headers.emplace_back("Set-Cookie", SessionCookie(result->token, options.session_ttl_seconds));
  return res;
}

}  // namespace

Result<LoginRequest> ParseLoginRequest(std::string_view body) {
  auto j = JsonObject(body, R"({"name": "zhang.san", "password": "...", "otp": "123456"})");
  if (!j.ok()) return j.status();
  auto name = StringField(*j, "name", 1, 64);
  if (!name.ok()) return name.status();
  auto password = StringField(*j, "password", 1, 1024);
  if (!password.ok()) return password.status();
  auto otp = StringField(*j, "otp", 0, 16, true);
  if (!otp.ok()) return otp.status();
  return LoginRequest{std::move(name).value(), std::move(password).value(), std::move(otp).value()};
}

Result<NewUserRequest> ParseNewUserRequest(std::string_view body) {
  auto j = JsonObject(body, R"({"name": "li.si", "role": "agent", "password": "..."})");
  if (!j.ok()) return j.status();
  NewUserRequest out;
  auto name = StringField(*j, "name", 1, 64);
  if (!name.ok()) return name.status();
  auto role = StringField(*j, "role", 1, 32);
  if (!role.ok()) return role.status();
  auto parsed = security::ParseRole(*role);
  if (!parsed)
    return InvalidArgument(
        "field \"role\" must be one of admin, supervisor, agent, department_handler, auditor, "
        "editor");
  auto password = StringField(*j, "password", 1, 1024);
  if (!password.ok()) return password.status();
  auto department = StringField(*j, "department", 0, 64, true);
  if (!department.ok()) return department.status();
  auto district = StringField(*j, "district", 0, 64, true);
  if (!district.ok()) return district.status();
  out.name = std::move(name).value();
  out.role = *parsed;
  out.password = std::move(password).value();
  out.scope = {std::move(department).value(), std::move(district).value()};
  return out;
}

void AddStaffRoutes(Router& router, security::Authenticator& authenticator,
                    security::UserStore& users, security::AuditLog& audit,
                    StaffRouteOptions options) {
  // The password hash runs on the login pool, never on a server thread (issue 9 #4).
  router.Add(
      "POST", "/api/v1/auth/login", "auth.login", [&authenticator, options](const Request& req) {
        auto parsed = ParseLoginRequest(req.body);
        if (!parsed.ok()) return ErrorResponse(parsed.status());
        auto login = std::make_shared<const LoginRequest>(std::move(parsed).value());
        std::string remote(ClientAddress(req.remote_address));
        auto answer = [&authenticator, options, login, remote] {
          return LoginResponse(
              authenticator.Login(login->name, login->password, remote, login->otp), options);
        };
        if (!options.login_pool) return answer();
        return Response::Later([answer, pool = options.login_pool](Responder done) {
          if (pool->TrySubmit([answer, done] { done(answer()); })) return;
          Response busy =
              ErrorResponse(Unavailable("too many logins in progress; try again in a few seconds"));
          // The queue drains in a few seconds (each login ~0.2 s).
          std::erase_if(busy.headers,
                        [](const auto& h) { return EqualsIgnoreCase(h.first, "Retry-After"); });
          busy.headers.emplace_back("Retry-After", "2");
          done(std::move(busy));
        });
      });

  router.Add("POST", "/api/v1/auth/logout", "session.self", [&authenticator](const Request& req) {
    if (req.principal.kind == security::Principal::Kind::kApiClient)
      return ErrorResponse(InvalidArgument(
          "an API key is not a session; an administrator revokes keys (zhixian apikey)"));
    Status s = authenticator.Logout(CredentialsOf(req), ClientAddress(req.remote_address));
    if (!s.ok()) return ErrorResponse(s);
    Response res = Response::Json(200, {{"status", "logged_out"}});
    res.headers.emplace_back("Set-Cookie", SessionCookie("", 0));
    return res;
  });

  router.Add("GET", "/api/v1/auth/me", "session.self",
             [](const Request& req) { return Response::Json(200, PrincipalJson(req.principal)); });

  router.Add("GET", "/api/v1/audit", "audit.read", [&audit](const Request& req) {
    security::AuditQuery q;
    auto text = [&](std::string_view name) {
      auto v = req.Query(name);
      return v ? std::string(v->substr(0, 256)) : std::string();
    };
    q.object_type = text("object_type");
    q.object_id = text("object_id");
    q.actor = text("actor");
    q.action_prefix = text("action");
    auto since = IntParam(req, "since", 0, 0, INT64_MAX);
    auto until = IntParam(req, "until", INT64_MAX, 0, INT64_MAX);
    auto limit = IntParam(req, "limit", 100, 1, 1000);
    auto offset = IntParam(req, "offset", 0, 0, INT64_C(1) << 40);
    for (const auto* r : {&since, &until, &limit, &offset})
      if (!r->ok()) return ErrorResponse(r->status());
    auto order = req.Query("order").value_or("asc");
    if (order != "asc" && order != "desc")
      return ErrorResponse(InvalidArgument("query parameter order must be asc or desc"));
    q.since_ms = *since;
    q.until_ms = *until;
    q.limit = static_cast<int>(*limit);
    q.offset = *offset;
    q.newest_first = order == "desc";
    auto entries = audit.Query(q);
    if (!entries.ok()) return ErrorResponse(entries.status());
    auto total = audit.Count(q);
    if (!total.ok()) return ErrorResponse(total.status());
    json out = json::array();
    for (const auto& e : *entries) out.push_back(AuditEntryJson(e));
    return Response::Json(
        200, {{"entries", out}, {"total", *total}, {"offset", q.offset}, {"limit", q.limit}});
  });

  router.Add("GET", "/api/v1/audit/verify", "audit.verify", [&audit](const Request&) {
    auto v = audit.Verify();
    if (!v.ok()) return ErrorResponse(v.status());
    return Response::Json(200, {{"ok", v->ok()},
                                {"entries", v->entries},
                                {"problem", security::ProblemName(v->problem)},
                                {"seq", v->seq},
                                {"message", v->message},
                                {"head", {{"seq", v->head.seq}, {"hash", v->head.hash}}},
                                {"keyed", v->keyed},
                                {"keyed_from", v->keyed_from},
                                {"unkeyed_entries", v->unkeyed},
                                {"notes", v->notes}});
  });

  router.Add("GET", "/api/v1/users", "user.manage", [&users](const Request&) {
    auto list = users.List();
    if (!list.ok()) return ErrorResponse(list.status());
    json out = json::array();
    for (const auto& u : *list) {
      json j = UserJson(u);
      auto otp = users.HasTotp(u.name);
      j["otp"] = otp.ok() && *otp;  // the console's 双因素 column
      out.push_back(std::move(j));
    }
    return Response::Json(200, {{"users", out}});
  });

  // An account that can see personal data (or manage users) is alerted on and, with
  // require_approval, created pending until a different administrator approves it.
  auto user_event = [&audit](const Request& req, std::string action, const security::User& u,
                             json details) -> Status {
    security::AuditEvent e = security::AuditEventBy(req.principal, std::move(action), "user",
                                                    "u:" + std::to_string(u.id));
    e.remote = std::string(ClientAddress(req.remote_address));
    details["name"] = u.name;
    details["role"] = security::RoleName(u.role);
    e.details_json = details.dump(-1, ' ', false, json::error_handler_t::replace);
    return audit.Append(std::move(e)).status();
  };

  router.Add("POST", "/api/v1/users", "user.manage",
             [&users, user_event, options](const Request& req) {
               auto request = ParseNewUserRequest(req.body);
               if (!request.ok()) return ErrorResponse(request.status());
               const bool sensitive = security::RoleNeedsApproval(request->role);
               const bool pending = sensitive && options.require_approval;
               auto user = users.Add(request->name, request->role, request->password,
                                     request->scope, req.principal.name, pending);
               if (!user.ok()) return ErrorResponse(user.status());
               Status audited = user_event(req, "user.add", *user,
                                           {{"department", user->scope.department},
                                            {"district", user->scope.district},
                                            {"personal_data", sensitive},
                                            {"pending", pending}});
               if (!audited.ok()) return ErrorResponse(audited);
               if (sensitive)
                 security::AlertAccountChange("user.add", *user, req.principal.name,
                                              ClientAddress(req.remote_address));
               return Response::Json(201, UserJson(*user));
             });

  router.Add("POST", "/api/v1/users/{id}/approve", "user.manage",
             [&users, &audit](const Request& req) {
               auto id = IdParam(req, "id", "user");
               if (!id.ok()) return ErrorResponse(id.status());
               auto target = users.Get(*id);
               if (!target.ok()) return ErrorResponse(target.status());
               security::AccountChangeBy by{security::AuditEventBy(req.principal, ""), "",
                                            std::string(ClientAddress(req.remote_address))};
               by.event.remote = by.alert_remote;
               auto user = security::ApproveAccount(users, audit, by, target->name);
               if (!user.ok()) return ErrorResponse(user.status());
               return Response::Json(200, UserJson(*user));
             });

  // The name or 工号 citizens see of an agent (issue 11 #6); "" or null clears it.
  router.Add("PUT", "/api/v1/users/{id}/display_name", "user.manage",
             [&users, user_event](const Request& req) {
               auto id = IdParam(req, "id", "user");
               if (!id.ok()) return ErrorResponse(id.status());
               auto j = JsonObject(req.body, R"({"display_name": "1024号"})");
               if (!j.ok()) return ErrorResponse(j.status());
               auto display = StringField(*j, "display_name", 0, 128, /*optional=*/true);
               if (!display.ok()) return ErrorResponse(display.status());
               auto target = users.Get(*id);
               if (!target.ok()) return ErrorResponse(target.status());
               Status set = users.SetDisplayName(target->name, *display);
               if (!set.ok()) return ErrorResponse(set);
               auto user = users.Get(*id);
               if (!user.ok()) return ErrorResponse(user.status());
               Status audited = user_event(req, "user.display_name", *user,
                                           {{"display_name", user->display_name}});
               if (!audited.ok()) return ErrorResponse(audited);
               return Response::Json(200, UserJson(*user));
             });

  router.Add("GET", "/api/v1/system/routes", "config.read", [&router](const Request&) {
    json out = json::array();
    for (const auto& r : router.Routes()) {
      const security::PolicyRule* rule = security::FindPermission(r.permission);
      json roles = json::array();
      for (security::Role role : security::kAllRoles)
        if (rule && security::MayUse(role, r.permission)) roles.push_back(security::RoleName(role));
      out.push_back({{"method", r.method},
                     {"pattern", r.pattern},
                     {"permission", r.permission},
                     {"known", rule != nullptr},
                     {"open", rule && rule->open},
                     {"roles", roles}});
    }
    return Response::Json(200, {{"routes", out}});
  });
}

StaffRouteOptions StaffRouteOptionsFrom(const security::SecurityConfig& config,
                                        security::LoginPool* login_pool) {
  StaffRouteOptions staff;
  staff.session_ttl_seconds = int64_t{config.session_ttl_minutes} * 60;
  staff.require_approval = config.require_approval != 0;
  staff.login_pool = login_pool;
  return staff;
}

}  // namespace zx::http
