#include "storage/sqlite_database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "storage/busy_wait.h"
#include "storage/driver.h"
#include "storage/wal_checkpointer.h"

namespace zx::storage {
namespace {

constexpr std::string_view kRowLocks = " FOR UPDATE SKIP LOCKED";

// The Status of a failed SQLite call: kUnavailable for SQLITE_BUSY and SQLITE_LOCKED (another
// connection holds the lock), kInternal otherwise; the message starts "sqlite: ".
Status SqliteError(int rc, std::string_view message) {
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return Unavailable("sqlite: " + std::string(message) + " (the database is busy; try again)");
  return Internal("sqlite: " + std::string(message));
}

// A statement that writes holds the connection's write mutex from its first step until it is
// done, reset or destroyed: on a connection shared by threads, a write stepped while another
// thread's transaction is open would join that transaction (and be rolled back with it), and
// while it is in progress that transaction's COMMIT fails ("SQL statements in progress").
class SqliteStatement final : public StatementDriver {
 public:
  SqliteStatement(sqlite3_stmt* stmt, std::recursive_mutex& write_mu)
      : stmt_(stmt),
        writes_(sqlite3_stmt_readonly(stmt) == 0),
        write_lock_(write_mu, std::defer_lock) {}
  ~SqliteStatement() override {
    sqlite3_finalize(stmt_);
    ReleaseWrite();
  }

  void BindText(int index, std::string_view text) override {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void BindInt(int index, int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void BindDouble(int index, double value) override { sqlite3_bind_double(stmt_, index, value); }
  void BindNull(int index) override { sqlite3_bind_null(stmt_, index); }

  Result<bool> Step() override {
    if (writes_ && !write_lock_.owns_lock()) write_lock_.lock();
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      sqlite3_reset(stmt_);  // no longer in progress; bindings are kept
      ReleaseWrite();
      return false;
    }
    Status error = SqliteError(rc, sqlite3_errmsg(sqlite3_db_handle(stmt_)));
    // A failed statement left unreset stays "in progress" and makes every COMMIT on this shared
    // connection fail until it is destroyed.
    sqlite3_reset(stmt_);
    ReleaseWrite();
    return error;
  }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    ReleaseWrite();
  }

  std::string Text(int column) const override {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, column))
             : std::string();
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double Double(int column) const override { return sqlite3_column_double(stmt_, column); }
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  int ColumnCount() const override { return sqlite3_column_count(stmt_); }
  // A BLOB reads as kText (its bytes): no table of ours has a BLOB column.
  ValueType Type(int column) const override {
    switch (sqlite3_column_type(stmt_, column)) {
      case SQLITE_NULL:
        return ValueType::kNull;
      case SQLITE_INTEGER:
        return ValueType::kInt;
      case SQLITE_FLOAT:
        return ValueType::kDouble;
      default:
        return ValueType::kText;
    }
  }

 private:
  void ReleaseWrite() {
    if (write_lock_.owns_lock()) write_lock_.unlock();
  }

  sqlite3_stmt* const stmt_;
  const bool writes_;
  std::unique_lock<std::recursive_mutex> write_lock_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path, const DatabaseOptions& options)
      : db_(db),
        path_(std::move(path)),
        busy_(std::chrono::milliseconds(std::max(options.busy_timeout_ms, 0))) {
    busy_.Install(db_);
  }
  ~SqliteDatabase() override {
    if (checkpointer_) sqlite3_wal_hook(db_, nullptr, nullptr);
    checkpointer_.reset();
    sqlite3_close_v2(db_);  // the last connection: checkpoints and removes the WAL
  }

