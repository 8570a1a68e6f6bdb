// Secrets typed at the terminal, for command-line tools: read without echo, or, when standard
// input is not a terminal (a script), its first line. Prompts go to stderr, so that stdout stays
// the command's answer.
#pragma once

#include <string>

#include "base/status.h"

namespace zx {

// `prompt` on stderr, then one line of stdin without echo (echo is restored after); the line
// without its end. kInvalidArgument "no password given" at the end of input.
Result<std::string> ReadHidden(const std::string& prompt);

// A new secret for `name`: asked twice on a terminal ("Password for NAME: ", "Repeat the
// password: "; kInvalidArgument when the two differ), else the first line of stdin
// (kInvalidArgument when there is none).
Result<std::string> ReadNewPassword(const std::string& name);

// Whether standard input is a terminal.
bool StdinIsTerminal();

// The login name of the effective user, or its numeric id when it has none.
std::string OsUserName();

}  // namespace zx
