// Databases for tests, on either engine.
//
// ZX_TEST_POSTGRES_URL names a PostgreSQL database for tests (scripts/test.sh starts a
// throw-away cluster with scripts/pg_test_cluster.sh and sets it). Each test then gets a schema
// of its own in it, so that tests running in parallel never see each other's tables.
// ZX_TEST_DATABASE=postgres makes OpenTestDatabase use it (CTest's "_pg" twin of a test
// registered with zx_test(... DATABASE)); otherwise OpenTestDatabase is SQLite in memory.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "base/status.h"
#include "storage/database.h"

namespace zx::storage::testing {

// The PostgreSQL URL for tests, or "" when none is set.
inline std::string TestPostgresUrl() {
  const char* url = std::getenv("ZX_TEST_POSTGRES_URL");
  return url ? url : "";
}

// True when OpenTestDatabase gives PostgreSQL databases.
inline bool TestOnPostgres() {
  const char* engine = std::getenv("ZX_TEST_DATABASE");
  return engine != nullptr && std::string(engine) == "postgres";
}

// The URL of the schema `schema` in the PostgreSQL database at `url`: every connection opened
// with it works in that schema only.
inline std::string PostgresSchemaUrl(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

// A URL of a new, empty schema in the test PostgreSQL database: every connection opened with it
// works in that schema only.
inline Result<std::string> FreshPostgresSchema() {
  const std::string base = TestPostgresUrl();
  if (base.empty())
    return FailedPrecondition(
        "ZX_TEST_POSTGRES_URL is not set (scripts/test.sh starts a throw-away PostgreSQL "
        "cluster: scripts/pg_test_cluster.sh)");
  static std::atomic<int> counter{0};
  const std::string schema =
      "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
  {
    ZX_ASSIGN_OR_RETURN(auto admin, OpenDatabase(base));
    ZX_RETURN_IF_ERROR(admin->Exec("CREATE SCHEMA " + schema));
  }
  return PostgresSchemaUrl(base, schema);
}

// Where a new, empty database for one test is, for a database on disk or several connections
// to one (as several nodes have): the SQLite file `sqlite_file`, or (ZX_TEST_DATABASE=postgres)
// the URL of a schema of its own.
inline Result<std::string> TestDatabasePlace(const std::string& sqlite_file) {
  if (!TestOnPostgres()) return sqlite_file;
  return FreshPostgresSchema();
}

// Drops the triggers `names` of `table` where they exist: a test acting as someone with the
// database and its own tools. (The engines spell DROP TRIGGER differently.)
inline Status DropTriggers(Database& db, const std::string& table,
                           const std::vector<std::string>& names) {
  for (const std::string& name : names)
    ZX_RETURN_IF_ERROR(db.Exec("DROP TRIGGER IF EXISTS " + name +
                               (db.dialect() == Dialect::kPostgres ? " ON " + table : "")));
  return Status::Ok();
}

// A new, empty database for one test: SQLite in memory, or (ZX_TEST_DATABASE=postgres) a schema
// of its own in the test PostgreSQL database.
inline Result<std::unique_ptr<Database>> OpenTestDatabase(DatabaseOptions options = {}) {
  if (!TestOnPostgres()) return OpenDatabase(":memory:", options);
  ZX_ASSIGN_OR_RETURN(std::string url, FreshPostgresSchema());
  return OpenDatabase(url, options);
}

}  // namespace zx::storage::testing