  // On disk, in WAL mode: checkpoints move to their own thread and connection (see
  // wal_checkpointer.h); the wal_hook replaces SQLite's automatic checkpoints. When the second
  // connection cannot be opened, the automatic ones stay. (PRAGMA wal_autocheckpoint on this
  // connection puts SQLite's automatic ones back in place of the hook: benchmarks compare.)
  void StartCheckpointer() {
    auto started = WalCheckpointer::Open(path_);
    if (!started.ok()) return;
    checkpointer_ = std::move(started).value();
    sqlite3_wal_hook(db_, &SqliteDatabase::OnCommit, checkpointer_.get());
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status Exec(std::string_view sql) override {
    std::lock_guard lock(write_mu_);  // see SqliteStatement: no write joins another's transaction
    char* err = nullptr;
    std::string s(sql);
    if (int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return SqliteError(rc, msg);
    }
    return Status::Ok();
  }

  Result<Statement> Prepare(std::string_view sql) override {
    // Row locks for claims (`FOR UPDATE SKIP LOCKED` in a subquery, database.h): one SQLite
    // file has one writer at a time, so the claim is already alone; the clause is dropped.
    std::string without_locks;
    if (size_t at = sql.find(kRowLocks); at != std::string_view::npos) {
      without_locks =
          std::string(sql.substr(0, at)) + std::string(sql.substr(at + kRowLocks.size()));
      sql = without_locks;
    }
    sqlite3_stmt* stmt = nullptr;
    if (int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
        rc != SQLITE_OK)
      return SqliteError(rc, sqlite3_errmsg(db_));
    if (stmt == nullptr) return Internal("sqlite: no statement in \"" + std::string(sql) + "\"");
    return Statement(std::make_unique<SqliteStatement>(stmt, write_mu_));
  }

  Status Transaction(const std::function<Status()>& body) override {
    std::lock_guard lock(write_mu_);
    // Only the thread holding the mutex gets here, so this sees its own transaction only.
    if (in_transaction_) return Internal("sqlite: a transaction inside a transaction");
    ZX_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    in_transaction_ = true;
    Status s = body();
    in_transaction_ = false;
    if (!s.ok()) {
      (void)Exec("ROLLBACK");
      return s;
    }
    Status committed = Exec("COMMIT");
    // A COMMIT that failed (e.g. busy) leaves the transaction open: end it, or the next BEGIN
    // fails.
    if (!committed.ok() && !sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
    return committed;
  }

  bool HasTable(const std::string& table) override {
    auto q = Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    if (!q.ok()) return false;
    q->Bind(1, table);
    auto row = q->Step();
    return row.ok() && *row;
  }

  Result<std::vector<TableInfo>> Tables() override {
    // pragma_table_list tells ordinary tables from virtual ones and their shadow tables (an
    // FTS index's); SQLite's own tables are named sqlite_... In pragma_table_xinfo, hidden is 0
    // for a stored column, 2 or 3 for a generated one (1: a virtual table's hidden column).
    return ReadTables(*this,
                      "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = "
                      "'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                      "SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0 ORDER BY cid",
                      "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1) ORDER BY 1");
  }

  Status AfterBulkCopy(const std::string& /*table*/) override {
    return Status::Ok();  // an INTEGER PRIMARY KEY continues from MAX(rowid) by itself
  }

  bool on_disk() const override { return !path_.empty(); }

  void SyncCommitted() override {
    if (path_.empty()) return;
    // WAL mode with synchronous=NORMAL: commits sit in the -wal file until a checkpoint.
    for (const std::string& file : {path_ + "-wal", path_}) {
      int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      (void)::fsync(fd);
      ::close(fd);
      return;
    }
  }

 private:
  sqlite3* const db_;
  const std::string path_;  // the file; "" in memory
  // Held by a transaction and by a write in progress; recursive: a thread's writes inside its
  // own transaction pass, a nested Transaction fails rather than deadlocks.
  std::recursive_mutex write_mu_;
  bool in_transaction_ = false;  // guarded by write_mu_
  BusyWait busy_;
  std::unique_ptr<WalCheckpointer> checkpointer_;

  // The first column of every row `q` gives for the table `table` (its ?1), appended to `out`.
  static int OnCommit(void* checkpointer, sqlite3* /*db*/, const char* /*name*/, int pages) {
    static_cast<WalCheckpointer*>(checkpointer)->OnCommit(pages);
    return SQLITE_OK;
  }
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                     DatabaseOptions options) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Unavailable("cannot open database " + path + ": " + msg);
  }
  // Before the WAL and SHM files exist: SQLite creates them with the database file's mode.
  bool on_disk = path != ":memory:" && !path.empty() && path.rfind("file:", 0) != 0;
  auto out = std::make_unique<SqliteDatabase>(db, on_disk ? path : "", options);
  if (on_disk) ::chmod(path.c_str(), 0600);
  // synchronous=NORMAL in WAL mode: a commit is written to the WAL but not synced; checkpoints
  // sync. A killed process loses nothing; a power cut may lose the last commits, never the
  // database's consistency (SyncCommitted is there for what must not be lost). FULL would sync
  // the WAL at every commit. journal_size_limit: the WAL file is cut back to 128 MiB when it
  // is rewound after a reader held it long.
  ZX_RETURN_IF_ERROR(
      out->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=134217728;"));
  if (on_disk) {
    for (const char* suffix : {"-wal", "-shm"})  // ones left by an older version
      ::chmod((path + suffix).c_str(), 0600);
    out->StartCheckpointer();
  }
  return std::unique_ptr<Database>(std::move(out));
}

}  // namespace zx::storage
