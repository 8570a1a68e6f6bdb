// The PostgreSQL driver of storage::Database, through libpq. Private to storage: modules open a
// database with storage::OpenDatabase (database.h), which picks this driver for a
// "postgresql://" or "postgres://" URL. The URL carries no password: libpq takes it from
// PGPASSWORD or a pgpass file.
//
// Connections: a pool, opened on demand (up to kPoolSize); a Transaction keeps one connection
// for its thread from BEGIN to COMMIT, and every statement that thread runs inside it uses that
// connection. A statement runs when first stepped, prepared on the server once per connection
// (parsed and planned once); its rows come back whole.
//
// Writes are serialised across every node, as SQLite serialises them in one file: a
// Transaction, and a write outside one, takes the transaction-scoped advisory lock of its
// schema before its first statement. So a module's read-then-write inside a Transaction
// means the same on both engines. BEGIN and the lock go out with that first statement, and a
// write outside a Transaction with its COMMIT too, in one round trip (libpq's pipeline mode).
// Waiting for a lock (the advisory lock or a row's) is bounded by lock_timeout = busy_timeout_ms;
// past it the error is kUnavailable, as on SQLite.
//
// What SQLite's SQL says that PostgreSQL spells otherwise is translated here, outside quoted
// text: the placeholders `?N` and `?` become `$N`; in a schema, INTEGER becomes BIGINT (unix
// milliseconds need 64 bits), `INTEGER PRIMARY KEY` an identity column, BLOB BYTEA, a VIRTUAL
// generated column a STORED one and COLLATE NOCASE the case-insensitive ICU collation zx_nocase,
// which the driver creates.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "storage/database.h"

namespace zx::storage {

// Connects to the PostgreSQL database at `url` ("postgresql://user@host:port/db?..."). Errors:
// kUnavailable when the server cannot be reached or refuses, kInvalidArgument for a URL with a
// password in it.
Result<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& url,
                                                       DatabaseOptions options);

// The SQL that the PostgreSQL driver sends for `sql` written in the portable subset (see the
// top of this file). Exposed for its tests.
std::string PostgresSql(std::string_view sql);

}  // namespace zx::storage
