// The administration routes of the staff console (issue 14 #8): accounts beyond adding them
// (staff_routes.h has login, me, the user list, add, approve and the audit log), integration API
// keys, and the policy as the caller sees it. The rules are the command line's
// (security/accounts.h, users.h, api_keys.h): these routes only carry them over HTTP, appending
// the same audit actions (object "user" "u:<id>" or "api_client" "k:<id>", details name and
// role, never a secret). Errors: {"error": {"code", "message"}} (http/errors.h).
//
//   POST   /api/v1/users/{id}/disable   user.manage  -> 200 user; the user's sessions end at
//          once ("user.disable"); 409 when it is the last active administrator.
//   POST   /api/v1/users/{id}/enable    user.manage  -> 200 user ("user.enable")
//   POST   /api/v1/users/{id}/unlock    user.manage  -> 200 user: failed logins and lock-outs
//          cleared ("user.unlock")
//   POST   /api/v1/users/{id}/password  user.manage  {"password"} -> 200 user; the password
//          policy of UserStore (400 with the reason); every session of the user ends
//          ("user.password")
//   POST   /api/v1/users/{id}/totp      user.manage  -> 200 {"user", "secret" (base32),
//          "uri" (otpauth://)}: a new second factor, shown once ("user.otp_enable"); 409
//          without a key file (the secret is stored sealed)
//   DELETE /api/v1/users/{id}/totp      user.manage  -> 200 user ("user.otp_disable")
//   GET    /api/v1/apikeys              apikey.manage -> {"api_keys": [client]}
//   POST   /api/v1/apikeys              apikey.manage {"name", "department"?, "district"?} ->
//          201 client + "key" (shown once) ("apikey.create"); 409 when the name is taken
//   POST   /api/v1/apikeys/{id}/revoke  apikey.manage -> 200 client ("apikey.revoke");
//          idempotent
//   GET    /api/v1/auth/policy          session.self -> {"role", "permissions": [{"permission",
//          "meaning", "held", "roles"}]}: every staff permission, whether the caller holds it and
//          which roles do (the console's 无权访问 says which permission a screen needs)
//
// user: UserJson (security_json.h) plus "otp" (a second factor is enrolled). client: {"id",
// "name", "department", "district", "revoked", "created_ms", "last_used_ms" (null when never)}.
// A path id that is not a user id is 400; an unknown one 404. Secrets are never cached: the
// server sends Cache-Control: no-store on every /api/ answer (http/server.h).
//
// The stores and the audit log must outlive the routes; handlers are thread-safe as they are.
#pragma once

#include "http/router.h"
#include "security/api_keys.h"
#include "security/audit.h"
#include "security/sessions.h"
#include "security/stores.h"
#include "security/users.h"

namespace zx::http {

void AddAdminRoutes(Router& router, security::UserStore& users, security::SessionStore& sessions,
                    security::ApiKeyStore& api_keys, security::AuditLog& audit);

// The same over the server's security stores (app wires it in one line).
void AddAdminRoutes(Router& router, security::SecurityStores& stores);

}  // namespace zx::http
