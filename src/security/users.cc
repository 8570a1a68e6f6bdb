#include "security/users.h"

#include <algorithm>

#include "base/log.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/policy.h"
#include "security/schema.h"
#include "security/totp.h"
#include "text/utf8.h"

namespace zx::security {
namespace {

constexpr const char* kUserColumns =
    "id, name, role, department, district, disabled, created_at, pending, created_by, "
    "approved_by, display_name FROM sec_users";

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
  u.display_name = q.IsNull(10) ? "" : q.Text(10);
  return u;
}

// One answer for every failed login, so that none tells that the password was right.
Status WrongCredentials() {
  return {Code::kUnauthenticated, "wrong user name, password or one-time code"};
}

// The lock-out rows: one per (name, client address), and one per name with remote kAnyAddress.
constexpr std::string_view kAnyAddress = "*";
Status MigrateLockout(storage::Database& db) {
  return db.Migrate({{"security_lockout", 1, R"sql(
    DROP TABLE IF EXISTS sec_login_failures;
    CREATE TABLE sec_login_throttle (
      name TEXT NOT NULL COLLATE NOCASE,
      remote TEXT NOT NULL,
      failures INTEGER NOT NULL,
      last_failure_at INTEGER NOT NULL,
      locked_until INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (name, remote));
  )sql",
                      R"sql(
    DROP TABLE IF EXISTS sec_login_failures;
    CREATE COLLATION IF NOT EXISTS zx_nocase
      (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
    CREATE TABLE sec_login_throttle (
      name TEXT NOT NULL COLLATE zx_nocase,
      remote TEXT NOT NULL,
      failures INTEGER NOT NULL,
      last_failure_at BIGINT NOT NULL,
      locked_until BIGINT NOT NULL DEFAULT 0,
      PRIMARY KEY (name, remote));
  )sql"}});
}

// The name citizens see of an agent (issue 11 #6): a column of its own, so the login name never
// has to be shown.
Status MigrateDisplayName(storage::Database& db) {
  return db.Migrate({{"security_display_name", 1, R"sql(
    ALTER TABLE sec_users ADD COLUMN display_name TEXT;
  )sql"}});
}

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
  p.display_name = user.display_name;
  p.role = user.role;
  p.scope = user.scope;
  return p;
}

Result<std::unique_ptr<UserStore>> UserStore::Open(storage::Database& db, const Clock& clock,
                                                   UserStoreOptions options) {
  ZX_RETURN_IF_ERROR(MigrateSecurity(db));
  ZX_RETURN_IF_ERROR(MigrateLockout(db));
  ZX_RETURN_IF_ERROR(MigrateDisplayName(db));
  return std::unique_ptr<UserStore>(new UserStore(db, clock, std::move(options)));
}

Status UserStore::CheckPasswordPolicy(std::string_view name, std::string_view password) const {
  if (text::utf8::CountCodePoints(password) < options_.min_password_chars)
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
  ZX_ASSIGN_OR_RETURN(auto hash, HashPassword(password, options_.password));
  int64_t now = clock_.NowUnixMillis();
  ZX_ASSIGN_OR_RETURN(
      storage::Statement ins,
      db_.Prepare(
          "INSERT INTO sec_users (name, role, department, district, password_hash, created_at, "
          "password_changed_at, pending, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)"));
  ins.Bind(1, name).Bind(2, RoleName(role)).Bind(3, scope.department).Bind(4, scope.district);
  ins.Bind(5, hash).Bind(6, now).Bind(7, int64_t{pending ? 1 : 0}).Bind(8, created_by);
  Status s = ins.Run();
  if (!s.ok()) {
    if (storage::IsUniqueViolation(s))
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
  ZX_ASSIGN_OR_RETURN(auto user, Find(name));
  if (!user.pending)
    return FailedPrecondition("user '" + user.name + "' does not wait for approval");
  if (approver.empty() || SamePerson(approver, user.created_by))
    return Status(Code::kPermissionDenied, "user '" + user.name + "' was added by " +
                                               user.created_by +
                                               ": a different administrator must approve it");
  // RETURNING tells whether this statement approved it (another approval may have raced).
  ZX_ASSIGN_OR_RETURN(
      auto up,
      db_.Prepare(
          "UPDATE sec_users SET pending = 0, approved_by = ?1 WHERE id = ?2 AND pending = 1 "
          "RETURNING id"));
  ZX_ASSIGN_OR_RETURN(auto approved, up.Bind(1, approver).Bind(2, user.id).Step());
  if (!approved) return FailedPrecondition("user '" + user.name + "' does not wait for approval");
  up.Reset();
  log::Info("user_approved id={} role={}", user.id, RoleName(user.role));
  return Find(name);
}

Result<bool> UserStore::HasActiveAdmin() {
  ZX_ASSIGN_OR_RETURN(
      auto q,
      db_.Prepare(
          "SELECT 1 FROM sec_users WHERE role = 'admin' AND pending = 0 AND disabled = 0 LIMIT 1"));
  ZX_ASSIGN_OR_RETURN(auto row, q.Step());
  return row;
}

Result<User> UserStore::Find(std::string_view name) {
  ZX_ASSIGN_OR_RETURN(auto q,
                      db_.Prepare(std::string("SELECT ") + kUserColumns + " WHERE name = ?1"));
  q.Bind(1, name);
  ZX_ASSIGN_OR_RETURN(auto row, q.Step());
  if (!row) return NotFound("no user named '" + std::string(name) + "'");
  return UserFromRow(q);
}

Result<User> UserStore::Get(int64_t id) {
  ZX_ASSIGN_OR_RETURN(auto q,
                      db_.Prepare(std::string("SELECT ") + kUserColumns + " WHERE id = ?1"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(auto row, q.Step());
  if (!row) return NotFound("no user with id " + std::to_string(id));
  return UserFromRow(q);
}

Result<std::vector<User>> UserStore::List() {
  ZX_ASSIGN_OR_RETURN(auto q,
                      db_.Prepare(std::string("SELECT ") + kUserColumns + " ORDER BY name"));
  std::vector<User> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(auto row, q.Step());
    if (!row) break;
    out.push_back(UserFromRow(q));
  }
  return out;
}

Status UserStore::SetPassword(std::string_view name, std::string_view password) {
  ZX_ASSIGN_OR_RETURN(auto user, Find(name));
  ZX_RETURN_IF_ERROR(CheckPasswordPolicy(user.name, password));
  ZX_ASSIGN_OR_RETURN(auto hash, HashPassword(password, options_.password));
  int64_t now = clock_.NowUnixMillis();
  return db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(
        auto up,
        db_.Prepare(
            "UPDATE sec_users SET password_hash = ?1, password_changed_at = ?2 WHERE id = ?3"));
    up.Bind(1, hash).Bind(2, now).Bind(3, user.id);
    ZX_RETURN_IF_ERROR(up.Run());
    ZX_ASSIGN_OR_RETURN(
        auto revoke,
        db_.Prepare(
            "UPDATE sec_sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL"));
    revoke.Bind(1, now).Bind(2, user.id);
    return revoke.Run();
  });
}

Status UserStore::SetDisplayName(std::string_view name, std::string_view display_name) {
  if (text::utf8::FindIllFormed(display_name))
    return InvalidArgument("the display name is not valid UTF-8");
  size_t chars = 0, digits_in_row = 0;
  for (size_t i = 0; i < display_name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(display_name[i]);
    if ((c & 0xC0) != 0x80) ++chars;
    if (c < 0x20 || c == 0x7F) return InvalidArgument("the display name has a control character");
    digits_in_row = (c >= '0' && c <= '9') ? digits_in_row + 1 : 0;
    // A 工号 has a few digits; a run that could be a phone number is not a display name.
    if (digits_in_row > 8)
      return InvalidArgument("the display name has more than 8 digits in a row");
  }
  if (chars > 32) return InvalidArgument("the display name has more than 32 characters");
  ZX_ASSIGN_OR_RETURN(auto user, Find(name));
  ZX_ASSIGN_OR_RETURN(auto up, db_.Prepare("UPDATE sec_users SET display_name = ?1 WHERE id = ?2"));
  if (display_name.empty())
    up.BindNull(1);
  else
    up.Bind(1, std::string(display_name));
  up.Bind(2, user.id);
  return up.Run();
}

Status UserStore::SetDisabled(std::string_view name, bool disabled) {
  ZX_ASSIGN_OR_RETURN(auto user, Find(name));
  int64_t now = clock_.NowUnixMillis();
  return db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(auto up, db_.Prepare("UPDATE sec_users SET disabled = ?1 WHERE id = ?2"));
    up.Bind(1, int64_t{disabled ? 1 : 0}).Bind(2, user.id);
    ZX_RETURN_IF_ERROR(up.Run());
    if (!disabled) return Status::Ok();
    ZX_ASSIGN_OR_RETURN(
        auto revoke,
        db_.Prepare(
            "UPDATE sec_sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL"));
    revoke.Bind(1, now).Bind(2, user.id);
    return revoke.Run();
  });
}

Status UserStore::Unlock(std::string_view name) {
  ZX_ASSIGN_OR_RETURN(auto q, db_.Prepare("DELETE FROM sec_login_throttle WHERE name = ?1"));
  q.Bind(1, name);
  return q.Run();
}

const std::string& UserStore::DummyHash() {
  std::call_once(dummy_once_, [this] {
    auto h = HashPassword(HexEncode(RandomBytes(16)), options_.password);
    dummy_hash_ = h.ok() ? *h : std::string();
  });
  return dummy_hash_;
}

Status UserStore::ChargeAttempt(std::string_view name, std::string_view remote) {
  const int64_t now = clock_.NowUnixMillis();
  const int64_t window = options_.failure_window.count();
  const int64_t lockout = options_.lockout.count();
  const int64_t max_lockout = std::max(options_.max_lockout.count(), lockout);
  std::string address(remote.substr(0, 128));
  if (address == kAnyAddress) address = "?";
  struct Row {
    int64_t failures = 0;
    int64_t locked_until = 0;
  };
  // The row's live state; a stale row counts as none.
  auto read = [&](std::string_view key) -> Result<Row> {
    ZX_ASSIGN_OR_RETURN(
        auto q,
        db_.Prepare("SELECT failures, last_failure_at, locked_until FROM sec_login_throttle "
                    "WHERE name = ?1 AND remote = ?2"));
    ZX_ASSIGN_OR_RETURN(auto row, q.Bind(1, name).Bind(2, key).Step());
    if (!row) return Row{};
    int64_t last = q.Int(1), until = q.Int(2);
    // A pair is remembered for a window after its lock ends (so locks double); the ceiling per
    // name starts over once its lock has ended.
    bool stale = key == kAnyAddress ? (last <= now - window || (until != 0 && until <= now))
                                    : std::max(last, until) <= now - window;
    return stale ? Row{} : Row{q.Int(0), until};
  };
  auto write = [&](std::string_view key, int64_t failures, int64_t locked_until) -> Status {
    ZX_ASSIGN_OR_RETURN(auto q, db_.Prepare(R"sql(
      INSERT INTO sec_login_throttle (name, remote, failures, last_failure_at, locked_until)
      VALUES (?1, ?2, ?3, ?4, ?5)
      ON CONFLICT (name, remote) DO UPDATE SET failures = excluded.failures,
        last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until)sql"));
    return q.Bind(1, name).Bind(2, key).Bind(3, failures).Bind(4, now).Bind(5, locked_until).Run();
  };
  // One transaction (and the connection's transaction mutex): parallel attempts are counted
  // one after another, so the limit is exact.
  return db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(auto pair, read(address));
    ZX_ASSIGN_OR_RETURN(auto any, read(kAnyAddress));
    int64_t until = std::max(pair.locked_until, any.locked_until);
    if (until > now) {
      int64_t minutes = (until - now + 59999) / 60000;
      return ResourceExhausted(std::string("too many failed logins for this account") +
                               (any.locked_until > now ? "" : " from your address") +
                               "; try again in " + std::to_string(minutes) +
                               " minute(s) or ask an admin to unlock it");
    }
    int64_t failures = pair.failures + 1;
    int64_t pair_until = 0;
    if (failures >= options_.max_failed_logins) {
      int64_t lock = lockout;  // doubled for each failure past the limit
      for (int64_t i = failures - options_.max_failed_logins; i > 0 && lock < max_lockout; --i)
        lock *= 2;
      pair_until = now + std::min(lock, max_lockout);
    }
    ZX_RETURN_IF_ERROR(write(address, failures, pair_until));
    int64_t name_failures = any.failures + 1;
    ZX_RETURN_IF_ERROR(write(
        kAnyAddress, name_failures,
        name_failures >= options_.max_failed_logins_per_name ? now + lockout : any.locked_until));
    // Forget stale rows so that guessed names do not pile up.
    ZX_ASSIGN_OR_RETURN(
        storage::Statement purge,
        db_.Prepare(
            "DELETE FROM sec_login_throttle WHERE last_failure_at <= ?1 AND locked_until <= ?1"));
    return purge.Bind(1, now - window).Run();
  });
}

Status UserStore::ClearAttempts(std::string_view name, std::string_view remote) {
  std::string address(remote.substr(0, 128));
  if (address == kAnyAddress) address = "?";
  return db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(
        auto pair, db_.Prepare("DELETE FROM sec_login_throttle WHERE name = ?1 AND remote = ?2"));
    ZX_RETURN_IF_ERROR(pair.Bind(1, name).Bind(2, address).Run());
    // The success was counted as an attempt: take it back (and the lock it may have set).
    ZX_ASSIGN_OR_RETURN(storage::Statement any, db_.Prepare(R"sql(
      UPDATE sec_login_throttle SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END,
        locked_until = CASE WHEN failures <= ?3 THEN 0 ELSE locked_until END
      WHERE name = ?1 AND remote = ?2)sql"));
    return any.Bind(1, name)
        .Bind(2, kAnyAddress)
        .Bind(3, int64_t{options_.max_failed_logins_per_name})
        .Run();
  });
}

