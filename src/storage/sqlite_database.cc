#include "storage/sqlite_database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "storage/driver.h"

namespace zx::storage {
namespace {

// The Status of a failed SQLite call: kUnavailable for SQLITE_BUSY and SQLITE_LOCKED (another
// connection holds the lock), kInternal otherwise; the message starts "sqlite: ".
Status SqliteError(int rc, std::string_view message) {
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return Unavailable("sqlite: " + std::string(message) + " (the database is busy; try again)");
  return Internal("sqlite: " + std::string(message));
}

class SqliteStatement final : public StatementDriver {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void BindText(int index, std::string_view text) override {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void BindInt(int index, int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void BindDouble(int index, double value) override { sqlite3_bind_double(stmt_, index, value); }
  void BindNull(int index) override { sqlite3_bind_null(stmt_, index); }

  Result<bool> Step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Status error = SqliteError(rc, sqlite3_errmsg(sqlite3_db_handle(stmt_)));
    // A failed statement left unreset stays "in progress" and makes every COMMIT on this shared
    // connection fail until it is destroyed.
    sqlite3_reset(stmt_);
    return error;
  }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
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

 private:
  sqlite3_stmt* const stmt_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override { sqlite3_close_v2(db_); }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status Exec(std::string_view sql) override {
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
    sqlite3_stmt* stmt = nullptr;
    if (int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
        rc != SQLITE_OK)
      return SqliteError(rc, sqlite3_errmsg(db_));
    if (stmt == nullptr) return Internal("sqlite: no statement in \"" + std::string(sql) + "\"");
    return Statement(std::make_unique<SqliteStatement>(stmt));
  }

  Status Transaction(const std::function<Status()>& body) override {
    std::lock_guard lock(transaction_mu_);
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
  const std::string path_;               // the file; "" in memory
  std::recursive_mutex transaction_mu_;  // recursive: a nested Transaction fails, not deadlocks
  bool in_transaction_ = false;          // guarded by transaction_mu_
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
  auto out = std::make_unique<SqliteDatabase>(db, on_disk ? path : "");
  if (on_disk) ::chmod(path.c_str(), 0600);
  sqlite3_busy_timeout(db, std::max(options.busy_timeout_ms, 0));
  ZX_RETURN_IF_ERROR(
      out->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON;"));
  if (on_disk)  // ones left by an older version
    for (const char* suffix : {"-wal", "-shm"}) ::chmod((path + suffix).c_str(), 0600);
  return std::unique_ptr<Database>(std::move(out));
}

}  // namespace zx::storage
