#include "security/accounts.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "security/action_audit.h"
#include "security/policy.h"

namespace zx::security {

Result<Role> ParseStaffRole(std::string_view name) {
  auto role = ParseRole(name);
  if (!role || *role == Role::kAnonymous || *role == Role::kIntegration)
    return InvalidArgument(
        "--role must be one of admin, supervisor, agent, department_handler, auditor, editor "
        "(integration clients get an API key: zhixian apikey create)");
  return *role;
}

Result<Scope> ScopeOf(const std::string& department, const std::string& district) {
  if (!district.empty() && department.empty())
    return InvalidArgument("--district needs --department");
  return Scope{department, district};
}

Result<NewAccountApproval> ApprovalForNewAccount(UserStore& users, Role role,
                                                 bool require_approval) {
  NewAccountApproval a;
  a.personal_data = RoleNeedsApproval(role);
  if (a.personal_data && require_approval) {
    ZX_ASSIGN_OR_RETURN(bool has_admin, users.HasActiveAdmin());
    a.bootstrap = !has_admin;
  }
  a.pending = a.personal_data && require_approval && !a.bootstrap;
  return a;
}

Result<User> CheckApprover(UserStore& users, const std::string& name, std::string_view password,
                           std::string_view otp) {
  auto approver = users.CheckPassword(name, password, otp);
  if (!approver.ok())
    return Status(Code::kPermissionDenied, "--as " + name + ": " + approver.status().message());
  if (!MayUse(approver->role, "user.manage"))
    return Status(Code::kPermissionDenied, name + " is not an administrator");
  return approver;
}

Status DisableAccount(UserStore& users, SessionStore& sessions, const User& user,
                      bool keep_an_admin) {
  ZX_RETURN_IF_ERROR(users.SetDisabled(user.name, true, keep_an_admin));
  return sessions.RevokeAllForUser(user.id);
}

Result<std::string_view> ChangeAccountState(UserStore& users, SessionStore& sessions,
                                            const User& user, std::string_view action,
                                            bool keep_an_admin) {
  if (action == "user.disable") {
    ZX_RETURN_IF_ERROR(DisableAccount(users, sessions, user, keep_an_admin));
    return std::string_view("disabled");
  }
  if (action == "user.enable") {
    ZX_RETURN_IF_ERROR(users.SetDisabled(user.name, false));
    return std::string_view("enabled");
  }
  if (action == "user.unlock") {
    ZX_RETURN_IF_ERROR(users.Unlock(user.name));
    return std::string_view("unlocked");  // spelt out: "unlock" + "d" made "unlockd"
  }
  return InvalidArgument("no such account change: " + std::string(action));
}

void AlertAccountChange(std::string_view action, const User& user, std::string_view by,
                        std::string_view remote) {
  if (remote.empty()) {
    log::Error("security.alert action={} user_id={} role={} pending={} by={}", action, user.id,
               RoleName(user.role), user.pending, by);
  } else {
    log::Error("security.alert action={} user_id={} role={} pending={} by={} remote={}", action,
               user.id, RoleName(user.role), user.pending, by, remote);
  }
}

namespace {

// Appends `by.event` as `action` on `user`, with `details` added to the caller's details.
Status AppendAccountChange(AuditLog& audit, const AccountChangeBy& by, std::string action,
                           const User& user, const nlohmann::json& details) {
  using nlohmann::json;
  AuditEvent e = by.event;
  e.action = std::move(action);
  e.object_type = "user";
  e.object_id = "u:" + std::to_string(user.id);
  json all = json::parse(e.details_json, nullptr, /*allow_exceptions=*/false);
  if (!all.is_object()) all = json::object();
  all.update(details);
  e.details_json = all.dump(-1, ' ', false, json::error_handler_t::replace);
  if (by.permission.empty()) return audit.Append(std::move(e)).status();
  return AppendPermittedAction(audit, std::move(e), by.permission);
}

}  // namespace

Result<AddedAccount> AddAccount(UserStore& users, AuditLog& audit, const AccountChangeBy& by,
                                const std::string& name, Role role, const Scope& scope,
                                bool require_approval,
                                const std::function<Result<std::string>()>& password) {
  ZX_ASSIGN_OR_RETURN(NewAccountApproval approval,
                      ApprovalForNewAccount(users, role, require_approval));
  ZX_ASSIGN_OR_RETURN(std::string secret, password());
  auto added = users.Add(name, role, secret, scope, by.event.actor, approval.pending);
  std::fill(secret.begin(), secret.end(), '\0');
  ZX_ASSIGN_OR_RETURN(User user, std::move(added));
  ZX_RETURN_IF_ERROR(AppendAccountChange(audit, by, "user.add", user,
                                         {{"name", user.name},
                                          {"role", RoleName(user.role)},
                                          {"department", user.scope.department},
                                          {"district", user.scope.district},
                                          {"personal_data", approval.personal_data},
                                          {"pending", approval.pending},
                                          {"bootstrap", approval.bootstrap}}));
  if (approval.personal_data) AlertAccountChange("user.add", user, by.event.actor, by.alert_remote);
  return AddedAccount{std::move(user), approval};
}

Result<User> ApproveAccount(UserStore& users, AuditLog& audit, const AccountChangeBy& by,
                            const std::string& name) {
  ZX_ASSIGN_OR_RETURN(User user, users.Approve(name, by.event.actor));
  ZX_RETURN_IF_ERROR(AppendAccountChange(
      audit, by, "user.approve", user,
      {{"name", user.name}, {"role", RoleName(user.role)}, {"created_by", user.created_by}}));
  AlertAccountChange("user.approve", user, by.event.actor, by.alert_remote);
  return user;
}

}  // namespace zx::security
