// Test fixtures for the security module: an in-memory database with the security stores, a
// fake clock and cheap password-hashing parameters. For tests only.
#pragma once

#include <memory>

#include "base/clock.h"
#include "security/api_keys.h"
#include "security/audit.h"
#include "security/sessions.h"
#include "security/users.h"
#include "storage/database.h"
#include "storage/testing/test_database.h"

namespace zx::security::testing {

// Tampering from outside the product (someone with the database and its own tools): the
// triggers that keep audit_log append-only are dropped.
inline Status DropAuditTriggers(storage::Database& db) {
  return storage::testing::DropTriggers(db, "audit_log",
                                        {"audit_log_no_update", "audit_log_no_delete"});
}

// argon2id parameters that take about a millisecond: for tests only.
inline PasswordParams CheapPasswords() { return {1, 256, 1}; }

struct SecurityFixture {
  explicit SecurityFixture(int64_t start_ms = 1700000000000) : clock(start_ms) {
    db = std::move(storage::testing::OpenTestDatabase().value());
    UserStoreOptions uo;
    uo.password = CheapPasswords();
    users = std::move(UserStore::Open(*db, clock, uo).value());
    sessions = std::move(SessionStore::Open(*db, clock).value());
    api_keys = std::move(ApiKeyStore::Open(*db, clock).value());
    audit = std::move(AuditLog::Open(*db, clock).value());
  }
  FakeClock clock;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<UserStore> users;
  std::unique_ptr<SessionStore> sessions;
  std::unique_ptr<ApiKeyStore> api_keys;
  std::unique_ptr<AuditLog> audit;
};

}  // namespace zx::security::testing
