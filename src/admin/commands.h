// What an operator does from the shell, as `zhixian` sub-commands: staff accounts, API keys, the
// key file, the audit log, call recordings and the retention job. `app` parses the command line
// and opens the database and the security stores (src/app/security_commands.cc); each command
// here does one thing, appends its audit entry (actor "cli:<os user>", remote "cli", the
// permission it exercises named from the policy table, security/policy.h) and prints its answer
// on `out` (JSON lines where a script reads it), its remarks on `err`.
//
// Who may run them is decided by the operating system: the account that can read the data
// directory (and the key file) acts as the system (docs/security.md).
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "security/reencrypt.h"
#include "security/retention.h"
#include "security/stores.h"
#include "storage/database.h"

namespace zx::admin {

// The command's arguments, as the command line gave them ("" when not given).
struct Args {
  std::string name, role, department, district, key_file, anchor;
  std::string object, type, actor, action, out, as, otp, reason, display;
  int limit = 100;
};

// What every command works on. The references outlive the command.
struct Session {
  Session(storage::Database& db, security::SecurityStores& security, const Clock& clock,
          std::ostream& out, std::ostream& err)
      : db(db), security(security), clock(clock), out(out), err(err) {}

  storage::Database& db;
  security::SecurityStores& security;
  const Clock& clock;
  std::ostream& out;
  std::ostream& err;
  std::string os_user;            // who runs the command; the actor is "cli:" + os_user
  std::string data_dir;           // data.dir
  std::string key_file;           // security.key_file as configured ("auto", a path or "")
  std::string kb_dir;             // knowledge.kb_dir: seeds a database that has no entries yet
  bool require_approval = false;  // security.require_approval
  // A new secret for a named account (base/terminal.h ReadNewPassword in the CLI), and the
  // password of an existing one (ReadHidden at a terminal).
  std::function<Result<std::string>(const std::string& name)> new_password;
  std::function<Result<std::string>(const std::string& name)> password;
  // Opens `security` again with another key file (keys init, so that its audit entry is keyed
  // with the file just made).
  std::function<Status(const std::string& key_file)> reopen_with_key_file;
  // The registries of personal data (app/security_context.h) and the retention job over them.
  std::vector<security::EncryptedColumn> encrypted_columns;
  std::function<Result<security::RetentionReport>()> run_retention;
};

// A command: its exit code (0, or 1 where it found a problem: a broken audit chain, data left
// unencrypted), or the error the CLI reports (kInvalidArgument: exit 2).
using Command = Result<int> (*)(Session&, const Args&);

// user add NAME --role R [--department D] [--district X]: the password from new_password; with
// require_approval the account is created pending (two-person rule, security/accounts.h).
Result<int> UserAdd(Session& s, const Args& a);
// user approve NAME --as ADMIN [--otp CODE]: the approver proves who they are with their own
// password (and one-time code), so that the operating-system account cannot be both people.
Result<int> UserApprove(Session& s, const Args& a);
Result<int> UserDisable(Session& s, const Args& a);
Result<int> UserEnable(Session& s, const Args& a);
Result<int> UserUnlock(Session& s, const Args& a);
// user otp enable NAME: the secret once, as an otpauth:// URI on `out` and as text on `err`.
Result<int> UserOtpEnable(Session& s, const Args& a);
Result<int> UserOtpDisable(Session& s, const Args& a);
// user display NAME TEXT: the name or 工号 citizens see of an agent ("" clears it).
Result<int> UserDisplay(Session& s, const Args& a);
Result<int> UserList(Session& s, const Args& a);

// apikey create --name N --role integration [--department D] [--district X]: the key once.
Result<int> ApiKeyCreate(Session& s, const Args& a);
Result<int> ApiKeyRevoke(Session& s, const Args& a);
Result<int> ApiKeyList(Session& s, const Args& a);

// recordings list [--limit N] | export ID --out WAV (audited before anything is decrypted).
Result<int> RecordingsList(Session& s, const Args& a);
Result<int> RecordingsExport(Session& s, const Args& a);

// keys init | rotate | reencrypt [--key-file P] (default: security.key_file, outside data.dir).
Result<int> KeysInit(Session& s, const Args& a);
Result<int> KeysRotate(Session& s, const Args& a);
// Exit 1 when a value was found unencrypted.
Result<int> KeysReencrypt(Session& s, const Args& a);

// audit verify [--anchor SEQ:HASH]: exit 1 when the chain or its sealed head is broken.
Result<int> AuditVerify(Session& s, const Args& a);
// audit reseal --reason TEXT: records the investigated problem and starts a new sealed head.
Result<int> AuditReseal(Session& s, const Args& a);
// audit query [--object ID] [--type T] [--actor A] [--action PREFIX] [--limit N]: JSON lines.
Result<int> AuditQuery(Session& s, const Args& a);

// retention run: the retention job, once.
Result<int> RetentionRun(Session& s, const Args& a);

}  // namespace zx::admin
