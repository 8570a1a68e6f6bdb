// What a storage driver implements behind storage::Statement (database.h). For drivers only:
// modules use Statement and Database, never this.
//
// A driver also implements storage::Database (Exec, Prepare, Transaction, HasTable, Tables,
// AfterBulkCopy, on_disk, SyncCommitted, dialect); Database::Migrate is written once over that
// interface. A driver must map "the data is locked by someone else and stayed so for the busy
// timeout" to kUnavailable and other engine errors to kInternal, and must make the conformance
// tests of storage/testing/conformance.h pass.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/database.h"

namespace zx::storage {

// One prepared statement of a driver. The semantics are those of Statement's methods.
class StatementDriver {
 public:
  virtual ~StatementDriver() = default;

  virtual void BindText(int index, std::string_view text) = 0;
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindDouble(int index, double value) = 0;
  virtual void BindNull(int index) = 0;

  virtual Result<bool> Step() = 0;
  virtual void Reset() = 0;

  virtual std::string Text(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
  virtual int ColumnCount() const = 0;
  virtual ValueType Type(int column) const = 0;
};

// Appends the first column of every row `q` gives for `table` (bound as its ?1) to `out`.
Status AppendRows(Statement& q, const std::string& table, std::vector<std::string>* out);

// Database::Tables() for a driver, from its three catalogue queries: `names` gives the table
// names (one column, in order); `columns` and `references` take a table's name as ?1 and give
// its stored columns in order and the tables its foreign keys point at.
Result<std::vector<TableInfo>> ReadTables(Database& db, std::string_view names,
                                          std::string_view columns, std::string_view references);

}  // namespace zx::storage
