#include "app/security_commands.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/security_context.h"
#include "base/log.h"
#include "base/terminal.h"
#include "http/security_json.h"
#include "recordings/recordings.h"
#include "security/accounts.h"
#include "security/action_audit.h"
#include "security/audit_check.h"
#include "security/crypto.h"
#include "security/key_file.h"
#include "security/policy.h"
#include "security/totp.h"

namespace zx::app {
namespace {

using nlohmann::json;

// What every security command opens: configuration, data directory, database, security tables.
struct Env {
  Config config;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<SecurityContext> security;
  std::string actor;
  std::string role = "system";
};

int Fail(const Status& s) {
  std::cerr << "zhixian: " << s.message() << "\n";
  return s.code() == Code::kInvalidArgument ? 2 : 1;
}

Result<Env> OpenEnv(const CommonFlags& flags, bool load_keys) {
  Env env;
  ZX_ASSIGN_OR_RETURN(env.config, LoadAppConfig(flags));
  ZX_ASSIGN_OR_RETURN(env.db, OpenAppDatabase(env.config));
  ZX_ASSIGN_OR_RETURN(env.security,
                      OpenSecurity(*env.db, env.config, SystemClock::Instance(), load_keys));
  env.actor = "cli:" + OsUserName();
  return env;
}

// Appends the command's audit entry; `permission` is the policy-table permission it exercises.
Status Audit(Env& env, std::string_view permission, std::string action, std::string object_type,
             std::string object_id, const json& details = json::object()) {
  security::AuditEvent e{env.actor,
                         env.role,
                         std::move(action),
                         std::move(object_type),
                         std::move(object_id),
                         "",
                         "cli",
                         details.dump(-1, ' ', false, json::error_handler_t::replace)};
  return security::AppendPermittedAction(*env.security->audit, std::move(e), permission);
}

// The command line as the one who changes an account (security/accounts.h).
security::AccountChangeBy CliBy(const Env& env) {
  security::AccountChangeBy by;
  by.event.actor = env.actor;
  by.event.role = env.role;
  by.event.remote = "cli";
  by.permission = "user.manage";
  return by;
}

struct Options {
  std::string name, role, department, district, key_file, anchor;
  std::string object, type, actor, action, out, as, otp, reason, display;
  int limit = 100;
};

// A command's exit code, or the error that Fail reports.
using Command = Result<int> (*)(const CommonFlags&, const Options&);

Result<int> UserAdd(const CommonFlags& flags, const Options& o) {
  ZX_ASSIGN_OR_RETURN(security::Role role, security::ParseStaffRole(o.role));
  ZX_ASSIGN_OR_RETURN(security::Scope scope, security::ScopeOf(o.department, o.district));
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  // The two-person rule (security/accounts.h); the bootstrap comes from the operating-system
  // account that owns the data.
  ZX_ASSIGN_OR_RETURN(
      security::AddedAccount added,
      security::AddAccount(*env.security->users, *env.security->audit, CliBy(env), o.name, role,
                           scope, env.config.security.require_approval != 0,
                           [&] { return ReadNewPassword(o.name); }));
  const security::User& user = added.user;
  const bool pending = added.approval.pending;
  std::cout << "added user " << user.name << " (role " << security::RoleName(user.role) << ", id "
            << user.id << ")\n";
  if (pending)
    std::cout << "pending: " << user.name
              << " cannot log in until a different administrator approves it: zhixian user "
                 "approve "
              << user.name << " --as ADMIN (or POST /api/v1/users/" << user.id << "/approve)\n";
  return 0;
}

// `user approve NAME --as ADMIN`: the approver proves who they are with their own password (and
// one-time code), so that the operating-system account alone cannot be both people.
Result<int> UserApprove(const CommonFlags& flags, const Options& o) {
  if (o.as.empty()) return InvalidArgument("give --as ADMIN: the approving administrator");
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, true));  // an approver's second factor: key file
  auto& users = *env.security->users;
  ZX_ASSIGN_OR_RETURN(std::string password, StdinIsTerminal()
                                                ? ReadHidden("Password of " + o.as + ": ")
                                                : ReadNewPassword(o.as));
  auto checked = security::CheckApprover(users, o.as, password, o.otp);
  std::fill(password.begin(), password.end(), '\0');
  ZX_ASSIGN_OR_RETURN(security::User approver, std::move(checked));
  // The entry names the approving person, not the OS account.
  security::AccountChangeBy by = CliBy(env);
  by.event.actor = approver.name;
  by.event.role = std::string(security::RoleName(approver.role));
  by.event.details_json = json{{"os_user", OsUserName()}}.dump();
  ZX_ASSIGN_OR_RETURN(security::User user,
                      security::ApproveAccount(users, *env.security->audit, by, o.name));
  std::cout << "approved user " << user.name << " (role " << security::RoleName(user.role)
            << ", added by " << user.created_by << ", approved by " << user.approved_by << ")\n";
  return 0;
}

