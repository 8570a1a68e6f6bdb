#include "storage/database.h"

#include <sys/stat.h>

#include <filesystem>

#include "storage/driver.h"
#include "storage/postgres_database.h"
#include "storage/sqlite_database.h"

namespace zx::storage {

Statement::Statement(std::unique_ptr<StatementDriver> impl) : impl_(std::move(impl)) {}
Statement::Statement(Statement&& other) noexcept = default;
Statement& Statement::operator=(Statement&& other) noexcept = default;
Statement::~Statement() = default;

Statement& Statement::Bind(int index, std::string_view text) {
  impl_->BindText(index, text);
  return *this;
}
Statement& Statement::Bind(int index, int64_t value) {
  impl_->BindInt(index, value);
  return *this;
}
Statement& Statement::Bind(int index, double value) {
  impl_->BindDouble(index, value);
  return *this;
}
Statement& Statement::BindNull(int index) {
  impl_->BindNull(index);
  return *this;
}

Result<bool> Statement::Step() { return impl_->Step(); }

Status Statement::Run() {
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

void Statement::Reset() { impl_->Reset(); }

std::string Statement::Text(int column) const { return impl_->Text(column); }
int64_t Statement::Int(int column) const { return impl_->Int(column); }
double Statement::Double(int column) const { return impl_->Double(column); }
bool Statement::IsNull(int column) const { return impl_->IsNull(column); }
int Statement::ColumnCount() const { return impl_->ColumnCount(); }
ValueType Statement::Type(int column) const { return impl_->Type(column); }

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, DatabaseOptions options) {
  return OpenDatabase(path, options);
}

Status Database::Migrate(const std::vector<Migration>& migrations) {
  // CURRENT_TIMESTAMP, not datetime('now'): the one default both dialects share. (A table made
  // by an older version keeps its datetime('now') default, which writes the same text.)
  ZX_RETURN_IF_ERROR(
      Exec("CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT NOT NULL, version INTEGER "
           "NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (module, "
           "version))"));
  ZX_ASSIGN_OR_RETURN(
      Statement applied,
      Prepare("SELECT 1 FROM schema_migrations WHERE module = ?1 AND version = ?2"));
  for (const auto& m : migrations) {
    applied.Reset();
    applied.Bind(1, m.module).Bind(2, static_cast<int64_t>(m.version));
    ZX_ASSIGN_OR_RETURN(bool found, applied.Step());
    applied.Reset();  // a statement left mid-result would hold a read lock across the migration
    if (found) continue;
    const std::string& sql =
        dialect() == Dialect::kPostgres && !m.postgres_sql.empty() ? m.postgres_sql : m.sql;
    ZX_RETURN_IF_ERROR(Transaction([&]() -> Status {
      Status s = Exec(sql);
      if (!s.ok())
        return Status(
            s.code() == Code::kUnavailable ? Code::kUnavailable : Code::kInternal,
            "migration " + m.module + "/" + std::to_string(m.version) + ": " + s.message());
      ZX_ASSIGN_OR_RETURN(
          Statement ins,
          Prepare("INSERT INTO schema_migrations (module, version) VALUES (?1, ?2)"));
      ins.Bind(1, m.module).Bind(2, static_cast<int64_t>(m.version));
      return ins.Run();
    }));
  }
  return Status::Ok();
}

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& path, DatabaseOptions options) {
  if (path.starts_with("postgres://") || path.starts_with("postgresql://"))
    return OpenPostgresDatabase(path, options);
  return OpenSqliteDatabase(path, options);
}

Status AppendRows(Statement& q, const std::string& table, std::vector<std::string>* out) {
  q.Reset();
  q.Bind(1, table);
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Status::Ok();
    out->push_back(q.Text(0));
  }
}

Result<std::vector<TableInfo>> ReadTables(Database& db, std::string_view names,
                                          std::string_view columns, std::string_view references) {
  std::vector<TableInfo> tables;
  ZX_ASSIGN_OR_RETURN(Statement name_q, db.Prepare(names));
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, name_q.Step());
    if (!row) break;
    tables.emplace_back().name = name_q.Text(0);
  }
  ZX_ASSIGN_OR_RETURN(Statement column_q, db.Prepare(columns));
  ZX_ASSIGN_OR_RETURN(Statement reference_q, db.Prepare(references));
  for (TableInfo& t : tables) {
    ZX_RETURN_IF_ERROR(AppendRows(column_q, t.name, &t.columns));
    ZX_RETURN_IF_ERROR(AppendRows(reference_q, t.name, &t.references));
  }
  return tables;
}

Status CheckReachable(Database& db) {
  ZX_ASSIGN_OR_RETURN(auto q, db.Prepare("SELECT 1"));
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Internal("SELECT 1 gave no row");
  return {};
}

bool IsUniqueViolation(const Status& status) {
  if (status.code() != Code::kInternal) return false;
  const std::string& m = status.message();
  return m.find("UNIQUE constraint failed") != std::string::npos ||  // SQLite
         m.find("violates unique constraint") != std::string::npos;  // PostgreSQL
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

}  // namespace zx::storage
