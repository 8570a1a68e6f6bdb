#include "base/toml_file.h"

#include "base/file.h"

namespace zx {

Result<toml::table> ParseToml(std::string_view text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(TomlWhere(origin, e.source()) + ": " + std::string(e.description()));
  }
}

Result<toml::table> ReadTomlFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return InvalidArgument(text.status().message());
  return ParseToml(*text, path);
}

std::string TomlWhere(const std::string& origin, const toml::source_region& where) {
  return origin + ":" + std::to_string(where.begin.line);
}

}  // namespace zx
