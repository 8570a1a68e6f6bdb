#include "security/reencrypt.h"

namespace zx::security {

bool IsSqlIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

namespace {

struct Row {
  int64_t rowid;
  std::string key;
  std::string value;
};

Status ReencryptOne(storage::Database& db, const FieldCipher& cipher, const EncryptedColumn& c,
                    int batch_size, ReencryptReport* report) {
  const std::string where = c.table + "." + c.column;
  // rowid is SQLite's: the one walk here that is not portable yet. Walking by key_column
  // instead would scan conversation_turns (keyed by an unindexed generated column) per batch.
  ZX_ASSIGN_OR_RETURN(auto select, db.Prepare("SELECT rowid, " + c.key_column + ", " + c.column +
                                              " FROM " + c.table + " WHERE rowid > ?1 AND " +
                                              c.column + " IS NOT NULL ORDER BY rowid LIMIT ?2"));
  int64_t last = 0;
  for (;;) {
    std::vector<Row> rows;
    select.Reset();
    select.Bind(1, last).Bind(2, int64_t{batch_size});
    for (;;) {
      ZX_ASSIGN_OR_RETURN(auto more, select.Step());
      if (!more) break;
      rows.push_back({select.Int(0), select.Text(1), select.Text(2)});
    }
    if (rows.empty()) return Status::Ok();
    last = rows.back().rowid;
    ZX_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
      ZX_ASSIGN_OR_RETURN(auto update, db.Prepare("UPDATE " + c.table + " SET " + c.column +
                                                  " = ?1 WHERE rowid = ?2 AND " + c.column +
                                                  " = ?3 RETURNING rowid"));
      for (const Row& r : rows) {
        ++report->scanned;
        if (!FieldCipher::LooksEncrypted(r.value)) {
          ++report->not_encrypted;
          continue;
        }
        auto v = FieldCipher::KeyVersionOf(r.value);
        auto fresh = cipher.Reencrypt(r.value, FieldAad(c.table, c.column, r.key));
        if (!fresh.ok())
          return {fresh.status().code(), where + " row " + r.key + ": " + fresh.status().message()};
        if (v.ok() && *v == cipher.current_version()) {
          ++report->already_current;
          continue;
        }
        update.Reset();
        update.Bind(1, *fresh).Bind(2, r.rowid).Bind(3, r.value);
        ZX_ASSIGN_OR_RETURN(auto changed, update.Step());
        if (changed)
          ++report->reencrypted;
        else
          ++report->skipped;
        ZX_RETURN_IF_ERROR(update.Run());
      }
      return Status::Ok();
    }));
  }
}

}  // namespace

Result<ReencryptReport> ReencryptColumns(storage::Database& db, const FieldCipher& cipher,
                                         const std::vector<EncryptedColumn>& columns,
                                         int batch_size) {
  if (batch_size <= 0) return InvalidArgument("batch size must be positive");
  if (db.dialect() != storage::Dialect::kSqlite)
    return FailedPrecondition(
        "re-encrypting sealed columns walks SQLite's rowid: on PostgreSQL it is not available "
        "yet (docs/deployment.md)");
  for (const auto& c : columns)
    for (const std::string* n : {&c.table, &c.key_column, &c.column})
      if (!IsSqlIdentifier(*n)) return InvalidArgument("not a plain SQL identifier: '" + *n + "'");
  ReencryptReport report;
  for (const auto& c : columns)
    ZX_RETURN_IF_ERROR(ReencryptOne(db, cipher, c, batch_size, &report));
  return report;
}

}  // namespace zx::security
