// Configuration: the mechanism with which every module declares and reads its own section.
//
// A ConfigDocument is the TOML file (--config) plus the ZHIXIAN_* environment, parsed once at
// start-up. A module describes its section once, with a ConfigSection<T>: each key's name, the
// field of T it sets, its range and a one-line description (the default is the field's initial
// value in T). It then reads a T from any document:
//
//   struct ServerConfig { std::string http = "127.0.0.1:8080"; int threads = 2; };
//   const ConfigSection<ServerConfig>& ServerConfigSection() {
//     static const auto* section = new ConfigSection<ServerConfig>(
//         ConfigSection<ServerConfig>("server")
//             .Text("http", &ServerConfig::http, "HTTP listen address HOST:PORT")
//             .Number("threads", &ServerConfig::threads, 1, 256, "HTTP worker threads"));
//     return *section;
//   }
//   ZX_ASSIGN_OR_RETURN(ServerConfig server, ServerConfigSection().Read(document));
//
// Sources, later wins: T's defaults < the file < ZHIXIAN_* environment variables (server.http
// -> ZHIXIAN_SERVER_HTTP). Sections nest ([llm.routing], read with Table) and hold arrays of
// tables ([[llm.engines]], read with Array; a top-level [[trunks]] with ReadArray); keys inside
// an array of tables have no environment variable. A value of the wrong type or out of range is
// kInvalidArgument naming where it came from and the key:
//   "z.toml:12: trunks[1].proxy must be a string"
//   "environment ZHIXIAN_SERVER_THREADS: server.threads must be a number, got 'lots'"
// The document knows no module, so unknown keys are found by whoever composes the modules (app):
// it gathers every section's Keys() (also what `zhixian config` lists) and calls CheckKnown.
//
// Documents and sections are immutable once built; share them between threads freely.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/status.h"

namespace zx {

// One configuration key, as documented in config/zhixian.toml.
struct ConfigKey {
  std::string name;           // "server.http"; "trunks[].proxy" in each table of an array
  std::string env;            // "ZHIXIAN_SERVER_HTTP"; empty inside arrays of tables
  std::string description;    // one line, for `zhixian config`
  std::string default_value;  // as TOML writes it: "\"127.0.0.1:8080\"", "2"
  std::string range;          // "1..256" for numbers; empty otherwise
};

// "ZHIXIAN_SERVER_HTTP" for "server.http".
std::string ConfigEnvName(std::string_view key);

// One value given for a key, in the file or the environment.
struct ConfigValue {
  enum class Kind { kString, kInteger, kFloat, kBoolean, kTable, kArray, kOther, kEnvironment };
  Kind kind = Kind::kOther;
  std::string text;   // kString: the string; kEnvironment: the variable's value
  double number = 0;  // kInteger, kFloat; kBoolean: 1 or 0
  std::string where;  // "z.toml:3" or "environment ZHIXIAN_SERVER_HTTP", for messages
};

struct ConfigDocumentData;  // the parsed TOML; config.cc

// A table of a document: a [section], a nested [section.table], one table of an array of tables,
// or the top level. A table the file does not have reads as empty (defaults, then environment).
class ConfigTable {
 public:
  // "server", "llm.engines[1]", "" for the top level.
  const std::string& path() const { return path_; }
  // The full name of `key` in this table: "server.http", "trunks[1].proxy".
  std::string KeyName(std::string_view key) const;
  // Where the table is, for messages about several of its keys: "z.toml:12" for a table inside a
  // section or array, the document's origin for a top-level section.
  const std::string& where() const { return where_; }
  // The values given for `key`, lowest precedence first: the file's, then the environment's.
  std::vector<ConfigValue> Values(std::string_view key) const;
  // The table under `key`; an absent one reads as empty. Error if `key` is not a table.
  Result<ConfigTable> Table(std::string_view key) const;
  // The tables of the array of tables under `key` ([[path.key]]); none if absent. Error if `key`
  // is something else.
  Result<std::vector<ConfigTable>> Array(std::string_view key) const;

