// The SQLite driver of storage::Database. Private to storage: modules open a database with
// storage::OpenDatabase or storage::Database::Open (database.h), which pick this driver.
//
// SQLite is opened in serialized mode (a Database may be shared across threads), in WAL
// journal mode with synchronous=NORMAL (commits are durable at checkpoints or SyncCommitted)
// and foreign keys on. On disk, checkpoints run on a thread and connection of their own, which
// also rewinds the WAL (wal_checkpointer.h), so no
// COMMIT pays for one; busy waits retry finely (busy_wait.h). Write transactions are BEGIN
// IMMEDIATE, serialised per connection by a recursive mutex (a migration's statements run inside
// Database::Transaction on the same thread); a write outside a transaction holds the same mutex
// while it is in progress, so it never joins another thread's transaction. SQLITE_BUSY and
// SQLITE_LOCKED after busy_timeout_ms are kUnavailable; other errors are kInternal; messages start
// "sqlite: ".
//
// Files: the database and its -wal and -shm files are made mode 0600 (SQLite gives the WAL and
// SHM files the mode of the database file), also when an older version left them readable.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "storage/database.h"

namespace zx::storage {

// Opens or creates the SQLite database at `path` (":memory:" for a private in-memory one; a
// "file:" URI is passed to SQLite as is and treated as not on disk).
// Errors: kUnavailable when it cannot be opened or set up.
Result<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                     DatabaseOptions options);

}  // namespace zx::storage
