// `zhixian doctor`: checks what a start needs and says what to fix, one line per check:
//
//   ok    config        defaults (no --config)
//   FAIL  key file      /etc/zhixian/keys is readable by others  fix: chmod 600 /etc/zhixian/keys
//   warn  console       web/console/dist is not built  fix: ...
//
// Checks, in order, each its module's (base/health_check.h): the configuration, the key file
// (security/key_file.h), the database (opens, migrations apply, the audit chain verifies), the
// knowledge base (knowledge/loader.h), SIP, trunk and speech recognition (telephony/probes.h:
// bounded, and only for what is configured, so the command works offline) and the staff
// console's build (http/static_files.h). Nothing is changed except what a start would do anyway
// (the data directory and the migrations).
#pragma once

#include <iosfwd>

#include "app/context.h"

namespace zx::app {

// Runs every check, writes the report to `out` and returns the exit code: 0 when nothing
// failed (warnings allowed), 1 when a check failed, 2 when the configuration is invalid.
int RunDoctor(const CommonFlags& flags, std::ostream& out);

}  // namespace zx::app
