// `zhixian doctor`: checks what a start needs and says what to fix, one line per check:
//
//   ok    config        defaults (no --config)
//   FAIL  key file      /etc/zhixian/keys is readable by others  fix: chmod 600 /etc/zhixian/keys
//   warn  console       web/console/dist is not built  fix: ...
//
// Checks, in order: the configuration (file, environment, every key), the key file (exists,
// mode 0600, outside the data directory, loads), the database (opens, the migrations of
// security, knowledge and dialogue apply, the audit chain verifies), the knowledge base (loads),
// SIP (the listen address can be bound; a configured trunk answers a SIP OPTIONS), speech
// recognition (a configured asr.url accepts a TCP connection) and the staff console's build.
// Network checks are bounded (a couple of seconds each) and happen only for what is configured,
// so the command works offline. Nothing is changed except what a start would do anyway (the
// data directory and the migrations).
#pragma once

#include <iosfwd>

#include "app/context.h"

namespace zx::app {

// Runs every check, writes the report to `out` and returns the exit code: 0 when nothing
// failed (warnings allowed), 1 when a check failed, 2 when the configuration is invalid.
int RunDoctor(const CommonFlags& flags, std::ostream& out);

}  // namespace zx::app
