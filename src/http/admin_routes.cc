#include "http/admin_routes.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "http/auth_rate_limiter.h"
#include "http/body_json.h"
#include "http/errors.h"
#include "http/security_json.h"
#include "security/accounts.h"
#include "security/crypto.h"
#include "security/policy.h"
#include "security/totp.h"

namespace zx::http {
namespace {

using nlohmann::json;

// Appends `action` on `object_type` `object_id` by the caller, from its address.
Status Record(security::AuditLog& audit, const Request& req, std::string action,
              std::string object_type, std::string object_id, const json& details) {
  security::AuditEvent e = security::AuditEventBy(req.principal, std::move(action),
                                                  std::move(object_type), std::move(object_id));
  e.remote = std::string(ClientAddress(req.remote_address));
  e.details_json = details.dump(-1, ' ', false, json::error_handler_t::replace);
  return audit.Append(std::move(e)).status();
}

std::string UserObject(const security::User& u) { return "u:" + std::to_string(u.id); }

json AccountJson(security::UserStore& users, const security::User& u) {
  json j = UserJson(u);
  auto otp = users.HasTotp(u.name);
  j["otp"] = otp.ok() && *otp;
  return j;
}

json ClientJson(const security::ApiClient& c) {
  json j = ApiClientJson(c);
  j["created_ms"] = c.created_ms;
  j["last_used_ms"] = c.last_used_ms ? json(*c.last_used_ms) : json(nullptr);
  return j;
}

// An API key's id: 16 hex digits (api_keys.h), never a client's name.
bool IsKeyId(std::string_view id) {
  return id.size() == 16 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The routes' state: the stores and the audit log (outlive the routes).
struct Admin {
  security::UserStore& users;
  security::SessionStore& sessions;
  security::ApiKeyStore& api_keys;
  security::AuditLog& audit;

  // The user the path names, or the error answer (400 bad id, 404 unknown).
  Result<security::User> Target(const Request& req) {
    ZX_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id", "user"));
    return users.Get(id);
  }
  // Appends `action` on `user` (name and role in the details) and answers with the user as
  // it now is.
  Response Done(const Request& req, std::string action, const security::User& user) {
    Status audited = Record(audit, req, std::move(action), "user", UserObject(user),
                            {{"name", user.name}, {"role", security::RoleName(user.role)}});
    if (!audited.ok()) return ErrorResponse(audited);
    auto now = users.Get(user.id);
    if (!now.ok()) return ErrorResponse(now.status());
    return Response::Json(200, AccountJson(users, *now));
  }
};

void AddAccountRoutes(Router& router, const std::shared_ptr<Admin>& admin) {
  // disable, enable, unlock: ChangeAccountState, as `zhixian user disable|enable|unlock`, but an
  // administrator through the API never disables the last active administrator.
  for (const char* verb : {"disable", "enable", "unlock"}) {
    std::string action = std::string("user.") + verb;
    router.Add("POST", std::string("/api/v1/users/{id}/") + verb, "user.manage",
               [admin, action](const Request& req) {
                 auto user = admin->Target(req);
                 if (!user.ok()) return ErrorResponse(user.status());
                 auto changed = security::ChangeAccountState(admin->users, admin->sessions, *user,
                                                             action, /*keep_an_admin=*/true);
                 if (!changed.ok()) return ErrorResponse(changed.status());
                 return admin->Done(req, action, *user);
               });
  }

  // UserStore::SetPassword checks the policy and ends the user's sessions in one transaction.
  router.Add("POST", "/api/v1/users/{id}/password", "user.manage", [admin](const Request& req) {
    auto user = admin->Target(req);
    if (!user.ok()) return ErrorResponse(user.status());
    auto j = JsonObject(req.body, R"({"password": "..."})");
    if (!j.ok()) return ErrorResponse(j.status());
    auto password = StringField(*j, "password", 1, 1024);
    if (!password.ok()) return ErrorResponse(password.status());
    Status set = admin->users.SetPassword(user->name, *password);
    security::Wipe(*password);
    if (!set.ok()) return ErrorResponse(set);
    return admin->Done(req, "user.password", *user);
  });

  // The second factor, as `zhixian user otp enable`: the secret once, for the authenticator
  // app's QR scanner (uri) and to type (secret).
  router.Add("POST", "/api/v1/users/{id}/totp", "user.manage", [admin](const Request& req) {
    auto user = admin->Target(req);
    if (!user.ok()) return ErrorResponse(user.status());
    auto secret = admin->users.EnableTotp(user->name);
    if (!secret.ok()) return ErrorResponse(secret.status());
    json out = {{"secret", security::Base32Encode(*secret)},
                {"uri", security::OtpauthUri("zhixian", user->name, *secret)}};
    security::Wipe(*secret);
    Response done = admin->Done(req, "user.otp_enable", *user);
    if (done.status != 200) return done;
    out["user"] = json::parse(done.body);
    return Response::Json(200, out);
  });

  router.Add("DELETE", "/api/v1/users/{id}/totp", "user.manage", [admin](const Request& req) {
    auto user = admin->Target(req);
    if (!user.ok()) return ErrorResponse(user.status());
    if (Status s = admin->users.DisableTotp(user->name); !s.ok()) return ErrorResponse(s);
    return admin->Done(req, "user.otp_disable", *user);
  });
}

void AddApiKeyRoutes(Router& router, const std::shared_ptr<Admin>& admin) {
  router.Add("GET", "/api/v1/apikeys", "apikey.manage", [admin](const Request&) {
    auto clients = admin->api_keys.List();
    if (!clients.ok()) return ErrorResponse(clients.status());
    json out = json::array();
    for (const auto& c : *clients) out.push_back(ClientJson(c));
    return Response::Json(200, {{"api_keys", out}});
  });

  // As `zhixian apikey create`: the key is shown once and only its digest is kept.
  router.Add("POST", "/api/v1/apikeys", "apikey.manage", [admin](const Request& req) {
    auto j = JsonObject(req.body, R"({"name": "rsj-system", "department": "rsj"})");
    if (!j.ok()) return ErrorResponse(j.status());
    auto name = StringField(*j, "name", 1, 64);
    if (!name.ok()) return ErrorResponse(name.status());
    auto department = StringField(*j, "department", 0, 64, true);
    if (!department.ok()) return ErrorResponse(department.status());
    auto district = StringField(*j, "district", 0, 64, true);
    if (!district.ok()) return ErrorResponse(district.status());
    auto scope = security::ScopeOf(*department, *district);
    if (!scope.ok())
      return ErrorResponse(InvalidArgument("field \"district\" needs a \"department\""));
    auto key = admin->api_keys.Create(*name, *scope);
    if (!key.ok()) return ErrorResponse(key.status());
    Status audited = Record(admin->audit, req, "apikey.create", "api_client", "k:" + key->client.id,
                            {{"name", key->client.name},
                             {"department", key->client.scope.department},
                             {"district", key->client.scope.district}});
    if (!audited.ok()) return ErrorResponse(audited);
    json out = ClientJson(key->client);
    out["key"] = key->key;
    security::Wipe(key->key);
    return Response::Json(201, out);
  });

  router.Add("POST", "/api/v1/apikeys/{id}/revoke", "apikey.manage", [admin](const Request& req) {
    std::string id(req.PathParam("id"));
    if (!IsKeyId(id))
      return ErrorResponse(
          InvalidArgument("the API key id is 16 hex digits, as GET /api/v1/apikeys lists it"));
    if (Status s = admin->api_keys.Revoke(id); !s.ok()) return ErrorResponse(s);
    auto clients = admin->api_keys.List();
    if (!clients.ok()) return ErrorResponse(clients.status());
    auto it = std::find_if(clients->begin(), clients->end(),
                           [&](const security::ApiClient& c) { return c.id == id; });
    if (it == clients->end()) return ErrorResponse(NotFound("no API client " + id));
    Status audited =
        Record(admin->audit, req, "apikey.revoke", "api_client", "k:" + id, {{"name", it->name}});
    if (!audited.ok()) return ErrorResponse(audited);
    return Response::Json(200, ClientJson(*it));
  });
}

// Every staff permission of the one policy table, for the console to say why a screen is
// refused; the table is public (docs/security.md), so any signed-in caller may read it.
Response PolicyAnswer(const Request& req) {
  json permissions = json::array();
  for (const auto& rule : security::PolicyTable()) {
    if (rule.open) continue;
    json roles = json::array();
    for (security::Role role : security::kAllRoles)
      if (security::MayUse(role, rule.permission)) roles.push_back(security::RoleName(role));
    permissions.push_back({{"permission", rule.permission},
                           {"meaning", rule.meaning},
                           {"held", security::MayUse(req.principal.role, rule.permission)},
                           {"roles", roles}});
  }
  return Response::Json(
      200, {{"role", security::RoleName(req.principal.role)}, {"permissions", permissions}});
}

}  // namespace

void AddAdminRoutes(Router& router, security::UserStore& users, security::SessionStore& sessions,
                    security::ApiKeyStore& api_keys, security::AuditLog& audit) {
  auto admin = std::make_shared<Admin>(Admin{users, sessions, api_keys, audit});
  AddAccountRoutes(router, admin);
  AddApiKeyRoutes(router, admin);
  router.Add("GET", "/api/v1/auth/policy", "session.self", PolicyAnswer);
}

void AddAdminRoutes(Router& router, security::SecurityStores& stores) {
  AddAdminRoutes(router, *stores.users, *stores.sessions, *stores.api_keys, *stores.audit);
}

}  // namespace zx::http
