// Database: the one way modules store data, neutral of the database engine behind it.
//
// A Database is a connection to one store, behind a driver: SQLite (WAL mode; the only driver
// today, storage/sqlite_database.h) or, later, PostgreSQL. Modules see this interface only: no
// engine header, no raw handle. A Database may be shared across threads; a Statement may not:
// prepare one per use (or per thread). Errors come back as Status with the engine's message;
// nothing throws.
//
// Transactions on one Database are serialised (one transaction per connection), so two threads
// never interleave their statements inside one; a write outside a transaction waits for a
// transaction open on another thread (it neither joins it nor blocks its commit). A Transaction
// inside the body of another on the same thread is an error (kInternal), not a deadlock.
//
// Busy: a write that finds the data locked by another connection or process waits up to
// DatabaseOptions::busy_timeout_ms, then fails with kUnavailable (the HTTP edge answers 503 with
// Retry-After), never kInternal: a lock is "try again", not a bug.
//
// Portable SQL. Module SQL must run unchanged on every driver, so it is written in the subset
// SQLite and PostgreSQL share:
//   - placeholders `?` or `?N` (1-based; a driver translates them to its own form);
//   - no INSERT OR REPLACE / OR IGNORE: INSERT ... ON CONFLICT (cols) DO NOTHING or
//     DO UPDATE SET c = excluded.c;
//   - no last_insert_rowid() or changes(): INSERT/UPDATE/DELETE ... RETURNING;
//   - no datetime()/strftime(): times are INTEGER unix milliseconds from the injected Clock
//     (a column default may be CURRENT_TIMESTAMP);
//   - no rowid, GLOB, two-argument max()/min() (use CASE), sqlite_master (use HasTable),
//     PRAGMA (a driver's business); integers 0/1 for booleans;
//   - claims of rows several nodes may want: a subquery ending `... LIMIT ? FOR UPDATE SKIP
//     LOCKED` (exactly that spelling) inside the UPDATE that claims them; SQLite, one writer
//     at a time, drops the clause;
//   - SQL lives in the module's store class, never in services or app;
//   - a statement that fails inside a Transaction ends it (PostgreSQL aborts the transaction):
//     the body returns the error rather than going on (ZX_RETURN_IF_ERROR).
// Where a schema cannot be written once (an autoincrement id, BLOB versus BYTEA, 64-bit
// integer columns, a case-insensitive collation, triggers), a Migration carries a
// `postgres_sql` variant; see Migration.
//
// Files: PrepareDataDir makes a data directory private (0700); the SQLite driver makes its
// files 0600.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::storage {

// The SQL dialect of the engine behind a Database.
enum class Dialect { kSqlite, kPostgres };

class StatementDriver;  // storage/driver.h: what a driver implements

// What a column holds in the current row, as the engine stored it (Statement::Type).
enum class ValueType { kNull, kInt, kDouble, kText };

// One of the schema's tables as the engine describes it: for code that copies a database
// whatever its tables (storage/copy.h), not for modules, which know their own.
struct TableInfo {
  std::string name;
  std::vector<std::string> columns;     // the stored columns in order; generated ones left out
  std::vector<std::string> references;  // the tables its foreign keys point at
};

// A prepared statement: a movable value. Binds are 1-based; a column index is 0-based.
// Values read from a column are the engine's conversion of what is stored (Text of an
// integer is its decimal digits; Int of NULL is 0); test IsNull first where NULL matters.
class Statement {
 public:
  explicit Statement(std::unique_ptr<StatementDriver> impl);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& BindNull(int index);

  // Steps once: true when a row is ready, false when done. After an error the statement is
  // reset (it may be stepped again from the start; bindings are kept).
  Result<bool> Step();
  // Steps to completion, for statements without rows (or whose rows are not wanted).
  Status Run();
  // Back to the start, bindings cleared (unbound parameters are NULL).
  void Reset();

