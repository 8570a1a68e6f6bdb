#include "storage/database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace zx::storage {

Status SqliteError(int rc, std::string_view message) {
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return Unavailable("sqlite: " + std::string(message) + " (the database is busy; try again)");
  return Internal("sqlite: " + std::string(message));
}

Status PrepareDataDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Unavailable("cannot create data directory " + dir + ": " + ec.message() +
                       " (set --data or data.dir)");
  if (::chmod(dir.c_str(), 0700) != 0)
    return Unavailable("cannot make data directory " + dir + " private (mode 0700)");
  // What an older version left readable by others: strip group and other bits.
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || S_ISLNK(st.st_mode)) continue;
    if ((st.st_mode & 077) != 0) ::chmod(it->path().c_str(), st.st_mode & 0700);
  }
  return Status::Ok();
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status error = SqliteError(rc, sqlite3_errmsg(sqlite3_db_handle(stmt_)));
  // A failed statement left unreset stays "in progress" and makes every COMMIT on this shared
  // connection fail until it is destroyed.
  sqlite3_reset(stmt_);
  return error;
}

Status Statement::Run() {
  for (;;) {
    auto r = Step();
    if (!r.ok()) return r.status();
    if (!*r) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, column))
           : std::string();
}
int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }
bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, DatabaseOptions options) {
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
  std::unique_ptr<Database> out(new Database(db, on_disk ? path : ""));
  if (on_disk) ::chmod(path.c_str(), 0600);
  sqlite3_busy_timeout(db, std::max(options.busy_timeout_ms, 0));
  ZX_RETURN_IF_ERROR(
      out->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON;"));
  if (on_disk)  // ones left by an older version
    for (const char* suffix : {"-wal", "-shm"}) ::chmod((path + suffix).c_str(), 0600);
  return out;
}

Database::~Database() { sqlite3_close_v2(db_); }

bool Database::HasTable(const std::string& table) {
  auto q = Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  if (!q.ok()) return false;
  q->Bind(1, table);
  auto row = q->Step();
  return row.ok() && *row;
}

void Database::SyncCommitted() {
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

Status Database::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  if (int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return SqliteError(rc, msg);
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
      rc != SQLITE_OK)
    return SqliteError(rc, sqlite3_errmsg(db_));
  return Statement(stmt);
}

Status Database::Transaction(const std::function<Status()>& body) {
  std::lock_guard lock(transaction_mu_);
  ZX_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (!s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  Status committed = Exec("COMMIT");
  // A COMMIT that failed (e.g. busy) leaves the transaction open: end it, or the next BEGIN fails.
  if (!committed.ok() && !sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
  return committed;
}

Status Database::Migrate(const std::vector<Migration>& migrations) {
  ZX_RETURN_IF_ERROR(Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT NOT NULL, version INTEGER NOT "
      "NULL, applied_at TEXT NOT NULL DEFAULT (datetime('now')), PRIMARY KEY (module, version))"));
  for (const auto& m : migrations) {
    auto q = Prepare("SELECT 1 FROM schema_migrations WHERE module = ?1 AND version = ?2");
    if (!q.ok()) return q.status();
    q->Bind(1, m.module).Bind(2, static_cast<int64_t>(m.version));
    auto found = q->Step();
    if (!found.ok()) return found.status();
    if (*found) continue;
    ZX_RETURN_IF_ERROR(Transaction([&]() -> Status {
      Status s = Exec(m.sql);
      if (!s.ok())
        return Status(
            s.code() == Code::kUnavailable ? Code::kUnavailable : Code::kInternal,
            "migration " + m.module + "/" + std::to_string(m.version) + ": " + s.message());
      auto ins = Prepare("INSERT INTO schema_migrations (module, version) VALUES (?1, ?2)");
      if (!ins.ok()) return ins.status();
      ins->Bind(1, m.module).Bind(2, static_cast<int64_t>(m.version));
      return ins->Run();
    }));
  }
  return Status::Ok();
}

}  // namespace zx::storage