// disable, enable and unlock: one user's account state, audited.
Result<int> UserChange(const CommonFlags& flags, const Options& o, std::string_view action) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_ASSIGN_OR_RETURN(security::User user, env.security->users->Find(o.name));
  ZX_ASSIGN_OR_RETURN(
      std::string_view done,
      security::ChangeAccountState(*env.security->users, *env.security->sessions, user, action));
  ZX_RETURN_IF_ERROR(Audit(env, "user.manage", std::string(action), "user",
                           "u:" + std::to_string(user.id), {{"name", user.name}}));
  std::cout << done << " user " << user.name << "\n";
  return 0;
}
Result<int> UserDisable(const CommonFlags& f, const Options& o) {
  return UserChange(f, o, "user.disable");
}
Result<int> UserEnable(const CommonFlags& f, const Options& o) {
  return UserChange(f, o, "user.enable");
}
Result<int> UserUnlock(const CommonFlags& f, const Options& o) {
  return UserChange(f, o, "user.unlock");
}

// The second factor: `user otp enable NAME` shows the secret once (as an otpauth:// URI for
// the authenticator app's QR scanner, and as text to type); `disable` removes it.
Result<int> UserOtp(const CommonFlags& flags, const Options& o, bool enable) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, true));  // the secret is stored sealed: key file
  ZX_ASSIGN_OR_RETURN(security::User user, env.security->users->Find(o.name));
  std::string secret;
  if (enable) {
    ZX_ASSIGN_OR_RETURN(secret, env.security->users->EnableTotp(o.name));
  } else {
    ZX_RETURN_IF_ERROR(env.security->users->DisableTotp(o.name));
  }
  ZX_RETURN_IF_ERROR(Audit(env, "user.manage", enable ? "user.otp_enable" : "user.otp_disable",
                           "user", "u:" + std::to_string(user.id), {{"name", user.name}}));
  if (!enable) {
    std::cout << "one-time codes no longer required for " << user.name << "\n";
    return 0;
  }
  std::cerr << "scan this into the authenticator app of " << user.name
            << " (shown once; from now on the login needs its 6-digit code):\n";
  std::cout << security::OtpauthUri("zhixian", user.name, secret) << "\n";
  std::cerr << "or type the key: " << security::Base32Encode(secret) << "\n";
  security::Wipe(secret);
  return 0;
}
Result<int> UserOtpEnable(const CommonFlags& f, const Options& o) { return UserOtp(f, o, true); }
Result<int> UserOtpDisable(const CommonFlags& f, const Options& o) { return UserOtp(f, o, false); }

// `user display NAME TEXT`: the name or 工号 citizens see of an agent ("" clears it), audited.
Result<int> UserDisplay(const CommonFlags& flags, const Options& o) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_RETURN_IF_ERROR(env.security->users->SetDisplayName(o.name, o.display));
  ZX_ASSIGN_OR_RETURN(security::User user, env.security->users->Find(o.name));
  ZX_RETURN_IF_ERROR(Audit(env, "user.manage", "user.display_name", "user",
                           "u:" + std::to_string(user.id),
                           {{"name", user.name}, {"display_name", user.display_name}}));
  std::cout << "user " << user.name << " is shown to citizens as "
            << (user.display_name.empty() ? "人工客服 (no display name)" : user.display_name)
            << "\n";
  return 0;
}

