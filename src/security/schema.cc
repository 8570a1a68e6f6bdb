#include "security/schema.h"

namespace zx::security {

Status MigrateSecurity(storage::Database& db) {
  return db.Migrate({{"security", 1, R"sql(
    CREATE TABLE sec_users (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      role TEXT NOT NULL,
      department TEXT NOT NULL DEFAULT '',
      district TEXT NOT NULL DEFAULT '',
      password_hash TEXT NOT NULL,
      disabled INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      password_changed_at INTEGER NOT NULL);
    CREATE TABLE sec_login_failures (
      name TEXT PRIMARY KEY COLLATE NOCASE,
      failures INTEGER NOT NULL,
      first_failure_at INTEGER NOT NULL,
      locked_until INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE sec_sessions (
      token_hash TEXT PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES sec_users(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,
      revoked_at INTEGER,
      remote TEXT NOT NULL DEFAULT '');
    CREATE INDEX sec_sessions_user ON sec_sessions(user_id);
    CREATE TABLE sec_api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      secret_hash TEXT NOT NULL,
      department TEXT NOT NULL DEFAULT '',
      district TEXT NOT NULL DEFAULT '',
      created_at INTEGER NOT NULL,
      last_used_at INTEGER,
      revoked_at INTEGER);
    CREATE TABLE audit_log (
      seq INTEGER PRIMARY KEY,
      time_ms INTEGER NOT NULL,
      actor TEXT NOT NULL,
      role TEXT NOT NULL,
      action TEXT NOT NULL,
      object_type TEXT NOT NULL,
      object_id TEXT NOT NULL,
      purpose TEXT NOT NULL,
      remote TEXT NOT NULL,
      details TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL);
    CREATE INDEX audit_log_object ON audit_log(object_type, object_id, time_ms);
    CREATE INDEX audit_log_actor ON audit_log(actor, time_ms);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  )sql"},
                     // The second factor (totp.h): the secret sealed, the last step used.
                     {"security", 2, R"sql(
    ALTER TABLE sec_users ADD COLUMN totp_secret TEXT;
    ALTER TABLE sec_users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
  )sql"},
                     // Two-person approval of accounts that see personal data (users.h). A
                     // module of its own so that it does not collide with other "security" steps.
                     {"security.approval", 1, R"sql(
    ALTER TABLE sec_users ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sec_users ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE sec_users ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';
  )sql"}});
}

}  // namespace zx::security