 private:
  friend class ConfigDocument;
  std::shared_ptr<const ConfigDocumentData> doc_;
  const void* table_ = nullptr;  // a toml::table inside doc_, or null when absent
  std::string path_;
  std::string where_;
  bool environment_ = true;  // false inside arrays of tables
};

class ConfigDocument {
 public:
  // Parses TOML text; `origin` names it in errors ("z.toml:3: ..."). `environ` holds NAME=VALUE
  // strings; only ZHIXIAN_* ones are used, the last of a name wins.
  static Result<ConfigDocument> Parse(std::string_view toml_text, const std::string& origin,
                                      const std::vector<std::string>& environ);
  // Reads `file` (a missing file is an error) or, when empty, only the defaults ("defaults").
  static Result<ConfigDocument> Load(const std::string& file,
                                     const std::vector<std::string>& environ);
  // Same, with the process environment.
  static Result<ConfigDocument> Load(const std::string& file);

  const std::string& origin() const;
  // The table at dotted `path` ("server", "llm.routing"; "" for the top level).
  Result<ConfigTable> Section(std::string_view path) const;
  // kInvalidArgument naming the first key of the file that `keys` does not hold, with its line:
  // "z.toml:3: unknown configuration key 'server.htpp'".
  Status CheckKnown(const std::vector<ConfigKey>& keys) const;

 private:
  std::shared_ptr<const ConfigDocumentData> data_;
};

// Conversions ConfigSection uses; each returns "" or what is wrong ("must be a string").
std::string ConfigTextValue(const ConfigValue& value, std::string* out);
std::string ConfigNumberValue(const ConfigValue& value, bool whole, double min, double max,
                              const std::string& min_text, const std::string& max_text,
                              double* out);
std::string ConfigNumberText(double number);
std::string ConfigQuoted(const std::string& text);  // a TOML basic string

// The keys of one section (or of each table of an array of tables), each declared once, and the
// reading of a T from a document with them. T must be default-constructible: its initial values
// are the defaults. Build it once (e.g. a function-local static) and share it.
template <typename T>
class ConfigSection {
 public:
  // `path`: the section's dotted name ("server", "llm"), or the array's name for ReadArray.
  explicit ConfigSection(std::string path) : path_(std::move(path)) {}

  // A string key.
  ConfigSection& Text(const char* key, std::string T::*field, const char* description) {
    Entry e = MakeEntry(key, description, "");
    e.set = [field](T& t, const ConfigValue& v) { return ConfigTextValue(v, &(t.*field)); };
    e.default_value = [field] { return ConfigQuoted(T{}.*field); };
    entries_.push_back(std::move(e));
    return *this;
  }

  // A number within [min, max]; whole numbers only when N is integral.
  template <typename N>
  requires std::is_arithmetic_v<N> ConfigSection& Number(const char* key, N T::*field,
                                                         std::type_identity_t<N> min,
                                                         std::type_identity_t<N> max,
                                                         const char* description) {
    std::string min_text = NumberText(min), max_text = NumberText(max);
    Entry e = MakeEntry(key, description, min_text + ".." + max_text);
    e.set = [=](T& t, const ConfigValue& v) {
      double d = 0;
      std::string err = ConfigNumberValue(v, std::is_integral_v<N>, static_cast<double>(min),
                                          static_cast<double>(max), min_text, max_text, &d);
      if (err.empty()) t.*field = static_cast<N>(d);
      return err;
    };
    e.default_value = [field] { return NumberText(T{}.*field); };
    entries_.push_back(std::move(e));
    return *this;
  }

  // A nested table [path.key] read into a U with `sub` (whose own path is not used).
  template <typename U>
  ConfigSection& Table(const char* key, U T::*field, ConfigSection<U> sub) {
    Entry e = MakeEntry(key, "", "");
    e.read = [field, key, sub](T& t, const ConfigTable& table) -> Status {
      ZX_ASSIGN_OR_RETURN(ConfigTable inner, table.Table(key));
      ZX_ASSIGN_OR_RETURN(t.*field, sub.ReadTable(inner));
      return Status::Ok();
    };
    e.keys = [sub](const std::string& prefix, bool env) { return sub.KeysAt(prefix, env); };
    entries_.push_back(std::move(e));
    return *this;
  }

  // An array of tables [[path.key]] read into a vector of U with `element`.
  template <typename U>
  ConfigSection& Array(const char* key, std::vector<U> T::*field, ConfigSection<U> element) {
    Entry e = MakeEntry(key, "", "");
    e.read = [field, key, element](T& t, const ConfigTable& table) -> Status {
      ZX_ASSIGN_OR_RETURN(std::vector<ConfigTable> tables, table.Array(key));
      (t.*field).clear();
      for (const ConfigTable& inner : tables) {
        ZX_ASSIGN_OR_RETURN(U value, element.ReadTable(inner));
        (t.*field).push_back(std::move(value));
      }
      return Status::Ok();
    };
    e.is_array = true;
    e.keys = [element](const std::string& prefix, bool) { return element.KeysAt(prefix, false); };
    entries_.push_back(std::move(e));
    return *this;
  }

