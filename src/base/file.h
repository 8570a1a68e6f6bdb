// Reading a whole file (configuration, knowledge-base data, word lists) in one place, with
// errors that name the file. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace zx {

// The bytes of the file at `path`. kNotFound "<path>: no such file" when it does not exist,
// kInvalidArgument "<path>: cannot be read" when it exists but cannot be read (a directory,
// no permission).
Result<std::string> ReadFile(const std::string& path);

// Replaces the file at `path` with `text` atomically and durably (a file beside it, fsync,
// rename, fsync of the directory), mode 0600: a reader sees the old or the new file, never a
// part. kUnavailable naming the file when it cannot.
Status ReplaceFile(const std::string& path, std::string_view text);

// Makes a rename or creation in the directory of `path` durable (fsync of that directory).
void SyncParentDir(const std::string& path);

}  // namespace zx
