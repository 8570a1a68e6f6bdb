#include "app/commands.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <variant>

#include "admin/commands.h"
#include "app/security_context.h"
#include "base/terminal.h"

namespace zx::app {
namespace {

using admin::Args;

// One option of a command: a positional NAME or a --flag, bound to a field of Args.
struct Option {
  const char* name;
  std::variant<std::string Args::*, int Args::*> field;
  const char* help;
  bool required = false;
};

// One sub-command: its parent ("user", "user otp", ...), name, help, what it runs, whether it
// needs the key file loaded (sealed values are read or written), and its options.
struct CommandSpec {
  const char* parent;
  const char* name;
  const char* help;
  admin::Command run;
  bool keys;
  std::vector<Option> options;
};

const Option kLogin{"name", &Args::name, "login name", true};
const Option kDepartment{"--department", &Args::department, "department code (scope)"};
const Option kDistrict{"--district", &Args::district,
                       "district code within the department (scope)"};
const Option kKeyFile{"--key-file", &Args::key_file, "key file (default: security.key_file)"};

// The commands' parents and their help.
const std::map<std::string, const char*> kParents = {
    {"user", "staff accounts"},
    {"user otp", "one-time codes (TOTP) as a second login factor"},
    {"apikey", "integration API keys"},
    {"recordings", "encrypted call recordings"},
    {"keys", "the key file that encrypts personal data"},
    {"audit", "the tamper-evident audit log"},
    {"retention", "retention of personal data"}};

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = {
      {"user",
       "add",
       "add a staff user; the password is read from the terminal (or the first line of stdin)",
       admin::UserAdd,
       false,
       {{"name", &Args::name, "login name ([A-Za-z0-9._@-], 1-64)", true},
        {"--role", &Args::role, "admin, supervisor, agent, department_handler or auditor", true},
        kDepartment,
        kDistrict}},
      {"user",
       "disable",
       "disable a user and end their sessions",
       admin::UserDisable,
       false,
       {kLogin}},
      {"user", "enable", "enable a disabled user", admin::UserEnable, false, {kLogin}},
      {"user",
       "unlock",
       "clear a user's failed logins and lock-out",
       admin::UserUnlock,
       false,
       {kLogin}},
      {"user", "list", "list users as JSON lines", admin::UserList, false, {}},
      {"user",
       "display",
       "set the name or 工号 citizens see of an agent (\"\" clears it)",
       admin::UserDisplay,
       false,
       {kLogin,
        {"display_name", &Args::display, "e.g. 1024号 or 小王 (at most 32 characters)", true}}},
      // The approver's second factor is the key file: its password is checked, then sealed.
      {"user",
       "approve",
       "approve a pending account as a second administrator (--as NAME; that administrator's "
       "password from the terminal or the first line of stdin)",
       admin::UserApprove,
       true,
       {{"name", &Args::name, "login name of the pending account", true},
        {"--as", &Args::as, "the approving administrator's login name", true},
        {"--otp", &Args::otp, "the approver's one-time code, when they have one"}}},
      // The one-time-code secret is stored sealed.
      {"user otp",
       "enable",
       "require a one-time code at login; prints the secret once",
       admin::UserOtpEnable,
       true,
       {kLogin}},
      {"user otp",
       "disable",
       "stop requiring a one-time code",
       admin::UserOtpDisable,
       true,
       {kLogin}},
      {"apikey",
       "create",
       "create an API key (printed once)",
       admin::ApiKeyCreate,
       false,
       {{"--name", &Args::name, "the client's name", true},
        {"--role", &Args::role, "integration", true},
        kDepartment,
        kDistrict}},
      {"apikey",
       "revoke",
       "revoke an API key at once",
       admin::ApiKeyRevoke,
       false,
       {{"name", &Args::name, "the client's name or key id", true}}},
      {"apikey",
       "list",
       "list API clients as JSON lines (never the keys)",
       admin::ApiKeyList,
       false,
       {}},
      {"recordings",
       "list",
       "list recordings as JSON lines, newest first",
       admin::RecordingsList,
       true,
       {{"--limit", &Args::limit, "at most this many (default 100)"}}},
      {"recordings",
       "export",
       "decrypt one recording into a WAV file",
       admin::RecordingsExport,
       true,
       {{"id", &Args::name, "recording id (zhixian recordings list)", true},
        {"--out", &Args::out, "the WAV file to write", true}}},
      {"keys",
       "init",
       "create the key file (outside the data directory)",
       admin::KeysInit,
       false,
       {kKeyFile}},
      {"keys",
       "rotate",
       "add a new data key and make it current",
       admin::KeysRotate,
       false,
       {kKeyFile}},
      {"keys",
       "reencrypt",
       "re-encrypt stored personal data under the current key",
       admin::KeysReencrypt,
       false,
       {kKeyFile}},
      {"audit",
       "verify",
       "verify the hash chain; exit 1 when it was tampered with",
       admin::AuditVerify,
       false,
       {{"--anchor", &Args::anchor, "SEQ:HASH of an earlier head, to detect truncation"}}},
      {"audit",
       "reseal",
       "after investigating a reported problem: record it in the log and start a new sealed head",
       admin::AuditReseal,
       false,
       {{"--reason", &Args::reason, "why (kept in the log)", true}}},
      {"audit",
       "query",
       "print entries as JSON lines",
       admin::AuditQuery,
       false,
       {{"--object", &Args::object, "object id (record id or blind index)"},
        {"--type", &Args::type, "object type (user, ticket, conversation, route, ...)"},
        {"--actor", &Args::actor, "actor name"},
        {"--action", &Args::action, "action prefix (e.g. auth. or http.)"},
        {"--limit", &Args::limit, "at most this many entries (default 100)"}}},
      {"retention",
       "run",
       "delete what is past its retention period, now",
       admin::RetentionRun,
       false,
       {}}};
  return commands;
}

// Opens what the command works on and runs it.
Result<int> Run(const CommonFlags& flags, const CommandSpec& spec, const Args& args) {
  ZX_ASSIGN_OR_RETURN(Config config, LoadAppConfig(flags));
  ZX_ASSIGN_OR_RETURN(auto db, OpenAppDatabase(config));
  const Clock& clock = SystemClock::Instance();
  ZX_ASSIGN_OR_RETURN(auto security, OpenSecurity(*db, config, clock, spec.keys));
  admin::Session session{*db, *security, clock, std::cout, std::cerr};
  session.os_user = OsUserName();
  session.data_dir = config.data.dir;
  session.key_file = config.security.key_file;
  session.require_approval = config.security.require_approval != 0;
  session.new_password = ReadNewPassword;
  session.password = [](const std::string& name) {
    return StdinIsTerminal() ? ReadHidden("Password of " + name + ": ") : ReadNewPassword(name);
  };
  session.reopen_with_key_file = [&](const std::string& key_file) -> Status {
    Config keyed = config;
    keyed.security.key_file = key_file;
    ZX_ASSIGN_OR_RETURN(auto reopened, OpenSecurity(*db, keyed, clock, false));
    *security = std::move(*reopened);  // the session holds a reference to *security
    return Status::Ok();
  };
  session.encrypted_columns = EncryptedColumns(*db);
  session.run_retention = [&] { return RunRetentionOnce(*db, *security, config, clock); };
  return spec.run(session, args);
}

}  // namespace