  // A rule across keys, checked after they are all read: returns "" or a message naming the
  // keys with `prefix` ("security." or "trunks[1]."), e.g. prefix + "idle_minutes must ...".
  ConfigSection& Check(std::function<std::string(const T&, const std::string& prefix)> check) {
    checks_.push_back(std::move(check));
    return *this;
  }

  // Reads the section at path() from `document`.
  Result<T> Read(const ConfigDocument& document) const {
    ZX_ASSIGN_OR_RETURN(ConfigTable table, document.Section(path_));
    return ReadTable(table);
  }

  // Reads the top-level array of tables at path() ([[trunks]]); empty if the file has none.
  Result<std::vector<T>> ReadArray(const ConfigDocument& document) const {
    ZX_ASSIGN_OR_RETURN(ConfigTable top, document.Section(""));
    ZX_ASSIGN_OR_RETURN(std::vector<ConfigTable> tables, top.Array(path_));
    std::vector<T> out;
    for (const ConfigTable& table : tables) {
      ZX_ASSIGN_OR_RETURN(T value, ReadTable(table));
      out.push_back(std::move(value));
    }
    return out;
  }

  // Reads `table` (any table of a document) with these keys.
  Result<T> ReadTable(const ConfigTable& table) const {
    T out{};
    for (const Entry& e : entries_) {
      if (e.read) {
        ZX_RETURN_IF_ERROR(e.read(out, table));
        continue;
      }
      for (const ConfigValue& v : table.Values(e.key)) {
        std::string err = e.set(out, v);
        if (!err.empty()) return InvalidArgument(v.where + ": " + table.KeyName(e.key) + " " + err);
      }
    }
    std::string prefix = table.path().empty() ? "" : table.path() + ".";
    for (const auto& check : checks_) {
      std::string err = check(out, prefix);
      if (!err.empty()) return InvalidArgument(table.where() + ": " + err);
    }
    return out;
  }

  const std::string& path() const { return path_; }
  // Every key, for Read: "server.http" with ZHIXIAN_SERVER_HTTP.
  std::vector<ConfigKey> Keys() const { return KeysAt(path_.empty() ? "" : path_ + ".", true); }
  // Every key, for ReadArray: "trunks[].proxy", without environment variables.
  std::vector<ConfigKey> ArrayKeys() const { return KeysAt(path_ + "[].", false); }
  // The keys with names starting with `prefix`; for nesting.
  std::vector<ConfigKey> KeysAt(const std::string& prefix, bool env) const {
    std::vector<ConfigKey> out;
    for (const Entry& e : entries_) {
      if (e.keys) {
        auto sub = e.keys(prefix + e.key + (e.is_array ? "[]." : "."), env);
        out.insert(out.end(), sub.begin(), sub.end());
        continue;
      }
      std::string name = prefix + e.key;
      out.push_back(
          {name, env ? ConfigEnvName(name) : "", e.description, e.default_value(), e.range});
    }
    return out;
  }

 private:
  struct Entry {
    std::string key;
    std::string description;
    std::string range;
    // A scalar: applies one value; returns "" or what is wrong with it.
    std::function<std::string(T&, const ConfigValue&)> set;
    std::function<std::string()> default_value;
    // A table or array: reads it from the enclosing table, and lists its keys.
    std::function<Status(T&, const ConfigTable&)> read;
    std::function<std::vector<ConfigKey>(const std::string& prefix, bool env)> keys;
    bool is_array = false;
  };

  static Entry MakeEntry(const char* key, const char* description, std::string range) {
    Entry e;
    e.key = key;
    e.description = description;
    e.range = std::move(range);
    return e;
  }

  template <typename N>
  static std::string NumberText(N n) {
    if constexpr (std::is_integral_v<N>) {
      return std::to_string(n);
    } else {
      return ConfigNumberText(static_cast<double>(n));
    }
  }

  std::string path_;
  std::vector<Entry> entries_;
  std::vector<std::function<std::string(const T&, const std::string&)>> checks_;
};

// True for "HOST:PORT" with a non-empty host and a port of at most 65535 ("[::1]:8080" too).
bool IsHostPort(const std::string& address);

}  // namespace zx
