// The tables of the security module (module "security" in schema_migrations): users, login
// failures, sessions, API keys and the audit log. Every store's Open calls MigrateSecurity, so
// callers need not; calling it again is harmless.
//
// Times are INTEGER unix milliseconds (UTC; BIGINT in the PostgreSQL variants of the
// migrations, which also spell the autoincrement id, the case-insensitive names and the
// append-only triggers in PostgreSQL's terms). Secrets are never stored: passwords as argon2id
// encoded hashes, session tokens and API-key secrets as hex SM3 digests. The audit log has
// triggers that refuse UPDATE and DELETE, so nothing in the product can change it (someone with
// the database file can, which is what Verify in audit.h detects).
#pragma once

#include "base/status.h"
#include "storage/database.h"

namespace zx::security {

Status MigrateSecurity(storage::Database& db);

}  // namespace zx::security
