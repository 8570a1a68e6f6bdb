// The security sub-commands of the zhixian binary:
//
//   zhixian user add NAME --role R [--department D] [--district X]
//       The password comes from the terminal (asked twice, not echoed) or, when stdin is not a
//       terminal, from its first line. There is no default password anywhere.
//       Accounts that can see personal data or manage users are logged as security.alert; with
//       security.require_approval = 1 they are created pending (except while no active admin
//       exists: the bootstrap of a fresh install).
//   zhixian user approve NAME --as ADMIN [--otp CODE]
//       A different administrator approves a pending account, proving who they are with their
//       own password (terminal, or the first line of stdin).
//   zhixian apikey create --name N --role integration [--department D] [--district X]
//       Prints the key once, on stdout.
//   zhixian keys init [--key-file P]      creates the key file (default: security.key_file),
//                                         which must lie outside the data directory
//   zhixian keys rotate [--key-file P]    a new data key; restart serve to write with it
//   zhixian keys reencrypt [--key-file P] moves every encrypted column to the current key
//   zhixian audit verify [--anchor SEQ:HASH]   exit 0 when the chain and its sealed head are
//                                         intact, 1 when not (says when the chain is UNKEYED)
//   zhixian audit reseal --reason TEXT    after investigating a reported problem: records it
//                                         and starts a new sealed head
//   zhixian audit query [--object ID] [--type T] [--actor A] [--action PREFIX] [--limit N]
//                                         one JSON object per entry
//   zhixian retention run                 the retention job, once
//
// Each takes --data and --config like every sub-command, names its permission from the policy
// table (security/policy.h), and appends an audit entry (actor "cli:<os user>", remote "cli").
// Who may run them is decided by the operating system: the account that can read the data
// directory (and the key file) acts as the system (docs/security.md).
#pragma once

#include <functional>
#include <optional>

#include "app/context.h"

namespace CLI {
class App;
}

namespace zx::app {

// Registers the sub-commands on `cli`; `common` adds --data/--config/--kb bound to `flags`.
// The returned function runs the one that was parsed and returns its exit code, or nullopt
// when none of them was.
std::function<std::optional<int>()> AddSecurityCommands(
    CLI::App& cli, CommonFlags& flags, const std::function<void(CLI::App*)>& common);

}  // namespace zx::app
