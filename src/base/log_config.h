// The [log] section (config/zhixian.toml): how much zhixian logs (base/log.h).
#pragma once

#include <string>

#include "base/config.h"

namespace zx {

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, off
};

// log.level, one of the levels above.
const ConfigSection<LogConfig>& LogConfigSection();

}  // namespace zx
