// TOML for configuration and the knowledge base's data files (kb/*.toml), read in one place so
// that every syntax error names the file and the line, the same way everywhere:
// "kb/ivr.toml:12: expected '=' ...". Pure functions; thread-safe.
#pragma once

#include <toml++/toml.h>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx {

// Parses `text`; a syntax error is kInvalidArgument "<origin>:<line>: <what>".
Result<toml::table> ParseToml(std::string_view text, const std::string& origin);

// Reads and parses the file at `path` (the origin of messages); a file that is missing or cannot
// be read is kInvalidArgument naming it (base/file.h).
Result<toml::table> ReadTomlFile(const std::string& path);

// "<origin>:<line>" of a value, for messages about it.
std::string TomlWhere(const std::string& origin, const toml::source_region& where);

}  // namespace zx