Result<int> UserList(const CommonFlags& flags, const Options&) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_ASSIGN_OR_RETURN(auto users, env.security->users->List());
  ZX_RETURN_IF_ERROR(Audit(env, "user.manage", "user.list", "user", ""));
  for (const auto& u : users) {
    auto otp = env.security->users->HasTotp(u.name);
    std::cout << http::UserListJson(u, otp.ok() && *otp).dump() << "\n";
  }
  return 0;
}

Result<int> ApiKeyCreate(const CommonFlags& flags, const Options& o) {
  if (o.role != "integration")
    return InvalidArgument(
        "--role must be integration: API keys are for integration "
        "clients (staff log in with a name and password)");
  ZX_ASSIGN_OR_RETURN(security::Scope scope, security::ScopeOf(o.department, o.district));
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_ASSIGN_OR_RETURN(auto key, env.security->api_keys->Create(o.name, scope));
  ZX_RETURN_IF_ERROR(Audit(env, "apikey.manage", "apikey.create", "api_client",
                           "k:" + key.client.id,
                           {{"name", key.client.name},
                            {"department", key.client.scope.department},
                            {"district", key.client.scope.district}}));
  std::cerr << "API key for " << key.client.name << " (id " << key.client.id
            << "); it is shown once, store it now:\n";
  std::cout << key.key << "\n";
  return 0;
}

Result<int> ApiKeyRevoke(const CommonFlags& flags, const Options& o) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_RETURN_IF_ERROR(env.security->api_keys->Revoke(o.name));
  ZX_RETURN_IF_ERROR(Audit(env, "apikey.manage", "apikey.revoke", "api_client", o.name));
  std::cout << "revoked API key " << o.name << "\n";
  return 0;
}

Result<int> ApiKeyList(const CommonFlags& flags, const Options&) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_ASSIGN_OR_RETURN(auto clients, env.security->api_keys->List());
  ZX_RETURN_IF_ERROR(Audit(env, "apikey.manage", "apikey.list", "api_client", ""));
  for (const auto& c : clients) std::cout << http::ApiClientJson(c).dump() << "\n";
  return 0;
}

// The recordings need the key file: they are only ever stored sealed.
Result<std::unique_ptr<recordings::RecordingVault>> OpenVault(Env& env) {
  if (!env.security->cipher)
    return FailedPrecondition("recordings are encrypted: set security.key_file to read them");
  return recordings::RecordingVault::Open(
      *env.db, env.config.data.dir, env.security->cipher->key_ring(), SystemClock::Instance());
}

Result<int> RecordingsList(const CommonFlags& flags, const Options& o) {
  if (o.limit < 1 || o.limit > 100000)
    return InvalidArgument("--limit must be between 1 and 100000");
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, true));
  ZX_ASSIGN_OR_RETURN(auto vault, OpenVault(env));
  ZX_ASSIGN_OR_RETURN(auto list, vault->List(o.limit));
  ZX_RETURN_IF_ERROR(Audit(env, "recording.read", "recording.list", "call_recording", "",
                           {{"results", list.size()}}));
  for (const auto& r : list)
    std::cout << json{{"id", r.id},
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

Result<int> RecordingsExport(const CommonFlags& flags, const Options& o) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, true));
  ZX_ASSIGN_OR_RETURN(auto vault, OpenVault(env));
  // Audited before the audio is decrypted: a listen that fails is still a recorded attempt.
  ZX_RETURN_IF_ERROR(
      Audit(env, "recording.read", "recording.export", "call_recording", o.name, {{"out", o.out}}));
  ZX_ASSIGN_OR_RETURN(auto exported, vault->ExportWav(o.name, o.out));
  std::cout << json{{"id", o.name},
                    {"out", o.out},
                    {"seconds", exported.seconds},
                    {"complete", exported.complete}}
                   .dump()
            << "\n";
  if (!exported.complete)
    std::cerr << "zhixian: recording " << o.name
              << " ends early: the server stopped before the call ended\n";
  return 0;
}

