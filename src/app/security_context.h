// The security layer, wired for the app: the stores, the authenticator, the audit log and the
// field cipher (security/stores.h), and the registries of what holds personal data (encrypted
// columns for `keys reencrypt`, retention rules for the retention job).
//
// Shared by `zhixian serve` and the security sub-commands (security_commands.cc), so both see
// the same registrations.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "base/worker.h"
#include "http/auth_rate_limiter.h"
#include "http/router.h"
#include "http/staff_routes.h"
#include "security/reencrypt.h"
#include "security/retention.h"
#include "security/stores.h"
#include "storage/database.h"

namespace zx::app {

using SecurityContext = security::SecurityStores;

// OpenSecurityStores with the configuration's [security] and data directory.
Result<std::unique_ptr<SecurityContext>> OpenSecurity(storage::Database& db, const Config& config,
                                                      const Clock& clock, bool load_keys = true);

// THE registries of personal data: each module's own (e.g. dialogue::EncryptedColumns()), listed
// explicitly so that a reviewer sees every module. Tables not (yet) in `db` are left out.
std::vector<security::EncryptedColumn> EncryptedColumns(storage::Database& db);
std::vector<security::RetentionRule> RetentionRules(storage::Database& db);

// Runs the retention job (RunRetention over RetentionRules) and purges ended sessions.
Result<security::RetentionReport> RunRetentionOnce(storage::Database& db, SecurityContext& security,
                                                   const Config& config, const Clock& clock);

// What `zhixian serve` keeps alive for security; declare it before the server so that it
// outlives it.
struct ServeSecurity {
  std::unique_ptr<SecurityContext> context;
  std::unique_ptr<http::RateLimiter> limiter;
  // Runs logins off the HTTP threads; stop it after the server has stopped and before the
  // server is destroyed (its queued logins hold connections).
  std::unique_ptr<security::LoginPool> login_pool;
  std::unique_ptr<Worker> retention;  // the hourly retention job's thread
};

// For serve: opens the security layer (warning when there is no key file), installs the auth
// middleware on `router` (so EVERY route, also those added later, is checked against its
// permission), and starts the hourly retention job (its rounds only when `may_run_retention`
// says so: this node holds the job). The staff routes are serve's to add.
Result<std::unique_ptr<ServeSecurity>> WireSecurity(storage::Database& db, const Config& config,
                                                    http::Router& router, Metrics& metrics,
                                                    std::function<bool()> may_run_retention);

}  // namespace zx::app
