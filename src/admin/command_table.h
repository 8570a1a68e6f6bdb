// THE table of the operator's sub-commands (admin/commands.h, admin/kb_commands.h): each one's
// parent ("user", "user otp", "kb"), name, help, what it runs and its options, as data. `app`
// turns it into the command line (src/app/security_commands.cc), opens what a command works on
// and runs it; the table lives here, beside the commands, so that a new command is one entry.
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "admin/commands.h"

namespace zx::admin {

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
  Command run;
  bool keys;
  std::vector<Option> options;
};

// The commands' parents ("user", "user otp", "kb", ...) and their help.
const std::map<std::string, const char*>& CommandParents();
// Every command, in the order `--help` lists them.
const std::vector<CommandSpec>& CommandTable();

}  // namespace zx::admin
