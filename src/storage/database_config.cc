#include "storage/database_config.h"

namespace zx::storage {

const ConfigSection<DataConfig>& DataConfigSection() {
  static const auto* section = new ConfigSection<DataConfig>(
      ConfigSection<DataConfig>("data")
          .Text("dir", &DataConfig::dir, "data directory: database, indexes, recordings")
          .Check([](const DataConfig& c, const std::string& prefix) -> std::string {
            return c.dir.empty() ? prefix + "dir must not be empty" : "";
          }));
  return *section;
}

const ConfigSection<DatabaseConfig>& DatabaseConfigSection() {
  static const auto* section = new ConfigSection<DatabaseConfig>(
      ConfigSection<DatabaseConfig>("database")
          .Text("url", &DatabaseConfig::url,
                "empty: SQLite in the data directory; postgresql://user@host:port/db: PostgreSQL")
          .Check([](const DatabaseConfig& c, const std::string& prefix) -> std::string {
            if (c.url.empty() || c.url.starts_with("postgresql://") ||
                c.url.starts_with("postgres://"))
              return "";
            return prefix + "url must be empty (SQLite) or a postgresql:// URL";
          })
          .Number("busy_timeout_ms", &DatabaseConfig::busy_timeout_ms, 0, 600000,
                  "wait this long for a database lock, then answer 503"));
  return *section;
}

}  // namespace zx::storage