Result<std::string> KeyFileOf(const Env& env, const Options& o) {
  return security::KeyFileToManage(o.key_file, env.config.security.key_file, env.config.data.dir);
}

Result<int> KeysInit(const CommonFlags& flags, const Options& o) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_ASSIGN_OR_RETURN(std::string path, KeyFileOf(env, o));
  const bool default_place =
      o.key_file.empty() && env.config.security.key_file == security::kAutoKeyFile;
  ZX_RETURN_IF_ERROR(
      security::CreateKeyFile(path, default_place, env.config.data.dir, SystemClock::Instance()));
  if (!default_place) {
    // The audit entry is keyed with the file just made, the one the data directory will be used
    // with, not with whatever file the configuration names (e.g. the default one).
    env.config.security.key_file = path;
    ZX_ASSIGN_OR_RETURN(env.security,
                        OpenSecurity(*env.db, env.config, SystemClock::Instance(), false));
  }
  ZX_RETURN_IF_ERROR(Audit(env, "keys.manage", "keys.init", "key_file", "1"));
  std::cout << "created key file " << path << " (mode 0600, data key version 1)\n";
  if (security::ResolveKeyFile(env.config.security.key_file) != path)
    std::cout << "set security.key_file = \"" << path
              << "\" (or ZHIXIAN_SECURITY_KEY_FILE) so that zhixian uses it\n";
  return 0;
}

Result<int> KeysRotate(const CommonFlags& flags, const Options& o) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_ASSIGN_OR_RETURN(std::string path, KeyFileOf(env, o));
  ZX_ASSIGN_OR_RETURN(auto version, security::RotateKeyFile(path, SystemClock::Instance()));
  ZX_RETURN_IF_ERROR(Audit(env, "keys.manage", "keys.rotate", "key_file", std::to_string(version)));
  std::cout << "data key version " << version << " is now current in " << path
            << "; restart zhixian serve, then run `zhixian keys reencrypt`\n";
  return 0;
}

Result<int> KeysReencrypt(const CommonFlags& flags, const Options& o) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_ASSIGN_OR_RETURN(std::string path, KeyFileOf(env, o));
  ZX_ASSIGN_OR_RETURN(security::KeyRing ring, security::KeyRing::Load(path));
  security::FieldCipher cipher(std::make_shared<const security::KeyRing>(std::move(ring)));
  auto columns = EncryptedColumns(*env.db);
  ZX_ASSIGN_OR_RETURN(auto report, security::ReencryptColumns(*env.db, cipher, columns));
  json details = http::ReencryptReportJson(report, columns.size(), cipher.current_version());
  ZX_RETURN_IF_ERROR(Audit(env, "keys.manage", "keys.reencrypt", "key_file",
                           std::to_string(cipher.current_version()), details));
  std::cout << details.dump() << "\n";
  return report.not_encrypted > 0 ? 1 : 0;
}

Result<int> AuditVerify(const CommonFlags& flags, const Options& o) {
  std::optional<security::AuditHead> anchor;
  if (!o.anchor.empty()) {
    ZX_ASSIGN_OR_RETURN(anchor, security::ParseAuditAnchor(o.anchor));
  }
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_ASSIGN_OR_RETURN(security::AuditVerification v, env.security->audit->Verify(anchor));
  ZX_RETURN_IF_ERROR(Audit(env, "audit.verify", "audit.verify", "audit_log", "",
                           {{"ok", v.ok()},
                            {"entries", v.entries},
                            {"problem", security::ProblemName(v.problem)},
                            {"seq", v.seq},
                            {"keyed", v.keyed}}));
  std::cout << security::VerificationReport(v);
  if (!v.keyed)
    std::cerr << "zhixian: warning: the audit chain is UNKEYED (no security.key_file): tampering "
                 "by someone with the database file cannot be detected\n";
  return v.ok() ? 0 : 1;
}

