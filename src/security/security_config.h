// The [security] and [retention] sections (config/zhixian.toml): the key file, login sessions,
// limits of the API, and how long personal data is kept (security/retention.h).
#pragma once

#include <string>

#include "base/config.h"
#include "security/retention.h"

namespace zx::security {

struct SecurityConfig {
  // The SM4 key file (`zhixian keys init`); must lie outside data.dir. "auto" (the default):
  // DefaultKeyFilePath() (security/key_file.h), which `zhixian serve` creates when missing.
  // Empty: no key file, so what is sealed cannot be read after a restart and nothing personal is
  // stored at rest (serve starts and warns; see docs/security.md).
  std::string key_file = "auto";
  int session_ttl_minutes = 480;    // a login session ends this long after login
  int idle_minutes = 30;            // ... or this long after its last request
  int rate_limit_per_minute = 600;  // requests per client IP under /api; 0 = no limit
  // A broken audit log at start (security/audit.h): "refuse" to start, or "warn" and start.
  std::string audit_on_broken = "refuse";
  // 1: accounts that can see personal data or manage users wait for a second administrator's
  // approval (`zhixian user approve`); 0: they are active at once (always alerted and audited).
  int require_approval = 0;
  int login_threads = 1;  // threads hashing login passwords (not the HTTP threads)
  int login_queue = 16;   // logins waiting for them; more are answered 503
};

// security.*: ranges as documented; audit_on_broken "refuse" or "warn"; idle_minutes at most
// session_ttl_minutes.
const ConfigSection<SecurityConfig>& SecurityConfigSection();
// retention.* (RetentionConfig in security/retention.h).
const ConfigSection<RetentionConfig>& RetentionConfigSection();

}  // namespace zx::security
