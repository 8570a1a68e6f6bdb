#include "base/toml_file.h"

#include <fstream>
#include <sstream>

namespace zx {

Result<toml::table> ParseToml(std::string_view text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(TomlWhere(origin, e.source()) + ": " + std::string(e.description()));
  }
}

Result<toml::table> ReadTomlFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseToml(text.str(), path);
}

std::string TomlWhere(const std::string& origin, const toml::source_region& where) {
  return origin + ":" + std::to_string(where.begin.line);
}

}  // namespace zx