// `audit reseal --reason TEXT`: after a reported problem was investigated, records it (and the
// reason) in the chain and starts a new sealed head from that entry.
Result<int> AuditReseal(const CommonFlags& flags, const Options& o) {
  if (o.reason.empty()) return InvalidArgument("give --reason: why the head is resealed");
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  security::AuditEvent by = CliBy(env).event;
  by.purpose = o.reason;
  ZX_ASSIGN_OR_RETURN(auto resealed,
                      security::ResealAfterInvestigation(*env.security->audit, std::move(by)));
  const security::AuditVerification& v = resealed.found;
  std::cout << "resealed at seq " << resealed.entry.seq << " (" << security::ProblemName(v.problem)
            << (v.ok() ? "" : ": " + v.message) << ")\n";
  return 0;
}

Result<int> AuditQueryCommand(const CommonFlags& flags, const Options& o) {
  if (o.limit < 1 || o.limit > 100000)
    return InvalidArgument("--limit must be between 1 and 100000");
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  security::AuditQuery q;
  q.object_id = o.object;
  q.object_type = o.type;
  q.actor = o.actor;
  q.action_prefix = o.action;
  q.limit = o.limit;
  ZX_ASSIGN_OR_RETURN(auto entries, env.security->audit->Query(q));
  ZX_RETURN_IF_ERROR(
      Audit(env, "audit.read", "audit.read", o.type, o.object,
            {{"actor", o.actor}, {"action", o.action}, {"results", entries.size()}}));
  for (const auto& e : entries)
    std::cout << http::AuditEntryJson(e).dump(-1, ' ', false, json::error_handler_t::replace)
              << "\n";
  return 0;
}

Result<int> RetentionRun(const CommonFlags& flags, const Options&) {
  ZX_ASSIGN_OR_RETURN(Env env, OpenEnv(flags, false));
  ZX_RETURN_IF_ERROR(Audit(env, "retention.run", "retention.run", "retention", ""));
  ZX_ASSIGN_OR_RETURN(
      auto report, RunRetentionOnce(*env.db, *env.security, env.config, SystemClock::Instance()));
  std::cout << http::RetentionReportJson(report).dump() << "\n";
  return 0;
}

}  // namespace

