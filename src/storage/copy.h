// Copying every table of one database into another, whatever the engines behind them:
// `zhixian migrate` moves a single box's SQLite file into PostgreSQL with it.
//
// The target's schema must be there already, made by the same migrations as the source's (the
// modules' own code makes it; nothing here creates a table), and its tables must be empty: a
// copy goes into a new database, never merges into one in use. Rows keep their values as stored
// (sealed columns stay sealed: the same key file reads them), their ids too; afterwards the
// target assigns new ids after the largest copied (Database::AfterBulkCopy).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/database.h"

namespace zx::storage {

// Where a copy stands, told after each batch of rows and once a table is done.
struct CopyProgress {
  std::string table;
  int64_t rows = 0;   // copied so far
  int64_t total = 0;  // in the source table
  bool done = false;  // every row copied and the target's count checked
};

struct TableCopied {
  std::string table;
  int64_t rows = 0;
};

struct CopyReport {
  std::vector<TableCopied> tables;  // in the order copied
  int64_t rows = 0;                 // all tables together
};

// Rows committed in one transaction of the target.
inline constexpr int kCopyBatchRows = 500;

// Copies the rows of every table of `from` into the same table of `to`: parents before the
// tables whose foreign keys point at them, each table's rows in the order of its first column,
// kCopyBatchRows rows per transaction, each value with the type the source stored it with. Then
// checks that each table has as many rows in `to` as in `from`. Rows are only inserted, so an
// append-only table (the audit log, whose triggers refuse UPDATE and DELETE) copies like any.
//
// Not copied: schema_migrations (the two must record the same migrations: otherwise
// kFailedPrecondition listing what only one side has), cluster_leases (who runs which job
// now: nothing a stopped node should hand on) and cluster_messages (live events of a minute
// ago, storage/notifications.h).
//
// kFailedPrecondition, naming the table, before anything is written: a table of `from` that `to`
// lacks, a table whose stored columns differ, a table of `to` that has rows. Another error
// names the table and the row (its first column) and leaves the rows committed so far: start
// again on a new, empty target.
Result<CopyReport> CopyTables(Database& from, Database& to,
                              const std::function<void(const CopyProgress&)>& progress = {});

}  // namespace zx::storage
