#include "admin/commands.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "http/security_json.h"
#include "recordings/recordings.h"
#include "security/accounts.h"
#include "security/action_audit.h"
#include "security/audit_check.h"
#include "security/crypto.h"
#include "security/key_file.h"
#include "security/totp.h"

namespace zx::admin {
namespace {

using nlohmann::json;

std::string Actor(const Session& s) { return "cli:" + s.os_user; }

// Appends the command's audit entry; `permission` is the policy-table permission it exercises.
Status Audit(Session& s, std::string_view permission, std::string action, std::string object_type,
             std::string object_id, const json& details = json::object()) {
  security::AuditEvent e{Actor(s),
                         "system",
                         std::move(action),
                         std::move(object_type),
                         std::move(object_id),
                         "",
                         "cli",
                         details.dump(-1, ' ', false, json::error_handler_t::replace)};
  return security::AppendPermittedAction(*s.security.audit, std::move(e), permission);
}

// The command line as the one who changes an account (security/accounts.h).
security::AccountChangeBy CliBy(const Session& s) {
  security::AccountChangeBy by;
  by.event.actor = Actor(s);
  by.event.role = "system";
  by.event.remote = "cli";
  by.permission = "user.manage";
  return by;
}

std::string UserObject(const security::User& user) { return "u:" + std::to_string(user.id); }

// disable, enable and unlock: one user's account state, audited.
Result<int> UserChange(Session& s, const Args& a, std::string_view action) {
  ZX_ASSIGN_OR_RETURN(security::User user, s.security.users->Find(a.name));
  ZX_ASSIGN_OR_RETURN(
      std::string_view done,
      security::ChangeAccountState(*s.security.users, *s.security.sessions, user, action));
  ZX_RETURN_IF_ERROR(Audit(s, "user.manage", std::string(action), "user", UserObject(user),
                           {{"name", user.name}}));
  s.out << done << " user " << user.name << "\n";
  return 0;
}

// The second factor: `enable` shows the secret once (as an otpauth:// URI for the authenticator
// app's QR scanner, and as text to type); `disable` removes it.
Result<int> UserOtp(Session& s, const Args& a, bool enable) {
  auto& users = *s.security.users;
  ZX_ASSIGN_OR_RETURN(security::User user, users.Find(a.name));
  std::string secret;
  if (enable) {
    ZX_ASSIGN_OR_RETURN(secret, users.EnableTotp(a.name));
  } else {
    ZX_RETURN_IF_ERROR(users.DisableTotp(a.name));
  }
  ZX_RETURN_IF_ERROR(Audit(s, "user.manage", enable ? "user.otp_enable" : "user.otp_disable",
                           "user", UserObject(user), {{"name", user.name}}));
  if (!enable) {
    s.out << "one-time codes no longer required for " << user.name << "\n";
    return 0;
  }
  s.err << "scan this into the authenticator app of " << user.name
        << " (shown once; from now on the login needs its 6-digit code):\n";
  s.out << security::OtpauthUri("zhixian", user.name, secret) << "\n";
  s.err << "or type the key: " << security::Base32Encode(secret) << "\n";
  security::Wipe(secret);
  return 0;
}

Status CheckLimit(int limit) {
  if (limit < 1 || limit > 100000) return InvalidArgument("--limit must be between 1 and 100000");
  return Status::Ok();
}

// The recordings need the key file: they are only ever stored sealed.
Result<std::unique_ptr<recordings::RecordingVault>> OpenVault(Session& s) {
  if (!s.security.cipher)
    return FailedPrecondition("recordings are encrypted: set security.key_file to read them");
  return recordings::RecordingVault::Open(s.db, s.data_dir, s.security.cipher->key_ring(), s.clock);
}

Result<std::string> KeyFileOf(const Session& s, const Args& a) {
  return security::KeyFileToManage(a.key_file, s.key_file, s.data_dir);
}

}  // namespace

Result<int> UserAdd(Session& s, const Args& a) {
  ZX_ASSIGN_OR_RETURN(security::Role role, security::ParseStaffRole(a.role));
  ZX_ASSIGN_OR_RETURN(security::Scope scope, security::ScopeOf(a.department, a.district));
  ZX_ASSIGN_OR_RETURN(
      security::AddedAccount added,
      security::AddAccount(*s.security.users, *s.security.audit, CliBy(s), a.name, role, scope,
                           s.require_approval, [&] { return s.new_password(a.name); }));
  const security::User& user = added.user;
  s.out << "added user " << user.name << " (role " << security::RoleName(user.role) << ", id "
        << user.id << ")\n";
  if (added.approval.pending)
    s.out << "pending: " << user.name
          << " cannot log in until a different administrator approves it: zhixian user approve "
          << user.name << " --as ADMIN (or POST /api/v1/users/" << user.id << "/approve)\n";
  return 0;
}

Result<int> UserApprove(Session& s, const Args& a) {
  if (a.as.empty()) return InvalidArgument("give --as ADMIN: the approving administrator");
  auto& users = *s.security.users;
  ZX_ASSIGN_OR_RETURN(std::string password, s.password(a.as));
  auto checked = security::CheckApprover(users, a.as, password, a.otp);
  std::fill(password.begin(), password.end(), '\0');
  ZX_ASSIGN_OR_RETURN(security::User approver, std::move(checked));
  // The entry names the approving person, not the OS account.
  security::AccountChangeBy by = CliBy(s);
  by.event.actor = approver.name;
  by.event.role = std::string(security::RoleName(approver.role));
  by.event.details_json = json{{"os_user", s.os_user}}.dump();
  ZX_ASSIGN_OR_RETURN(security::User user,
                      security::ApproveAccount(users, *s.security.audit, by, a.name));
  s.out << "approved user " << user.name << " (role " << security::RoleName(user.role)
        << ", added by " << user.created_by << ", approved by " << user.approved_by << ")\n";
  return 0;
}

Result<int> UserDisable(Session& s, const Args& a) { return UserChange(s, a, "user.disable"); }
Result<int> UserEnable(Session& s, const Args& a) { return UserChange(s, a, "user.enable"); }
Result<int> UserUnlock(Session& s, const Args& a) { return UserChange(s, a, "user.unlock"); }
Result<int> UserOtpEnable(Session& s, const Args& a) { return UserOtp(s, a, true); }
Result<int> UserOtpDisable(Session& s, const Args& a) { return UserOtp(s, a, false); }

Result<int> UserDisplay(Session& s, const Args& a) {
  ZX_RETURN_IF_ERROR(s.security.users->SetDisplayName(a.name, a.display));
  ZX_ASSIGN_OR_RETURN(security::User user, s.security.users->Find(a.name));
  ZX_RETURN_IF_ERROR(Audit(s, "user.manage", "user.display_name", "user", UserObject(user),
                           {{"name", user.name}, {"display_name", user.display_name}}));
  s.out << "user " << user.name << " is shown to citizens as "
        << (user.display_name.empty() ? "人工客服 (no display name)" : user.display_name) << "\n";
  return 0;
}

Result<int> UserList(Session& s, const Args& /*a*/) {
  ZX_ASSIGN_OR_RETURN(auto users, s.security.users->List());
  ZX_RETURN_IF_ERROR(Audit(s, "user.manage", "user.list", "user", ""));
  for (const auto& u : users) {
    auto otp = s.security.users->HasTotp(u.name);
    s.out << http::UserListJson(u, otp.ok() && *otp).dump() << "\n";
  }
  return 0;
}

Result<int> ApiKeyCreate(Session& s, const Args& a) {
  if (a.role != "integration")
    return InvalidArgument(
        "--role must be integration: API keys are for integration clients (staff log in with a "
        "name and password)");
  ZX_ASSIGN_OR_RETURN(security::Scope scope, security::ScopeOf(a.department, a.district));
  ZX_ASSIGN_OR_RETURN(auto key, s.security.api_keys->Create(a.name, scope));
  ZX_RETURN_IF_ERROR(Audit(s, "apikey.manage", "apikey.create", "api_client", "k:" + key.client.id,
                           {{"name", key.client.name},
                            {"department", key.client.scope.department},
                            {"district", key.client.scope.district}}));
  s.err << "API key for " << key.client.name << " (id " << key.client.id
        << "); it is shown once, store it now:\n";
  s.out << key.key << "\n";
  return 0;
}

Result<int> ApiKeyRevoke(Session& s, const Args& a) {
  ZX_RETURN_IF_ERROR(s.security.api_keys->Revoke(a.name));
  ZX_RETURN_IF_ERROR(Audit(s, "apikey.manage", "apikey.revoke", "api_client", a.name));
  s.out << "revoked API key " << a.name << "\n";
  return 0;
}

Result<int> ApiKeyList(Session& s, const Args& /*a*/) {
  ZX_ASSIGN_OR_RETURN(auto clients, s.security.api_keys->List());
  ZX_RETURN_IF_ERROR(Audit(s, "apikey.manage", "apikey.list", "api_client", ""));
  for (const auto& c : clients) s.out << http::ApiClientJson(c).dump() << "\n";
  return 0;
}

Result<int> RecordingsList(Session& s, const Args& a) {
  ZX_RETURN_IF_ERROR(CheckLimit(a.limit));
  ZX_ASSIGN_OR_RETURN(auto vault, OpenVault(s));
  ZX_ASSIGN_OR_RETURN(auto list, vault->List(a.limit));
  ZX_RETURN_IF_ERROR(Audit(s, "recording.read", "recording.list", "call_recording", "",
                           {{"results", list.size()}}));
  for (const auto& r : list)
    s.out << json{{"id", r.id},
                  {"started_ms", r.started_ms},
                  {"ended_ms", r.ended_ms},
                  {"seconds", r.seconds},
                  {"caller", r.caller_masked},
                  {"called", r.called_user},
                  {"key_version", r.key_version}}
                 .dump()
          << "\n";
  return 0;
}

Result<int> RecordingsExport(Session& s, const Args& a) {
  ZX_ASSIGN_OR_RETURN(auto vault, OpenVault(s));
  // Audited before the audio is decrypted: a listen that fails is still a recorded attempt.
  ZX_RETURN_IF_ERROR(
      Audit(s, "recording.read", "recording.export", "call_recording", a.name, {{"out", a.out}}));
  ZX_ASSIGN_OR_RETURN(auto exported, vault->ExportWav(a.name, a.out));
  s.out << json{{"id", a.name},
                {"out", a.out},
                {"seconds", exported.seconds},
                {"complete", exported.complete}}
               .dump()
        << "\n";
  if (!exported.complete)
    s.err << "zhixian: recording " << a.name
          << " ends early: the server stopped before the call ended\n";
  return 0;
}

Result<int> KeysInit(Session& s, const Args& a) {
  ZX_ASSIGN_OR_RETURN(std::string path, KeyFileOf(s, a));
  const bool default_place = a.key_file.empty() && s.key_file == security::kAutoKeyFile;
  ZX_RETURN_IF_ERROR(security::CreateKeyFile(path, default_place, s.data_dir, s.clock));
  // The audit entry is keyed with the file just made, the one the data directory will be used
  // with, not with whatever file the configuration names (e.g. the default one).
  if (!default_place) ZX_RETURN_IF_ERROR(s.reopen_with_key_file(path));
  ZX_RETURN_IF_ERROR(Audit(s, "keys.manage", "keys.init", "key_file", "1"));
  s.out << "created key file " << path << " (mode 0600, data key version 1)\n";
  if (security::ResolveKeyFile(s.key_file) != path)
    s.out << "set security.key_file = \"" << path
          << "\" (or ZHIXIAN_SECURITY_KEY_FILE) so that zhixian uses it\n";
  return 0;
}

Result<int> KeysRotate(Session& s, const Args& a) {
  ZX_ASSIGN_OR_RETURN(std::string path, KeyFileOf(s, a));
  ZX_ASSIGN_OR_RETURN(auto version, security::RotateKeyFile(path, s.clock));
  ZX_RETURN_IF_ERROR(Audit(s, "keys.manage", "keys.rotate", "key_file", std::to_string(version)));
  s.out << "data key version " << version << " is now current in " << path
        << "; restart zhixian serve, then run `zhixian keys reencrypt`\n";
  return 0;
}

Result<int> KeysReencrypt(Session& s, const Args& a) {
  ZX_ASSIGN_OR_RETURN(std::string path, KeyFileOf(s, a));
  ZX_ASSIGN_OR_RETURN(security::KeyRing ring, security::KeyRing::Load(path));
  security::FieldCipher cipher(std::make_shared<const security::KeyRing>(std::move(ring)));
  ZX_ASSIGN_OR_RETURN(auto report, security::ReencryptColumns(s.db, cipher, s.encrypted_columns));
  json details =
      http::ReencryptReportJson(report, s.encrypted_columns.size(), cipher.current_version());
  ZX_RETURN_IF_ERROR(Audit(s, "keys.manage", "keys.reencrypt", "key_file",
                           std::to_string(cipher.current_version()), details));
  s.out << details.dump() << "\n";
  return report.not_encrypted > 0 ? 1 : 0;
}

Result<int> AuditVerify(Session& s, const Args& a) {
  std::optional<security::AuditHead> anchor;
  if (!a.anchor.empty()) {
    ZX_ASSIGN_OR_RETURN(anchor, security::ParseAuditAnchor(a.anchor));
  }
  ZX_ASSIGN_OR_RETURN(security::AuditVerification v, s.security.audit->Verify(anchor));
  ZX_RETURN_IF_ERROR(Audit(s, "audit.verify", "audit.verify", "audit_log", "",
                           {{"ok", v.ok()},
                            {"entries", v.entries},
                            {"problem", security::ProblemName(v.problem)},
                            {"seq", v.seq},
                            {"keyed", v.keyed}}));
  s.out << security::VerificationReport(v);
  if (!v.keyed)
    s.err << "zhixian: warning: the audit chain is UNKEYED (no security.key_file): tampering by "
             "someone with the database file cannot be detected\n";
  return v.ok() ? 0 : 1;
}

Result<int> AuditReseal(Session& s, const Args& a) {
  if (a.reason.empty()) return InvalidArgument("give --reason: why the head is resealed");
  security::AuditEvent by = CliBy(s).event;
  by.purpose = a.reason;
  ZX_ASSIGN_OR_RETURN(auto resealed,
                      security::ResealAfterInvestigation(*s.security.audit, std::move(by)));
  const security::AuditVerification& v = resealed.found;
  s.out << "resealed at seq " << resealed.entry.seq << " (" << security::ProblemName(v.problem)
        << (v.ok() ? "" : ": " + v.message) << ")\n";
  return 0;
}

Result<int> AuditQuery(Session& s, const Args& a) {
  ZX_RETURN_IF_ERROR(CheckLimit(a.limit));
  security::AuditQuery q;
  q.object_id = a.object;
  q.object_type = a.type;
  q.actor = a.actor;
  q.action_prefix = a.action;
  q.limit = a.limit;
  ZX_ASSIGN_OR_RETURN(auto entries, s.security.audit->Query(q));
  ZX_RETURN_IF_ERROR(
      Audit(s, "audit.read", "audit.read", a.type, a.object,
            {{"actor", a.actor}, {"action", a.action}, {"results", entries.size()}}));
  for (const auto& e : entries)
    s.out << http::AuditEntryJson(e).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  return 0;
}

Result<int> RetentionRun(Session& s, const Args& /*a*/) {
  ZX_RETURN_IF_ERROR(Audit(s, "retention.run", "retention.run", "retention", ""));
  ZX_ASSIGN_OR_RETURN(auto report, s.run_retention());
  s.out << http::RetentionReportJson(report).dump() << "\n";
  return 0;
}

}  // namespace zx::admin
