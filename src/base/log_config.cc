#include "base/log_config.h"

namespace zx {

const ConfigSection<LogConfig>& LogConfigSection() {
  static const auto* section = new ConfigSection<LogConfig>(
      ConfigSection<LogConfig>("log")
          .Text("level", &LogConfig::level, "trace, debug, info, warn, error or off")
          .Check([](const LogConfig& c, const std::string& prefix) -> std::string {
            for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
              if (c.level == level) return "";
            }
            return prefix + "level must be one of trace, debug, info, warn, error, off; got '" +
                   c.level + "'";
          }));
  return *section;
}

}  // namespace zx
