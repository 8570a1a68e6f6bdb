#include "storage/copy.h"

#include <algorithm>
#include <map>
#include <set>

namespace zx::storage {
namespace {

// Kept by each database for itself (see copy.h).
constexpr const char* kMigrationsTable = "schema_migrations";
constexpr const char* kLeasesTable = "cluster_leases";
constexpr const char* kMessagesTable = "cluster_messages";

bool Skipped(const std::string& table) {
  return table == kMigrationsTable || table == kLeasesTable || table == kMessagesTable;
}

// A name as an SQL identifier; both engines read double quotes alike.
std::string Quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string ColumnList(const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + Quoted(c);
  return out;
}

std::string Joined(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

// "module/version" of every migration `db` applied.
Result<std::set<std::string>> Migrations(Database& db) {
  std::set<std::string> out;
  if (!db.HasTable(kMigrationsTable)) return out;
  ZX_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT module, version FROM schema_migrations"));
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.insert(q.Text(0) + "/" + std::to_string(q.Int(1)));
  }
}

Status SameMigrations(Database& from, Database& to) {
  ZX_ASSIGN_OR_RETURN(std::set<std::string> source, Migrations(from));
  ZX_ASSIGN_OR_RETURN(std::set<std::string> target, Migrations(to));
  if (source == target) return Status::Ok();
  std::set<std::string> only_source, only_target;
  std::set_difference(source.begin(), source.end(), target.begin(), target.end(),
                      std::inserter(only_source, only_source.end()));
  std::set_difference(target.begin(), target.end(), source.begin(), source.end(),
                      std::inserter(only_target, only_target.end()));
  return FailedPrecondition(
      "the two databases' schemas differ (schema_migrations): only in the source: " +
      Joined(only_source) + "; only in the target: " + Joined(only_target) +
      " (make both with the same version of zhixian)");
}

Result<int64_t> CountRows(Database& db, const std::string& table) {
  ZX_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT COUNT(*) FROM " + Quoted(table)));
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

// The checks made before anything is written (copy.h): the tables of `from` to copy, with
// their columns as `from` has them.
Result<std::vector<TableInfo>> CheckTarget(Database& from, Database& to) {
  ZX_RETURN_IF_ERROR(SameMigrations(from, to));
  ZX_ASSIGN_OR_RETURN(std::vector<TableInfo> source, from.Tables());
  ZX_ASSIGN_OR_RETURN(std::vector<TableInfo> target, to.Tables());
  std::map<std::string, const TableInfo*> in_target;
  for (const TableInfo& t : target) in_target[t.name] = &t;
  std::vector<TableInfo> tables;
  for (const TableInfo& t : source) {
    if (Skipped(t.name)) continue;
    auto it = in_target.find(t.name);
    if (it == in_target.end())
      return FailedPrecondition("table " + t.name +
                                " is not in the target database: its schema was not made by the "
                                "same modules as the source's");
    std::set<std::string> a(t.columns.begin(), t.columns.end());
    std::set<std::string> b(it->second->columns.begin(), it->second->columns.end());
    if (a != b)
      return FailedPrecondition("table " + t.name + " has other columns in the target database (" +
                                ColumnList(it->second->columns) + ") than in the source (" +
                                ColumnList(t.columns) + ")");
    tables.push_back(t);
  }
  for (const TableInfo& t : target) {
    if (Skipped(t.name)) continue;
    ZX_ASSIGN_OR_RETURN(Statement q, to.Prepare("SELECT 1 FROM " + Quoted(t.name) + " LIMIT 1"));
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row)
      return FailedPrecondition("the target database is not empty: table " + t.name +
                                " has rows (copy only into a new, empty database; nothing is "
                                "merged)");
  }
  return tables;
}

// Parents first: a table after every table its foreign keys point at (then by name). A cycle,
// which no schema of ours has, keeps the remaining tables in name order.
std::vector<TableInfo> ParentsFirst(std::vector<TableInfo> tables) {
  std::set<std::string> names;
  for (const TableInfo& t : tables) names.insert(t.name);
  std::vector<TableInfo> out;
  std::set<std::string> placed;
  while (!tables.empty()) {
    auto ready = std::find_if(tables.begin(), tables.end(), [&](const TableInfo& t) {
      return std::all_of(t.references.begin(), t.references.end(), [&](const std::string& r) {
        return r == t.name || !names.contains(r) || placed.contains(r);
      });
    });
    if (ready == tables.end()) ready = tables.begin();
    placed.insert(ready->name);
    out.push_back(std::move(*ready));
    tables.erase(ready);
  }
  return out;
}

void BindValue(const Statement& row, int column, Statement& insert) {
  switch (row.Type(column)) {
    case ValueType::kNull:
      insert.BindNull(column + 1);
      break;
    case ValueType::kInt:
      insert.Bind(column + 1, row.Int(column));
      break;
    case ValueType::kDouble:
      insert.Bind(column + 1, row.Double(column));
      break;
    case ValueType::kText:
      insert.Bind(column + 1, row.Text(column));
      break;
  }
}

// What names a row in an error: its first column (an id in our tables), cut short.
std::string RowName(const TableInfo& t, const Statement& row) {
  std::string value = row.IsNull(0) ? "NULL" : row.Text(0);
  if (value.size() > 64) value = value.substr(0, 64) + "...";
  return t.columns.front() + " = " + value;
}

Result<int64_t> CopyTable(Database& from, Database& to, const TableInfo& t,
                          const std::function<void(const CopyProgress&)>& progress) {
  CopyProgress at{.table = t.name};
  ZX_ASSIGN_OR_RETURN(at.total, CountRows(from, t.name));
  const std::string columns = ColumnList(t.columns);
  ZX_ASSIGN_OR_RETURN(Statement rows, from.Prepare("SELECT " + columns + " FROM " + Quoted(t.name) +
                                                   " ORDER BY " + Quoted(t.columns.front())));
  std::string values;
  for (size_t i = 1; i <= t.columns.size(); ++i)
    values += (i > 1 ? ", ?" : "?") + std::to_string(i);
  ZX_ASSIGN_OR_RETURN(Statement insert, to.Prepare("INSERT INTO " + Quoted(t.name) + " (" +
                                                   columns + ") VALUES (" + values + ")"));
  bool more = true;
  while (more) {
    ZX_RETURN_IF_ERROR(to.Transaction([&]() -> Status {
      for (int n = 0; n < kCopyBatchRows; ++n) {
        auto row = rows.Step();
        if (!row.ok())
          return Status(row.status().code(),
                        "table " + t.name + ": reading the source: " + row.status().message());
        if (!*row) {
          more = false;
          return Status::Ok();
        }
        insert.Reset();
        for (int c = 0; c < static_cast<int>(t.columns.size()); ++c) BindValue(rows, c, insert);
        if (Status s = insert.Run(); !s.ok())
          return Status(s.code(),
                        "table " + t.name + ", row " + RowName(t, rows) + ": " + s.message());
        ++at.rows;
      }
      return Status::Ok();
    }));
    if (progress && more) progress(at);
  }
  ZX_RETURN_IF_ERROR(to.AfterBulkCopy(t.name));
  ZX_ASSIGN_OR_RETURN(int64_t source_rows, CountRows(from, t.name));
  ZX_ASSIGN_OR_RETURN(int64_t target_rows, CountRows(to, t.name));
  if (target_rows != at.rows || source_rows != at.rows)
    return Internal("table " + t.name + ": " + std::to_string(source_rows) +
                    " rows in the source, " + std::to_string(at.rows) + " copied, " +
                    std::to_string(target_rows) + " in the target");
  at.done = true;
  if (progress) progress(at);
  return at.rows;
}

}  // namespace

Result<CopyReport> CopyTables(Database& from, Database& to,
                              const std::function<void(const CopyProgress&)>& progress) {
  ZX_ASSIGN_OR_RETURN(std::vector<TableInfo> tables, CheckTarget(from, to));
  CopyReport report;
  for (const TableInfo& t : ParentsFirst(std::move(tables))) {
    if (t.columns.empty()) continue;  // nothing stored
    ZX_ASSIGN_OR_RETURN(int64_t rows, CopyTable(from, to, t, progress));
    report.tables.push_back({t.name, rows});
    report.rows += rows;
  }
  return report;
}

}  // namespace zx::storage
