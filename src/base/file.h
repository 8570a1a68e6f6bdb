// Reading a whole file (configuration, knowledge-base data, word lists) in one place, with
// errors that name the file. Thread-safe.
#pragma once

#include <string>

#include "base/status.h"

namespace zx {

// The bytes of the file at `path`. kNotFound "<path>: no such file" when it does not exist,
// kInvalidArgument "<path>: cannot be read" when it exists but cannot be read (a directory,
// no permission).
Result<std::string> ReadFile(const std::string& path);

}  // namespace zx