std::function<std::optional<int>()> AddSecurityCommands(
    CLI::App& cli, CommonFlags& flags, const std::function<void(CLI::App*)>& common) {
  auto o = std::make_shared<Options>();
  std::vector<std::pair<CLI::App*, Command>> commands;
  auto add = [&](CLI::App* parent, const char* name, const char* help, Command run) {
    CLI::App* sub = parent->add_subcommand(name, help);
    common(sub);
    commands.emplace_back(sub, run);
    return sub;
  };
  auto scope = [o](CLI::App* sub) {
    sub->add_option("--department", o->department, "department code (scope)");
    sub->add_option("--district", o->district, "district code within the department (scope)");
  };

  auto* user = cli.add_subcommand("user", "staff accounts");
  user->require_subcommand(1);
  auto* user_add = add(user, "add",
                       "add a staff user; the password is read from the terminal "
                       "(or the first line of stdin)",
                       UserAdd);
  user_add->add_option("name", o->name, "login name ([A-Za-z0-9._@-], 1-64)")->required();
  user_add->add_option("--role", o->role, "admin, supervisor, agent, department_handler or auditor")
      ->required();
  scope(user_add);
  for (auto [name, help, run] :
       {std::tuple{"disable", "disable a user and end their sessions", &UserDisable},
        std::tuple{"enable", "enable a disabled user", &UserEnable},
        std::tuple{"unlock", "clear a user's failed logins and lock-out", &UserUnlock}}) {
    add(user, name, help, run)->add_option("name", o->name, "login name")->required();
  }
  add(user, "list", "list users as JSON lines", UserList);
  auto* display =
      add(user, "display", "set the name or 工号 citizens see of an agent (\"\" clears it)",
          UserDisplay);
  display->add_option("name", o->name, "login name")->required();
  display->add_option("display_name", o->display, "e.g. 1024号 or 小王 (at most 32 characters)")
      ->required();
  auto* approve = add(user, "approve",
                      "approve a pending account as a second administrator (--as NAME; that "
                      "administrator's password from the terminal or the first line of stdin)",
                      UserApprove);
  approve->add_option("name", o->name, "login name of the pending account")->required();
  approve->add_option("--as", o->as, "the approving administrator's login name")->required();
  approve->add_option("--otp", o->otp, "the approver's one-time code, when they have one");
  auto* otp = user->add_subcommand("otp", "one-time codes (TOTP) as a second login factor");
  otp->require_subcommand(1);
  add(otp, "enable", "require a one-time code at login; prints the secret once", UserOtpEnable)
      ->add_option("name", o->name, "login name")
      ->required();
  add(otp, "disable", "stop requiring a one-time code", UserOtpDisable)
      ->add_option("name", o->name, "login name")
      ->required();

  auto* apikey = cli.add_subcommand("apikey", "integration API keys");
  apikey->require_subcommand(1);
  auto* apikey_create = add(apikey, "create", "create an API key (printed once)", ApiKeyCreate);
  apikey_create->add_option("--name", o->name, "the client's name")->required();
  apikey_create->add_option("--role", o->role, "integration")->required();
  scope(apikey_create);
  add(apikey, "revoke", "revoke an API key at once", ApiKeyRevoke)
      ->add_option("name", o->name, "the client's name or key id")
      ->required();
  add(apikey, "list", "list API clients as JSON lines (never the keys)", ApiKeyList);

  auto* recordings = cli.add_subcommand("recordings", "encrypted call recordings");
  recordings->require_subcommand(1);
  add(recordings, "list", "list recordings as JSON lines, newest first", RecordingsList)
      ->add_option("--limit", o->limit, "at most this many (default 100)");
  auto* rec_export =
      add(recordings, "export", "decrypt one recording into a WAV file", RecordingsExport);
  rec_export->add_option("id", o->name, "recording id (zhixian recordings list)")->required();
  rec_export->add_option("--out", o->out, "the WAV file to write")->required();

  auto* keys = cli.add_subcommand("keys", "the key file that encrypts personal data");
  keys->require_subcommand(1);
  for (auto [name, help, run] :
       {std::tuple{"init", "create the key file (outside the data directory)", &KeysInit},
        std::tuple{"rotate", "add a new data key and make it current", &KeysRotate},
        std::tuple{"reencrypt", "re-encrypt stored personal data under the current key",
                   &KeysReencrypt}}) {
    auto* sub = add(keys, name, help, run);
    sub->add_option("--key-file", o->key_file, "key file (default: security.key_file)");
  }

  auto* audit = cli.add_subcommand("audit", "the tamper-evident audit log");
  audit->require_subcommand(1);
  auto* verify =
      add(audit, "verify", "verify the hash chain; exit 1 when it was tampered with", AuditVerify);
  verify->add_option("--anchor", o->anchor, "SEQ:HASH of an earlier head, to detect truncation");
  add(audit, "reseal",
      "after investigating a reported problem: record it in the log and start a new sealed head",
      AuditReseal)
      ->add_option("--reason", o->reason, "why (kept in the log)")
      ->required();
  auto* query = add(audit, "query", "print entries as JSON lines", AuditQueryCommand);
  query->add_option("--object", o->object, "object id (record id or blind index)");
  query->add_option("--type", o->type, "object type (user, ticket, conversation, route, ...)");
  query->add_option("--actor", o->actor, "actor name");
  query->add_option("--action", o->action, "action prefix (e.g. auth. or http.)");
  query->add_option("--limit", o->limit, "at most this many entries (default 100)");

  auto* retention = cli.add_subcommand("retention", "retention of personal data");
  retention->require_subcommand(1);
  add(retention, "run", "delete what is past its retention period, now", RetentionRun);

  return [commands = std::move(commands), o, &flags]() -> std::optional<int> {
    for (const auto& [sub, run] : commands) {
      if (!sub->parsed()) continue;
      Result<int> code = run(flags, *o);
      return code.ok() ? *code : Fail(code.status());
    }
    return std::nullopt;
  };
}

}  // namespace zx::app
