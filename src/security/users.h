// UserStore: staff accounts (admin, supervisor, agent, department handler, auditor) with
// argon2id passwords and a lock-out after repeated failed logins.
//
// There are no default users or passwords: the first admin is created by `zhixian user add`,
// which calls Add. Login names are ASCII ([A-Za-z0-9._@-], 1-64 characters) and compared
// without regard to case. API clients (role integration) are not users: see api_keys.h.
//
// Lock-out, by login name AND client address, so that nobody can lock a colleague out from
// elsewhere: `max_failed_logins` failures for one name from one address lock that pair for
// `lockout`; each further failure from there (one guess per lock) doubles it, up to
// `max_lockout`, until `failure_window` passes without a failure after the lock ends. Other
// addresses can still log in as that name. Against guessing spread over many addresses, a
// ceiling per name: `max_failed_logins_per_name` failures from all addresses within
// `failure_window` lock the name everywhere for `lockout`. Counted whether or not the user
// exists (so lock-out reveals nothing). Each attempt is counted BEFORE its password is checked,
// atomically (one transaction), so parallel attempts cannot get more guesses than the limit; a
// success takes its count back and clears the pair. Changing a password or disabling a user
// revokes all their sessions.
//
// Separation of duties (docs/security.md, 等保 2.0 三员分立): an account whose role can see
// citizens' personal data or manage users (RoleNeedsApproval, derived from the policy table) may
// be created `pending`: it cannot log in until a DIFFERENT administrator approves it (Approve).
// Whether new accounts are pending is the caller's decision (security.require_approval and the
// bootstrap rule live in the CLI and the HTTP handler).
//
// Thread-safe (state lives in the database; SQLite serialises). Times come from the injected
// Clock. Errors: kInvalidArgument (bad name, role, scope or weak password, with the reason),
// kAlreadyExists (name taken), kNotFound (no such user), kUnauthenticated ("wrong user name,
// password or one-time code", deliberately the same for an unknown user, a wrong password, a
// disabled account and a missing, wrong or reused one-time code), kResourceExhausted (locked
// out; the message says for how long), kUnavailable (the database is busy).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "security/field_cipher.h"
#include "security/password.h"
#include "security/roles.h"
#include "storage/database.h"

namespace zx::security {

struct User {
  int64_t id = 0;
  std::string name;
  Role role = Role::kAgent;
  Scope scope;  // department handlers only; empty for other roles
  bool disabled = false;
  int64_t created_ms = 0;
  bool pending = false;     // waits for a second administrator's approval; cannot log in
  std::string created_by;   // who added it: a login name, or "cli:<os user>"
  std::string approved_by;  // who approved it (empty: created active, or still pending)
  // What citizens see of this agent (a 工号 or a chosen name, e.g. "1024号" or "小王"), set by an
  // administrator (SetDisplayName); "" when none: citizens then see only "人工客服".
  std::string display_name;
};

// True when `role` holds pii.read_full, conversation.read or user.manage in the policy table:
// an account that can see citizens' personal data, or that could approve such accounts.
bool RoleNeedsApproval(Role role);

// The principal acting as `user` (kind kUser, id "u:<id>").
Principal PrincipalFor(const User& user, Principal::Via via);

struct UserStoreOptions {
  PasswordParams password;
  size_t min_password_chars = 12;        // Unicode code points
  int max_failed_logins = 5;             // per name and client address
  int max_failed_logins_per_name = 100;  // from all addresses together
  std::chrono::milliseconds failure_window = std::chrono::minutes(15);
  std::chrono::milliseconds lockout = std::chrono::minutes(15);    // the first lock
  std::chrono::milliseconds max_lockout = std::chrono::hours(24);  // doubling stops here
  // Seals second-factor secrets; without it (no key file) no user can enrol one.
  std::shared_ptr<const FieldCipher> cipher;
};

class UserStore {
 public:
  // Migrates the security tables if needed. `db` and `clock` must outlive the store.
  static Result<std::unique_ptr<UserStore>> Open(storage::Database& db, const Clock& clock,
                                                 UserStoreOptions options = {});

