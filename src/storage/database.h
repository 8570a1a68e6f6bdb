// Database: a thin, safe layer over SQLite (WAL mode) used by every module that stores data.
//
// One Database per file. SQLite is opened in serialized mode, so a Database may be shared across
// threads; statements are not: prepare one per use (or per thread). Transactions on one
// connection are serialised by a mutex (SQLite has one transaction per connection), so two
// threads never nest BEGINs. Errors come back as Status with SQLite's message; nothing throws.
//
// Busy: a write that finds the database locked by another connection or process waits up to
// DatabaseOptions::busy_timeout_ms, then fails with kUnavailable (the HTTP edge answers 503 with
// Retry-After), never kInternal: a lock is "try again", not a bug.
//
// Files: the database and its -wal and -shm files are made mode 0600 (SQLite gives the WAL and
// SHM files the mode of the database file); PrepareDataDir makes a data directory 0700.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::storage {

class Statement {
 public:
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Binds are 1-based, as in SQLite.
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& BindNull(int index);

  // Steps once: true when a row is ready, false when done.
  Result<bool> Step();
  // Steps to completion, for statements without rows.
  Status Run();
  void Reset();

  std::string Text(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  bool IsNull(int column) const;

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_;
};

// A numbered schema change; applied once, in order, recorded in schema_migrations.
struct Migration {
  std::string module;  // "knowledge"
  int version;         // 1, 2, ... within the module
  std::string sql;
};

struct DatabaseOptions {
  int busy_timeout_ms = 5000;  // database.busy_timeout_ms
};

class Database {
 public:
  // Opens or creates `path` (":memory:" for a private in-memory database).
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                DatabaseOptions options = {});
  ~Database();

  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // Runs `body` in BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
  Status Transaction(const std::function<Status()>& body);
  // Applies the migrations not yet applied.
  Status Migrate(const std::vector<Migration>& migrations);

  // True when the schema has a table of that name.
  bool HasTable(const std::string& table);
  // True for a database in a file (not in memory): one whose commits outlive the process.
  bool on_disk() const { return !path_.empty(); }
  // Makes what is committed durable now (commits are not flushed one by one, for speed): for
  // a record kept outside the database that must never be ahead of it (the audit log's head).
  // A no-op in memory.
  void SyncCommitted();

  sqlite3* handle() { return db_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  const std::string path_;               // the file; "" in memory
  std::recursive_mutex transaction_mu_;  // recursive: a migration runs inside Transaction
};

// The Status of a failed SQLite call: kUnavailable for SQLITE_BUSY and SQLITE_LOCKED (another
// connection holds the lock), kInternal otherwise; the message starts "sqlite: ".
Status SqliteError(int rc, std::string_view message);

// Creates `dir` (and parents) if needed and makes it private: the directory 0700 and, below
// it, every file and directory stripped of group and other permissions (fixing a data
// directory made by an older version or under a lax umask). Does not follow symbolic links.
Status PrepareDataDir(const std::string& dir);

}  // namespace zx::storage
