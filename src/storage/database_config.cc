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
          .Number("busy_timeout_ms", &DatabaseConfig::busy_timeout_ms, 0, 600000,
                  "wait this long for a database lock, then answer 503"));
  return *section;
}

}  // namespace zx::storage