  // Creates a user. `role` may not be anonymous or integration; department handlers need
  // scope.department (scope.district optional); other roles take no scope.
  // `created_by` is recorded; a `pending` user cannot log in until approved.
  Result<User> Add(std::string_view name, Role role, std::string_view password,
                   const Scope& scope = {}, std::string_view created_by = "", bool pending = false);
  // Approves the pending user `name` on behalf of `approver` (a login name or "cli:<os
  // user>"): kFailedPrecondition when it is not pending, kPermissionDenied when `approver`
  // created it (two different people are needed).
  Result<User> Approve(std::string_view name, std::string_view approver);
  // True when an active (approved, enabled) admin exists: the end of the bootstrap.
  Result<bool> HasActiveAdmin();
  Result<User> Find(std::string_view name);
  Result<User> Get(int64_t id);
  Result<std::vector<User>> List();
  Status SetPassword(std::string_view name, std::string_view password);
  // Disabling ends the user's sessions. With `keep_an_admin` (an administrator acting through
  // the API) kFailedPrecondition instead of disabling the last active administrator, checked in
  // the same statement, so two administrators disabling each other cannot both succeed. The
  // command line does not ask it: its operator acts as the system (e.g. locks out a stolen
  // sole administrator account at once).
  Status SetDisabled(std::string_view name, bool disabled, bool keep_an_admin = false);
  // The name citizens see (User::display_name): 0-32 characters of valid UTF-8 without control
  // characters or digits runs long enough to be a phone number; "" clears it. kInvalidArgument
  // saying why; kNotFound for an unknown user.
  Status SetDisplayName(std::string_view name, std::string_view display_name);
  // Clears the failed-login counts and locks of `name`, from every address (an admin's
  // "unlock").
  Status Unlock(std::string_view name);

  // The user when `password` is right and, for a user with a second factor, `otp` is a
  // current one-time code not used before (totp.h); with the lock-out rules above for the
  // client address `remote`, which count a wrong or missing code like a wrong password. Every
  // failure is the same kUnauthenticated answer: it never tells that the password was right
  // (a login form learns that a user needs a code from the user, who enrolled).
  // A pending user with the right password and code gets kPermissionDenied ("waits for
  // approval").
  Result<User> CheckPassword(std::string_view name, std::string_view password,
                             std::string_view otp = {}, std::string_view remote = {});

  // Enrols `name` in the second factor: a new TOTP secret, stored sealed; returns it (raw
  // bytes) to show once. kFailedPrecondition without a cipher (no key file).
  Result<std::string> EnableTotp(std::string_view name);
  Status DisableTotp(std::string_view name);
  Result<bool> HasTotp(std::string_view name);

  // kInvalidArgument with the reason when `password` is not acceptable for `name`.
  Status CheckPasswordPolicy(std::string_view name, std::string_view password) const;

 private:
  UserStore(storage::Database& db, const Clock& clock, UserStoreOptions options)
      : db_(db), clock_(clock), options_(std::move(options)) {}
  // Counts an attempt for (name, remote) and for the name before it is checked;
  // kResourceExhausted when either is locked (then nothing is counted).
  Status ChargeAttempt(std::string_view name, std::string_view remote);
  // After a success: takes the attempt back from the name and clears the pair.
  Status ClearAttempts(std::string_view name, std::string_view remote);
  // OK when `otp` is a fresh code of the user's sealed secret; records its step (no replay).
  Status CheckTotp(const User& user, std::string_view sealed_secret, std::string_view otp);
  const std::string& DummyHash();

  storage::Database& db_;
  const Clock& clock_;
  const UserStoreOptions options_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // verified against when the user does not exist (equal timing)
};

}  // namespace zx::security