  std::string Text(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  bool IsNull(int column) const;
  // The number of columns of a result and the type of a column's value in the row a Step just
  // gave, so that rows can be copied whatever their table (storage/copy.h). PostgreSQL: an
  // integer type is kInt, float4/float8/numeric kDouble, any other type kText.
  int ColumnCount() const;
  ValueType Type(int column) const;

 private:
  std::unique_ptr<StatementDriver> impl_;
};

// A numbered schema change; applied once, in order, recorded in schema_migrations.
//
// The rule: write `sql` once, portably (see the top of this file). Only where a dialect must
// differ, add `postgres_sql`: the whole migration as PostgreSQL runs it (used when the
// Database's dialect is kPostgres and it is non-empty; SQLite always runs `sql`). Typical
// reasons: an autoincrement id (SQLite `INTEGER PRIMARY KEY`, PostgreSQL
// `BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`), BLOB versus BYTEA, integer columns
// holding unix milliseconds (PostgreSQL INTEGER is 32 bits: BIGINT), COLLATE NOCASE, triggers.
// Both variants must leave the same tables and columns, so the module's other SQL runs on
// either. A migration may hold several statements separated by `;`.
struct Migration {
  std::string module;  // "knowledge"
  int version;         // 1, 2, ... within the module
  std::string sql;
  std::string postgres_sql = {};  // optional PostgreSQL variant of `sql`
};

struct DatabaseOptions {
  int busy_timeout_ms = 5000;  // database.busy_timeout_ms
};

class Database {
 public:
  // Opens or creates the database at `path` with the SQLite driver (":memory:" for a private
  // in-memory database). The same as OpenDatabase below; kept under this name for callers.
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                DatabaseOptions options = {});

  virtual ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  virtual Dialect dialect() const = 0;

  // Runs one or more statements separated by `;` (no parameters, no rows wanted).
  virtual Status Exec(std::string_view sql) = 0;
  // Prepares one statement.
  virtual Result<Statement> Prepare(std::string_view sql) = 0;
  // Runs `body` in one write transaction and commits it; rolls back when `body` fails (its
  // Status is returned) or the commit fails (that Status is returned; nothing is left open).
  virtual Status Transaction(const std::function<Status()>& body) = 0;
  // Applies the migrations not yet applied, in the order given, each in its own transaction
  // together with its row in schema_migrations. A failing migration is rolled back and not
  // recorded; its error names it ("migration knowledge/2: ...") and keeps kUnavailable when
  // the database was busy (kInternal otherwise). Later migrations are not attempted.
  Status Migrate(const std::vector<Migration>& migrations);

  // True when the schema has a table of that name.
  virtual bool HasTable(const std::string& table) = 0;
  // The schema's tables, by name, with their stored columns; the engine's own tables
  // (sqlite_sequence, ...) and virtual or shadow tables are not among them. For copying a
  // whole database (storage/copy.h).
  virtual Result<std::vector<TableInfo>> Tables() = 0;
  // After rows were inserted into `table` with their ids given (storage/copy.h): makes the ids
  // the engine assigns later follow the largest copied one. PostgreSQL moves each identity
  // column's sequence past MAX(column); SQLite needs nothing (it takes MAX(rowid) + 1).
  virtual Status AfterBulkCopy(const std::string& table) = 0;
  // True when commits outlive the process (a file or a server; not in memory).
  virtual bool on_disk() const = 0;
  // Makes what is committed durable now (commits are not flushed one by one, for speed): for
  // a record kept outside the database that must never be ahead of it (the audit log's head).
  // A no-op where every commit is durable already, or in memory.
  virtual void SyncCommitted() = 0;

 protected:
  Database() = default;
};

// Opens the database at `path`: a file path or ":memory:" opens the SQLite driver, a
// "postgresql://" or "postgres://" URL the PostgreSQL driver (storage/postgres_database.h; a
// URL with a password in it is kInvalidArgument). Errors: kUnavailable when the database
// cannot be opened or reached.
Result<std::unique_ptr<Database>> OpenDatabase(const std::string& path,
                                               DatabaseOptions options = {});

// Whether the database answers now (one trivial query): OK, or the driver's error (kUnavailable
// when a server cannot be reached). For a node's readiness (base/readiness.h).
Status CheckReachable(Database& db);

// True for the error of a statement that broke a UNIQUE or PRIMARY KEY constraint: kInternal
// with the engine's words for it (each driver keeps them in the message).
bool IsUniqueViolation(const Status& status);

// Creates `dir` (and parents) if needed and makes it private: the directory 0700 and, below
// it, every file and directory stripped of group and other permissions (fixing a data
// directory made by an older version or under a lax umask). Does not follow symbolic links.
Status PrepareDataDir(const std::string& dir);

}  // namespace zx::storage
