#include "security/users.h"

#include "base/log.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/policy.h"
#include "security/schema.h"
#include "security/totp.h"

namespace zx::security {
namespace {

constexpr const char* kUserColumns =
    "id, name, role, department, district, disabled, created_at, pending, created_by, "
    "approved_by FROM sec_users";

Status NameError(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return InvalidArgument("a login name has 1 to 64 characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@';
    if (!ok) return InvalidArgument("a login name uses only letters, digits and . _ - @");
  }
  return Status::Ok();
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

User UserFromRow(const storage::Statement& q) {
  User u;
  u.id = q.Int(0);
  u.name = q.Text(1);
  u.role = ParseRole(q.Text(2)).value_or(Role::kAnonymous);
  u.scope = {q.Text(3), q.Text(4)};
  u.disabled = q.Int(5) != 0;
  u.created_ms = q.Int(6);
  u.pending = q.Int(7) != 0;
  u.created_by = q.Text(8);
  u.approved_by = q.Text(9);
  return u;
}

Status WrongCredentials() { return {Code::kUnauthenticated, "wrong user name or password"}; }

}  // namespace

bool RoleNeedsApproval(Role role) {
  return MayUse(role, "pii.read_full") || MayUse(role, "conversation.read") ||
         MayUse(role, "user.manage");
}

Principal PrincipalFor(const User& user, Principal::Via via) {
  Principal p;
  p.kind = Principal::Kind::kUser;
  p.via = via;
  p.id = "u:" + std::to_string(user.id);
  p.name = user.name;
  p.role = user.role;
  p.scope = user.scope;
  return p;
}

Result<std::unique_ptr<UserStore>> UserStore::Open(storage::Database& db, const Clock& clock,
                                                   UserStoreOptions options) {
  ZX_RETURN_IF_ERROR(MigrateSecurity(db));
  return std::unique_ptr<UserStore>(new UserStore(db, clock, std::move(options)));
}

Status UserStore::CheckPasswordPolicy(std::string_view name, std::string_view password) const {
  if (CodePoints(password) < options_.min_password_chars)
    return InvalidArgument("a password needs at least " +
                           std::to_string(options_.min_password_chars) + " characters");
  if (password.size() > 1024) return InvalidArgument("a password has at most 1024 bytes");
  std::string lower_pw(password), lower_name(name);
  for (auto* s : {&lower_pw, &lower_name})
    for (char& c : *s) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  if (lower_name.size() >= 3 && lower_pw.find(lower_name) != std::string::npos)
    return InvalidArgument("a password may not contain the login name");
  bool all_same = true;
  for (char c : password) all_same = all_same && c == password[0];
  if (all_same) return InvalidArgument("a password may not repeat one character");
  return Status::Ok();
}

Result<User> UserStore::Add(std::string_view name, Role role, std::string_view password,
                            const Scope& scope, std::string_view created_by, bool pending) {
  ZX_RETURN_IF_ERROR(NameError(name));
  if (role == Role::kAnonymous) return InvalidArgument("a user cannot have the role anonymous");
  if (role == Role::kIntegration)
    return InvalidArgument("integration clients are API keys, not users (see `zhixian apikey`)");
  if (role == Role::kDepartmentHandler && scope.department.empty())
    return InvalidArgument("a department handler needs a department (and optionally a district)");
  if (role != Role::kDepartmentHandler && !(scope == Scope{}))
    return InvalidArgument("only department handlers have a department or district scope");
  ZX_RETURN_IF_ERROR(CheckPasswordPolicy(name, password));
  auto existing = Find(name);
  if (existing.ok())
    return Status(Code::kAlreadyExists, "a user named '" + std::string(name) + "' exists");
  auto hash = HashPassword(password, options_.password);
  if (!hash.ok()) return hash.status();
  int64_t now = clock_.NowUnixMillis();
  auto ins = db_.Prepare(
      "INSERT INTO sec_users (name, role, department, district, password_hash, created_at, "
      "password_changed_at, pending, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, name).Bind(2, RoleName(role)).Bind(3, scope.department).Bind(4, scope.district);
  ins->Bind(5, *hash).Bind(6, now).Bind(7, int64_t{pending ? 1 : 0}).Bind(8, created_by);
  Status s = ins->Run();
  if (!s.ok()) {
    if (s.message().find("UNIQUE") != std::string::npos)
      return Status(Code::kAlreadyExists, "a user named '" + std::string(name) + "' exists");
    return s;
  }
  auto added = Find(name);
  if (added.ok())
    log::Info("user_added id={} role={} pending={}", added->id, RoleName(role), pending);
  return added;
}

namespace {
bool SamePerson(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}
}  // namespace

Result<User> UserStore::Approve(std::string_view name, std::string_view approver) {
  auto user = Find(name);
  if (!user.ok()) return user.status();
  if (!user->pending)
    return FailedPrecondition("user '" + user->name + "' does not wait for approval");
  if (approver.empty() || SamePerson(approver, user->created_by))
    return Status(Code::kPermissionDenied, "user '" + user->name + "' was added by " +
                                               user->created_by +
                                               ": a different administrator must approve it");
  auto up = db_.Prepare(
      "UPDATE sec_users SET pending = 0, approved_by = ?1 WHERE id = ?2 AND pending = 1");
  if (!up.ok()) return up.status();
  ZX_RETURN_IF_ERROR(up->Bind(1, approver).Bind(2, user->id).Run());
  if (sqlite3_changes(db_.handle()) != 1)
    return FailedPrecondition("user '" + user->name + "' does not wait for approval");
  log::Info("user_approved id={} role={}", user->id, RoleName(user->role));
  return Find(name);
}

Result<bool> UserStore::HasActiveAdmin() {
  auto q = db_.Prepare(
      "SELECT 1 FROM sec_users WHERE role = 'admin' AND pending = 0 AND disabled = 0 LIMIT 1");
  if (!q.ok()) return q.status();
  auto row = q->Step();
  if (!row.ok()) return row.status();
  return *row;
}

Result<User> UserStore::Find(std::string_view name) {
  auto q = db_.Prepare(std::string("SELECT ") + kUserColumns + " WHERE name = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, name);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound("no user named '" + std::string(name) + "'");
  return UserFromRow(*q);
}

Result<User> UserStore::Get(int64_t id) {
  auto q = db_.Prepare(std::string("SELECT ") + kUserColumns + " WHERE id = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, id);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound("no user with id " + std::to_string(id));
  return UserFromRow(*q);
}

Result<std::vector<User>> UserStore::List() {
  auto q = db_.Prepare(std::string("SELECT ") + kUserColumns + " ORDER BY name");
  if (!q.ok()) return q.status();
  std::vector<User> out;
  for (;;) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(UserFromRow(*q));
  }
  return out;
}

Status UserStore::SetPassword(std::string_view name, std::string_view password) {
  auto user = Find(name);
  if (!user.ok()) return user.status();
  ZX_RETURN_IF_ERROR(CheckPasswordPolicy(user->name, password));
  auto hash = HashPassword(password, options_.password);
  if (!hash.ok()) return hash.status();
  int64_t now = clock_.NowUnixMillis();
  return db_.Transaction([&]() -> Status {
    auto up = db_.Prepare(
        "UPDATE sec_users SET password_hash = ?1, password_changed_at = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, *hash).Bind(2, now).Bind(3, user->id);
    ZX_RETURN_IF_ERROR(up->Run());
    auto revoke = db_.Prepare(
        "UPDATE sec_sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL");
    if (!revoke.ok()) return revoke.status();
    revoke->Bind(1, now).Bind(2, user->id);
    return revoke->Run();
  });
}

Status UserStore::SetDisabled(std::string_view name, bool disabled) {
  auto user = Find(name);
  if (!user.ok()) return user.status();
  int64_t now = clock_.NowUnixMillis();
  return db_.Transaction([&]() -> Status {
    auto up = db_.Prepare("UPDATE sec_users SET disabled = ?1 WHERE id = ?2");
    if (!up.ok()) return up.status();
    up->Bind(1, int64_t{disabled ? 1 : 0}).Bind(2, user->id);
    ZX_RETURN_IF_ERROR(up->Run());
    if (!disabled) return Status::Ok();
    auto revoke = db_.Prepare(
        "UPDATE sec_sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL");
    if (!revoke.ok()) return revoke.status();
    revoke->Bind(1, now).Bind(2, user->id);
    return revoke->Run();
  });
}

Status UserStore::Unlock(std::string_view name) {
  auto q = db_.Prepare("DELETE FROM sec_login_failures WHERE name = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, name);
  return q->Run();
}

const std::string& UserStore::DummyHash() {
  std::call_once(dummy_once_, [this] {
    auto h = HashPassword(HexEncode(RandomBytes(16)), options_.password);
    dummy_hash_ = h.ok() ? *h : std::string();
  });
  return dummy_hash_;
}

Status UserStore::RecordFailure(std::string_view name) {
  int64_t now = clock_.NowUnixMillis();
  int64_t window = options_.failure_window.count();
  auto q = db_.Prepare(R"sql(
    INSERT INTO sec_login_failures (name, failures, first_failure_at, locked_until)
    VALUES (?1, 1, ?2, CASE WHEN 1 >= ?4 THEN ?2 + ?5 ELSE 0 END)
    ON CONFLICT (name) DO UPDATE SET
      failures = CASE WHEN first_failure_at <= ?2 - ?3 THEN 1 ELSE failures + 1 END,
      first_failure_at = CASE WHEN first_failure_at <= ?2 - ?3 THEN ?2 ELSE first_failure_at END,
      locked_until = CASE
        WHEN (CASE WHEN first_failure_at <= ?2 - ?3 THEN 1 ELSE failures + 1 END) >= ?4
        THEN ?2 + ?5 ELSE locked_until END)sql");
  if (!q.ok()) return q.status();
  q->Bind(1, name).Bind(2, now).Bind(3, window);
  q->Bind(4, int64_t{options_.max_failed_logins}).Bind(5, int64_t{options_.lockout.count()});
  ZX_RETURN_IF_ERROR(q->Run());
  // Forget stale failures so that guessed names do not pile up.
  auto purge = db_.Prepare(
      "DELETE FROM sec_login_failures WHERE first_failure_at <= ?1 AND locked_until <= ?2");
  if (!purge.ok()) return purge.status();
  purge->Bind(1, now - window).Bind(2, now);
  return purge->Run();
}

Result<User> UserStore::CheckPassword(std::string_view name, std::string_view password,
                                      std::string_view otp) {
  int64_t now = clock_.NowUnixMillis();
  {
    auto q = db_.Prepare("SELECT locked_until FROM sec_login_failures WHERE name = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, name);
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (*row && q->Int(0) > now) {
      int64_t minutes = (q->Int(0) - now + 59999) / 60000;
      return ResourceExhausted("too many failed logins for this account; try again in " +
                               std::to_string(minutes) + " minute(s) or ask an admin to unlock it");
    }
  }
  std::string hash, totp_secret;
  User user;
  bool found = false;
  {
    auto q = db_.Prepare(std::string("SELECT ") +
                         "id, name, role, department, district, disabled, created_at, pending, "
                         "created_by, approved_by, password_hash, totp_secret FROM sec_users "
                         "WHERE name = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, name);
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (*row) {
      found = true;
      user = UserFromRow(*q);
      hash = q->Text(10);
      if (!q->IsNull(11)) totp_secret = q->Text(11);
    }
  }
  // Verify even for an unknown user, so the time taken does not reveal which names exist.
  bool ok = VerifyPassword(found ? hash : DummyHash(), password) && found && !user.disabled;
  if (!ok) {
    ZX_RETURN_IF_ERROR(RecordFailure(name));
    return WrongCredentials();
  }
  if (!totp_secret.empty()) {
    // The failure count is cleared only after both factors: guessing codes locks out too.
    Status second = CheckTotp(user, totp_secret, otp);
    if (!second.ok()) {
      ZX_RETURN_IF_ERROR(RecordFailure(name));
      return second;
    }
  }
  ZX_RETURN_IF_ERROR(Unlock(name));
  // Only after both factors, so that this says nothing to someone guessing.
  if (user.pending)
    return Status(Code::kPermissionDenied,
                  "this account waits for a second administrator's approval");
  return user;
}

namespace {
std::string TotpAad(int64_t user_id) {
  return FieldAad("sec_users", "totp_secret", std::to_string(user_id));
}
}  // namespace

Status UserStore::CheckTotp(const User& user, std::string_view sealed_secret,
                            std::string_view otp) {
  if (otp.empty()) return {Code::kUnauthenticated, "one-time code required"};
  if (!options_.cipher)  // enrolled, but the key file is gone: fail closed
    return {Code::kUnauthenticated, "the second factor cannot be checked (no key file)"};
  auto secret = options_.cipher->Decrypt(sealed_secret, TotpAad(user.id));
  if (!secret.ok()) return {Code::kUnauthenticated, "the second factor cannot be checked"};
  auto step = MatchTotp(*secret, otp, clock_.NowUnixMillis() / 1000);
  Wipe(*secret);
  if (!step) return {Code::kUnauthenticated, "wrong one-time code"};
  // Each step once: a code seen on the wire or over a shoulder cannot be used again.
  auto q =
      db_.Prepare("UPDATE sec_users SET totp_last_step = ?1 WHERE id = ?2 AND totp_last_step < ?1");
  if (!q.ok()) return q.status();
  ZX_RETURN_IF_ERROR(q->Bind(1, *step).Bind(2, user.id).Run());
  if (sqlite3_changes(db_.handle()) != 1)
    return {Code::kUnauthenticated, "this one-time code was already used; wait for the next"};
  return Status::Ok();
}

Result<std::string> UserStore::EnableTotp(std::string_view name) {
  if (!options_.cipher)
    return FailedPrecondition("a second factor needs the key file (security.key_file)");
  auto user = Find(name);
  if (!user.ok()) return user.status();
  std::string secret = NewTotpSecret();
  auto q = db_.Prepare("UPDATE sec_users SET totp_secret = ?1, totp_last_step = 0 WHERE id = ?2");
  if (!q.ok()) return q.status();
  ZX_RETURN_IF_ERROR(
      q->Bind(1, options_.cipher->Encrypt(secret, TotpAad(user->id))).Bind(2, user->id).Run());
  return secret;
}

Status UserStore::DisableTotp(std::string_view name) {
  auto user = Find(name);
  if (!user.ok()) return user.status();
  auto q = db_.Prepare("UPDATE sec_users SET totp_secret = NULL WHERE id = ?1");
  if (!q.ok()) return q.status();
  return q->Bind(1, user->id).Run();
}

Result<bool> UserStore::HasTotp(std::string_view name) {
  auto q = db_.Prepare("SELECT totp_secret IS NOT NULL FROM sec_users WHERE name = ?1");
  if (!q.ok()) return q.status();
  auto row = q->Bind(1, name).Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound("no user " + std::string(name));
  return q->Int(0) != 0;
}

}  // namespace zx::security
