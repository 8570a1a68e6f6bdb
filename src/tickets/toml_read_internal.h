// Small readers shared by the loaders of the tickets data files (kb/tickets/*.toml): every
// error names the file and the line ("dispatch.toml:12: reason"), as base/toml_file.h does.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "base/toml_file.h"

namespace zx::tickets::internal {

// "<origin>:<line>: <what>" as kInvalidArgument.
inline Status ErrorAt(const std::string& origin, const toml::node& at, const std::string& what) {
  return InvalidArgument(TomlWhere(origin, at.source()) + ": " + what);
}

// The string `key` of `t`; missing or not a string is an error unless `optional`.
inline Result<std::string> ReadString(const std::string& origin, const toml::table& t,
                                      std::string_view key, bool optional = false) {
  const toml::node* n = t.get(key);
  if (!n) {
    if (optional) return std::string();
    return ErrorAt(origin, t, "missing key '" + std::string(key) + "'");
  }
  if (!n->is_string()) return ErrorAt(origin, *n, "'" + std::string(key) + "' must be a string");
  std::string v = n->as_string()->get();
  if (v.empty() && !optional)
    return ErrorAt(origin, *n, "'" + std::string(key) + "' must not be empty");
  return v;
}

// The array of non-empty strings `key` of `t` (missing: empty, or an error when `required`).
inline Result<std::vector<std::string>> ReadStrings(const std::string& origin, const toml::table& t,
                                                    std::string_view key, bool required = false) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) {
    if (required) return ErrorAt(origin, t, "missing key '" + std::string(key) + "'");
    return out;
  }
  const toml::array* a = n->as_array();
  if (!a) return ErrorAt(origin, *n, "'" + std::string(key) + "' must be a list of strings");
  for (const toml::node& item : *a) {
    if (!item.is_string() || item.as_string()->get().empty())
      return ErrorAt(origin, item, "'" + std::string(key) + "' must hold non-empty strings");
    out.push_back(item.as_string()->get());
  }
  if (required && out.empty())
    return ErrorAt(origin, *n, "'" + std::string(key) + "' must not be empty");
  return out;
}

// The array of tables `key` of `root` (missing: empty).
inline Result<std::vector<const toml::table*>> ReadTables(const std::string& origin,
                                                          const toml::table& root,
                                                          std::string_view key) {
  std::vector<const toml::table*> out;
  const toml::node* n = root.get(key);
  if (!n) return out;
  const toml::array* a = n->as_array();
  if (!a)
    return ErrorAt(origin, *n,
                   "'" + std::string(key) + "' must be [[" + std::string(key) + "]] tables");
  for (const toml::node& item : *a) {
    if (!item.is_table())
      return ErrorAt(origin, item, "'" + std::string(key) + "' must hold tables");
    out.push_back(item.as_table());
  }
  return out;
}

// Rejects keys of `t` that are not in `known` (a typo would otherwise be silently ignored).
inline Status CheckKeys(const std::string& origin, const toml::table& t,
                        std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : t) {
    bool ok = false;
    for (std::string_view w : known) ok = ok || k.str() == w;
    if (!ok) return ErrorAt(origin, v, "unknown key '" + std::string(k.str()) + "'");
  }
  return Status::Ok();
}

}  // namespace zx::tickets::internal