Result<User> UserStore::CheckPassword(std::string_view name, std::string_view password,
                                      std::string_view otp, std::string_view remote) {
  // Counted before the (slow) check: parallel guesses cannot slip past the limit.
  ZX_RETURN_IF_ERROR(ChargeAttempt(name, remote));
  std::string hash, totp_secret;
  User user;
  bool found = false;
  {
    ZX_ASSIGN_OR_RETURN(
        auto q, db_.Prepare(std::string("SELECT ") +
                            "id, name, role, department, district, disabled, created_at, pending, "
                            "created_by, approved_by, display_name, password_hash, totp_secret "
                            "FROM sec_users WHERE name = ?1"));
    q.Bind(1, name);
    ZX_ASSIGN_OR_RETURN(auto row, q.Step());
    if (row) {
      found = true;
      user = UserFromRow(q);  // columns 0-10 as kUserColumns
      hash = q.Text(11);
      if (!q.IsNull(12)) totp_secret = q.Text(12);
    }
  }
  // Verify even for an unknown user, so the time taken does not reveal which names exist.
  bool ok = VerifyPassword(found ? hash : DummyHash(), password) && found && !user.disabled;
  if (!ok) return WrongCredentials();
  if (!totp_secret.empty()) {
    // The count is cleared only after both factors: guessing codes locks out too. A missing or
    // wrong code gets the same answer as a wrong password, which would otherwise tell that the
    // password was right.
    Status second = CheckTotp(user, totp_secret, otp);
    if (!second.ok()) {
      if (second.code() != Code::kUnauthenticated) return second;  // e.g. the database is busy
      log::Debug("login_second_factor_failed user_id={} reason=\"{}\"", user.id, second.message());
      return WrongCredentials();
    }
  }
  ZX_RETURN_IF_ERROR(ClearAttempts(name, remote));
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
  // RETURNING, not the connection's count of changed rows: the connection is shared, and
  // another thread's statement in between would change that count.
  ZX_ASSIGN_OR_RETURN(
      auto q,
      db_.Prepare("UPDATE sec_users SET totp_last_step = ?1 WHERE id = ?2 AND totp_last_step < ?1 "
                  "RETURNING id"));
  ZX_ASSIGN_OR_RETURN(auto updated, q.Bind(1, *step).Bind(2, user.id).Step());
  bool fresh = updated;
  ZX_RETURN_IF_ERROR(q.Run());
  if (!fresh)
    return {Code::kUnauthenticated, "this one-time code was already used; wait for the next"};
  return Status::Ok();
}

