// Re-encryption of stored personal data under the current key, for `zhixian keys reencrypt`
// after `zhixian keys rotate`.
//
// Modules register the encrypted columns they own (explicitly, from app wiring); each value is
// expected to use the conventional associated data FieldAad(table, column, <key column value>).
// The job walks each table by rowid in batches, one transaction per batch, and rewrites only
// values not yet under the current key (each value is authenticated either way). It can be
// interrupted and run again. Tables must have a rowid (no WITHOUT ROWID tables).
//
// Not thread-safe with respect to itself (run one at a time); concurrent writers are safe: a
// row changed meanwhile is left alone (the UPDATE matches the old value) and counted as skipped.
// Errors: kInvalidArgument for a table or column name that is not a plain identifier; kDataLoss
// naming table, column and row key for a value that fails to decrypt (the run stops there;
// earlier batches stay committed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "security/field_cipher.h"
#include "storage/database.h"

namespace zx::security {

struct EncryptedColumn {
  std::string table;       // "tickets"
  std::string key_column;  // "id": its value is the row key in FieldAad
  std::string column;      // "phone_enc"
};

struct ReencryptReport {
  int64_t scanned = 0;          // non-NULL values looked at
  int64_t reencrypted = 0;      // rewritten under the current key
  int64_t already_current = 0;  // verified, left as they were
  int64_t not_encrypted = 0;    // values without the zx1: form (left alone; investigate them)
  int64_t skipped = 0;          // changed by someone else during the run
};

Result<ReencryptReport> ReencryptColumns(storage::Database& db, const FieldCipher& cipher,
                                         const std::vector<EncryptedColumn>& columns,
                                         int batch_size = 500);

// True when `name` is a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64 characters),
// safe to splice into SQL text.
bool IsSqlIdentifier(const std::string& name);

}  // namespace zx::security