ParsedCommand AddSecurityCommands(CLI::App& cli, CommonFlags& flags, const CommonOptions& common) {
  auto args = std::make_shared<Args>();
  // A parent is made when its first command is added, so that `--help` lists them in the order
  // of Commands().
  std::map<std::string, CLI::App*> parents;
  std::function<CLI::App*(const std::string&)> parent = [&](const std::string& path) {
    if (auto it = parents.find(path); it != parents.end()) return it->second;
    auto space = path.rfind(' ');
    CLI::App* up = space == std::string::npos ? &cli : parent(path.substr(0, space));
    CLI::App* made = up->add_subcommand(path.substr(space + 1), kParents.at(path));
    made->require_subcommand(1);
    return parents[path] = made;
  };
  std::vector<std::pair<CLI::App*, const CommandSpec*>> added;
  for (const CommandSpec& spec : Commands()) {
    CLI::App* sub = parent(spec.parent)->add_subcommand(spec.name, spec.help);
    common(sub);
    for (const Option& o : spec.options) {
      CLI::Option* option = std::visit(
          [&](auto field) { return sub->add_option(o.name, (*args).*field, o.help); }, o.field);
      if (o.required) option->required();
    }
    added.emplace_back(sub, &spec);
  }
  return [added = std::move(added), args, &flags]() -> std::optional<int> {
    for (const auto& [sub, spec] : added) {
      if (!sub->parsed()) continue;
      Result<int> code = Run(flags, *spec, *args);
      if (code.ok()) return *code;
      std::cerr << "zhixian: " << code.status().message() << "\n";
      return code.status().code() == Code::kInvalidArgument ? 2 : 1;
    }
    return std::nullopt;
  };
}

}  // namespace zx::app
