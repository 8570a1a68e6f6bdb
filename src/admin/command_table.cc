#include "admin/command_table.h"

#include "admin/kb_commands.h"

namespace zx::admin {
namespace {

const Option kLogin{"name", &Args::name, "login name", true};
const Option kDepartment{"--department", &Args::department, "department code (scope)"};
const Option kDistrict{"--district", &Args::district,
                       "district code within the department (scope)"};
const Option kKeyFile{"--key-file", &Args::key_file, "key file (default: security.key_file)"};

}  // namespace

// The commands' parents and their help.
const std::map<std::string, const char*>& CommandParents() {
  static const std::map<std::string, const char*> parents = {
      {"user", "staff accounts"},
      {"user otp", "one-time codes (TOTP) as a second login factor"},
      {"apikey", "integration API keys"},
      {"recordings", "encrypted call recordings"},
      {"keys", "the key file that encrypts personal data"},
      {"audit", "the tamper-evident audit log"},
      {"retention", "retention of personal data"},
      {"kb", "the knowledge base in the database (versions, export, import)"}};
  return parents;
}

const std::vector<CommandSpec>& CommandTable() {
  static const std::vector<CommandSpec> commands = {
      {"user",
       "add",
       "add a staff user; the password is read from the terminal (or the first line of stdin)",
       UserAdd,
       false,
       {{"name", &Args::name, "login name ([A-Za-z0-9._@-], 1-64)", true},
        {"--role", &Args::role, "admin, supervisor, agent, department_handler or auditor", true},
        kDepartment,
        kDistrict}},
      {"user", "disable", "disable a user and end their sessions", UserDisable, false, {kLogin}},
      {"user", "enable", "enable a disabled user", UserEnable, false, {kLogin}},
      {"user", "unlock", "clear a user's failed logins and lock-out", UserUnlock, false, {kLogin}},
      {"user", "list", "list users as JSON lines", UserList, false, {}},
      {"user",
       "display",
       "set the name or 工号 citizens see of an agent (\"\" clears it)",
       UserDisplay,
       false,
       {kLogin,
        {"display_name", &Args::display, "e.g. 1024号 or 小王 (at most 32 characters)", true}}},
      // The approver's second factor is the key file: its password is checked, then sealed.
      {"user",
       "approve",
       "approve a pending account as a second administrator (--as NAME; that administrator's "
       "password from the terminal or the first line of stdin)",
       UserApprove,
       true,
       {{"name", &Args::name, "login name of the pending account", true},
        {"--as", &Args::as, "the approving administrator's login name", true},
        {"--otp", &Args::otp, "the approver's one-time code, when they have one"}}},
      // The one-time-code secret is stored sealed.
      {"user otp",
       "enable",
       "require a one-time code at login; prints the secret once",
       UserOtpEnable,
       true,
       {kLogin}},
      {"user otp", "disable", "stop requiring a one-time code", UserOtpDisable, true, {kLogin}},
      {"apikey",
       "create",
       "create an API key (printed once)",
       ApiKeyCreate,
       false,
       {{"--name", &Args::name, "the client's name", true},
        {"--role", &Args::role, "integration", true},
        kDepartment,
        kDistrict}},
      {"apikey",
       "revoke",
       "revoke an API key at once",
       ApiKeyRevoke,
       false,
       {{"name", &Args::name, "the client's name or key id", true}}},
      {"apikey", "list", "list API clients as JSON lines (never the keys)", ApiKeyList, false, {}},
      {"recordings",
       "list",
       "list recordings as JSON lines, newest first",
       RecordingsList,
       true,
       {{"--limit", &Args::limit, "at most this many (default 100)"}}},
      {"recordings",
       "export",
       "decrypt one recording into a WAV file",
       RecordingsExport,
       true,
       {{"id", &Args::name, "recording id (zhixian recordings list)", true},
        {"--out", &Args::out, "the WAV file to write", true}}},
      {"keys",
       "init",
       "create the key file (outside the data directory)",
       KeysInit,
       false,
       {kKeyFile}},
      {"keys", "rotate", "add a new data key and make it current", KeysRotate, false, {kKeyFile}},
      {"keys",
       "reencrypt",
       "re-encrypt stored personal data under the current key",
       KeysReencrypt,
       false,
       {kKeyFile}},
      {"audit",
       "verify",
       "verify the hash chain; exit 1 when it was tampered with",
       AuditVerify,
       false,
       {{"--anchor", &Args::anchor, "SEQ:HASH of an earlier head, to detect truncation"}}},
      {"audit",
       "reseal",
       "after investigating a reported problem: record it in the log and start a new sealed head",
       AuditReseal,
       false,
       {{"--reason", &Args::reason, "why (kept in the log)", true}}},
      {"audit",
       "query",
       "print entries as JSON lines",
       AuditQuery,
       false,
       {{"--object", &Args::object, "object id (record id or blind index)"},
        {"--type", &Args::type, "object type (user, ticket, conversation, route, ...)"},
        {"--actor", &Args::actor, "actor name"},
        {"--action", &Args::action, "action prefix (e.g. auth. or http.)"},
        {"--limit", &Args::limit, "at most this many entries (default 100)"}}},
      {"retention",
       "run",
       "delete what is past its retention period, now",
       RetentionRun,
       false,
       {}},
      {"kb",
       "export",
       "write the knowledge base citizens get today to DIR: entries/AREA.toml, synonyms.tsv "
       "and departments.tsv as kb/ holds them, or DIR/kb.xlsx",
       KbExport,
       false,
       {{"dir", &Args::out, "the directory to write", true},
        {"--format", &Args::type, "toml (default) or xlsx"}}},
      {"kb",
       "import",
       "import DIR/entries/*.toml: each entry that differs becomes a new published version by "
       "the operator (audited)",
       KbImport,
       false,
       {{"dir", &Args::out, "a knowledge base directory (as kb/)", true}}}};
  return commands;
}

}  // namespace zx::admin