Result<std::string> UserStore::EnableTotp(std::string_view name) {
  if (!options_.cipher)
    return FailedPrecondition("a second factor needs the key file (security.key_file)");
  ZX_ASSIGN_OR_RETURN(auto user, Find(name));
  std::string secret = NewTotpSecret();
  ZX_ASSIGN_OR_RETURN(
      auto q,
      db_.Prepare("UPDATE sec_users SET totp_secret = ?1, totp_last_step = 0 WHERE id = ?2"));
  ZX_RETURN_IF_ERROR(
      q.Bind(1, options_.cipher->Encrypt(secret, TotpAad(user.id))).Bind(2, user.id).Run());
  return secret;
}

Status UserStore::DisableTotp(std::string_view name) {
  ZX_ASSIGN_OR_RETURN(auto user, Find(name));
  ZX_ASSIGN_OR_RETURN(auto q, db_.Prepare("UPDATE sec_users SET totp_secret = NULL WHERE id = ?1"));
  return q.Bind(1, user.id).Run();
}

Result<bool> UserStore::HasTotp(std::string_view name) {
  ZX_ASSIGN_OR_RETURN(auto q,
                      db_.Prepare("SELECT totp_secret IS NOT NULL FROM sec_users WHERE name = ?1"));
  ZX_ASSIGN_OR_RETURN(auto row, q.Bind(1, name).Step());
  if (!row) return NotFound("no user " + std::string(name));
  return q.Int(0) != 0;
}

}  // namespace zx::security
