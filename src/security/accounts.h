// The rules of staff accounts that the command line and the HTTP API share: which roles a
// person may be given, the two-person rule for new accounts, who may approve one, what
// disabling an account does, and the alert line of every change to an account that can see
// personal data. The stores (users.h, sessions.h) hold the data; these decide.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "security/audit.h"
#include "security/roles.h"
#include "security/sessions.h"
#include "security/users.h"

namespace zx::security {

// A staff role by name: admin, supervisor, agent, department_handler or auditor (not anonymous,
// nor integration: integration clients get an API key). kInvalidArgument saying which.
Result<Role> ParseStaffRole(std::string_view name);

// A scope from a department and a district within it; a district alone is kInvalidArgument.
Result<Scope> ScopeOf(const std::string& department, const std::string& district);

// The two-person rule (security.require_approval): an account that sees personal data or
// manages users waits for a second administrator, except while no active administrator exists
// (the bootstrap of a fresh install).
struct NewAccountApproval {
  bool personal_data = false;  // the role sees personal data (RoleNeedsApproval)
  bool bootstrap = false;      // no active administrator yet: the rule does not apply
  bool pending = false;        // the account waits for approval
};
Result<NewAccountApproval> ApprovalForNewAccount(UserStore& users, Role role,
                                                 bool require_approval);

// The approving administrator, proven by their own password (and one-time code); an approver
// who is not an administrator, or fails the check, is kPermissionDenied naming them.
Result<User> CheckApprover(UserStore& users, const std::string& name, std::string_view password,
                           std::string_view otp);

// Disables `name` and signs them out everywhere at once (not when the sessions expire). With
// `keep_an_admin` (the HTTP API: an administrator acting), kFailedPrecondition instead of
// disabling the last active administrator (UserStore::SetDisabled).
Status DisableAccount(UserStore& users, SessionStore& sessions, const User& user,
                      bool keep_an_admin = false);

// A change of `user`'s state by its audit action: "user.disable" (DisableAccount, passing
// `keep_an_admin`), "user.enable", or "user.unlock" (clears failed logins and the lock-out).
// Returns the change in the past tense ("disabled", "enabled", "unlocked"); kInvalidArgument
// for another action.
Result<std::string_view> ChangeAccountState(UserStore& users, SessionStore& sessions,
                                            const User& user, std::string_view action,
                                            bool keep_an_admin = false);

// The alert-level log line of a change (`action`, e.g. "user.add") to an account that can see
// personal data, made `by` someone (from `remote`, the client's address, when not empty).
void AlertAccountChange(std::string_view action, const User& user, std::string_view by,
                        std::string_view remote = "");

// Who changes an account, as its audit entry and alert name them: `event` has the actor, role
// and remote (AuditEventBy for a principal; the command line's own) and, in details_json, any
// details of the caller's; `permission`, when not empty, is added to the details
// (AppendPermittedAction: the command line's entries name it, HTTP's auth middleware records it
// in an entry of its own); the alert names `alert_remote` when not empty.
struct AccountChangeBy {
  AuditEvent event;
  std::string permission;
  std::string alert_remote;
};

// The second step of the two-person rule, for the API and the command line alike: approves the
// pending account `name` as `by.event.actor` (UserStore::Approve: not by its creator), appends
// "user.approve" on object "u:<id>" with name, role and created_by added to the details, and
// logs the alert.
Result<User> ApproveAccount(UserStore& users, AuditLog& audit, const AccountChangeBy& by,
                            const std::string& name);

// The first step of the two-person rule, as the command line takes it (the bootstrap comes from
// the operating-system account that owns the data): adds `name` with `role` and `scope`, created
// by `by.event.actor`, pending as ApprovalForNewAccount decides; its password from `password`,
// asked only once that is decided, and wiped after. Appends "user.add" on object "u:<id>" with
// name, role, department, district, personal_data, pending and bootstrap added to the details,
// and logs the alert when the account sees personal data.
struct AddedAccount {
  User user;
  NewAccountApproval approval;
};
Result<AddedAccount> AddAccount(UserStore& users, AuditLog& audit, const AccountChangeBy& by,
                                const std::string& name, Role role, const Scope& scope,
                                bool require_approval,
                                const std::function<Result<std::string>()>& password);

}  // namespace zx::security
