// The [data] and [database] sections (config/zhixian.toml): where zhixian keeps its data, and
// how the database waits for a lock.
#pragma once

#include <string>

#include "base/config.h"

namespace zx::storage {

struct DataConfig {
  std::string dir = "./var";  // database, indexes, recordings
};

struct DatabaseConfig {
  // "": SQLite in the data directory; "postgresql://user@host:port/db": PostgreSQL (no
  // password here: PGPASSWORD or a pgpass file).
  std::string url;
  int busy_timeout_ms = 5000;  // wait this long for a lock, then answer 503 "try again"
};

// data.dir (not empty).
const ConfigSection<DataConfig>& DataConfigSection();
// database.url and database.busy_timeout_ms.
const ConfigSection<DatabaseConfig>& DatabaseConfigSection();

}  // namespace zx::storage
