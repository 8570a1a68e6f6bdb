#include "base/config.h"

#include <toml++/toml.h>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "base/file.h"
#include "base/toml_file.h"

extern char** environ;

namespace zx {

struct ConfigDocumentData {
  std::string origin;
  toml::table root;
  std::map<std::string, std::string> environment;  // ZHIXIAN_* only
};

namespace {

const toml::table* AsTable(const void* table) { return static_cast<const toml::table*>(table); }

ConfigValue FromNode(const toml::node& node, const std::string& origin) {
  ConfigValue v;
  v.where = TomlWhere(origin, node.source());
  if (node.is_string()) {
    v.kind = ConfigValue::Kind::kString;
    v.text = node.as_string()->get();
  } else if (node.is_integer()) {
    v.kind = ConfigValue::Kind::kInteger;
    v.number = static_cast<double>(node.as_integer()->get());
  } else if (node.is_floating_point()) {
    v.kind = ConfigValue::Kind::kFloat;
    v.number = node.as_floating_point()->get();
  } else if (node.is_boolean()) {
    v.kind = ConfigValue::Kind::kBoolean;
    v.number = node.as_boolean()->get() ? 1 : 0;
  } else if (node.is_table()) {
    v.kind = ConfigValue::Kind::kTable;
  } else if (node.is_array()) {
    v.kind = ConfigValue::Kind::kArray;
  }
  return v;
}

// The names and containers that a list of keys declares: "llm.engines[].name" declares the
// table "llm" and the array of tables "llm.engines".
struct KnownKeys {
  std::set<std::string> scalars, tables, arrays;

  explicit KnownKeys(const std::vector<ConfigKey>& keys) {
    for (const auto& k : keys) {
      scalars.insert(k.name);
      for (size_t dot = k.name.find('.'); dot != std::string::npos;
           dot = k.name.find('.', dot + 1)) {
        std::string container = k.name.substr(0, dot);
        if (container.size() > 2 && container.ends_with("[]")) {
          arrays.insert(container.substr(0, container.size() - 2));
        } else {
          tables.insert(container);
        }
      }
    }
  }
};

// `pattern` names keys as KnownKeys does ("trunks[].proxy"), `shown` as messages do
// ("trunks[1].proxy").
Status Walk(const toml::table& table, const std::string& pattern, const std::string& shown,
            const KnownKeys& known, const std::string& origin) {
  for (auto&& [k, node] : table) {
    std::string name = pattern + std::string(k.str());
    std::string display = shown + std::string(k.str());
    std::string where = TomlWhere(origin, node.source());
    // A known key given the wrong type is left to its section, which names the type it wants.
    if (known.scalars.count(name)) continue;
    if (const auto* sub = node.as_table()) {
      if (sub->empty() && !known.tables.count(name))
        return InvalidArgument(where + ": unknown configuration section '" + display + "'");
      ZX_RETURN_IF_ERROR(Walk(*sub, name + ".", display + ".", known, origin));
      continue;
    }
    if (known.arrays.count(name)) {
      const auto* array = node.as_array();
      if (!array || !array->is_array_of_tables()) {
        if (array && array->empty()) continue;
        return InvalidArgument(where + ": '" + display + "' must be an array of tables ([[" +
                               display + "]])");
      }
      for (size_t i = 0; i < array->size(); ++i) {
        ZX_RETURN_IF_ERROR(Walk(*array->get(i)->as_table(), name + "[].",
                                display + "[" + std::to_string(i) + "].", known, origin));
      }
      continue;
    }
    if (known.tables.count(name)) continue;  // a section given as a value: its reader says so
    if (pattern.empty()) return InvalidArgument(where + ": '" + display + "' must be a [section]");
    return InvalidArgument(where + ": unknown configuration key '" + display + "'");
  }
  return Status::Ok();
}

}  // namespace

std::string ConfigEnvName(std::string_view key) {
  std::string env = "ZHIXIAN_";
  for (char ch : key) {
    env += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return env;
}

std::string ConfigTable::KeyName(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::vector<ConfigValue> ConfigTable::Values(std::string_view key) const {
  std::vector<ConfigValue> out;
  if (table_) {
    if (const toml::node* node = AsTable(table_)->get(key)) {
      out.push_back(FromNode(*node, doc_->origin));
    }
  }
  if (environment_) {
    std::string name = ConfigEnvName(KeyName(key));
    auto it = doc_->environment.find(name);
    if (it != doc_->environment.end()) {
      ConfigValue v;
      v.kind = ConfigValue::Kind::kEnvironment;
      v.text = it->second;
      v.where = "environment " + name;
      out.push_back(std::move(v));
    }
  }
  return out;
}

Result<ConfigTable> ConfigTable::Table(std::string_view key) const {
  ConfigTable out;
  out.doc_ = doc_;
  out.path_ = KeyName(key);
  out.where_ = where_;
  out.environment_ = environment_;
  const toml::node* node = table_ ? AsTable(table_)->get(key) : nullptr;
  if (!node) return out;
  if (!node->is_table())
    return InvalidArgument(TomlWhere(doc_->origin, node->source()) + ": '" + out.path_ +
                           "' must be a table ([" + out.path_ + "])");
  out.table_ = node->as_table();
  out.where_ = TomlWhere(doc_->origin, node->source());
  return out;
}

Result<std::vector<ConfigTable>> ConfigTable::Array(std::string_view key) const {
  std::vector<ConfigTable> out;
  const toml::node* node = table_ ? AsTable(table_)->get(key) : nullptr;
  if (!node) return out;
  std::string name = KeyName(key);
  const toml::array* array = node->as_array();
  if (!array || (!array->empty() && !array->is_array_of_tables()))
    return InvalidArgument(TomlWhere(doc_->origin, node->source()) + ": '" + name +
                           "' must be an array of tables ([[" + name + "]])");
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table* element = array->get(i)->as_table();
    ConfigTable t;
    t.doc_ = doc_;
    t.table_ = element;
    t.path_ = name + "[" + std::to_string(i) + "]";
    t.where_ = TomlWhere(doc_->origin, element->source());
    t.environment_ = false;  // one variable cannot say which table it is for
    out.push_back(std::move(t));
  }
  return out;
}

Result<ConfigDocument> ConfigDocument::Parse(std::string_view toml_text, const std::string& origin,
                                             const std::vector<std::string>& environ) {
  auto data = std::make_shared<ConfigDocumentData>();
  data->origin = origin;
  ZX_ASSIGN_OR_RETURN(data->root, ParseToml(toml_text, origin));
  for (const auto& entry : environ) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || entry.rfind("ZHIXIAN_", 0) != 0) continue;
    data->environment[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  ConfigDocument doc;
  doc.data_ = std::move(data);
  return doc;
}

Result<ConfigDocument> ConfigDocument::Load(const std::string& file,
                                            const std::vector<std::string>& environ) {
  if (file.empty()) return Parse("", "defaults", environ);
  auto text = ReadFile(file);
  if (!text.ok()) return InvalidArgument("configuration file " + text.status().message());
  return Parse(*text, file, environ);
}

Result<ConfigDocument> ConfigDocument::Load(const std::string& file) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return Load(file, env);
}

const std::string& ConfigDocument::origin() const { return data_->origin; }

Result<ConfigTable> ConfigDocument::Section(std::string_view path) const {
  ConfigTable table;
  table.doc_ = data_;
  table.table_ = &data_->root;
  table.where_ = data_->origin;
  while (!path.empty()) {
    size_t dot = path.find('.');
    ZX_ASSIGN_OR_RETURN(table, table.Table(path.substr(0, dot)));
    // Top-level sections are named by the origin alone: their keys may come from the
    // environment, so the line of their header would mislead.
    if (table.path_.find('.') == std::string::npos) table.where_ = data_->origin;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return table;
}

Status ConfigDocument::CheckKnown(const std::vector<ConfigKey>& keys) const {
  return Walk(data_->root, "", "", KnownKeys(keys), data_->origin);
}

std::string ConfigTextValue(const ConfigValue& value, std::string* out) {
  if (value.kind != ConfigValue::Kind::kString && value.kind != ConfigValue::Kind::kEnvironment)
    return "must be a string";
  *out = value.text;
  return "";
}

std::string ConfigNumberValue(const ConfigValue& value, bool whole, double min, double max,
                              const std::string& min_text, const std::string& max_text,
                              double* out) {
  double v = value.number;
  // A switch (a whole number 0..1, e.g. trunk.register) also takes true and false, as TOML
  // writers and the documentation's examples naturally write it.
  const bool is_switch = whole && min == 0 && max == 1;
  if (value.kind == ConfigValue::Kind::kEnvironment) {
    const std::string& s = value.text;
    if (is_switch && (s == "true" || s == "false")) {
      *out = s == "true" ? 1 : 0;
      return "";
    }
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0') return "must be a number, got '" + s + "'";
  } else if (value.kind == ConfigValue::Kind::kBoolean && is_switch) {
    *out = v;
    return "";
  } else if (value.kind != ConfigValue::Kind::kInteger && value.kind != ConfigValue::Kind::kFloat) {
    return "must be a number";
  }
  if (whole && v != static_cast<double>(static_cast<int64_t>(v))) return "must be a whole number";
  if (v < min || v > max) return "must be between " + min_text + " and " + max_text;
  *out = v;
  return "";
}

std::string ConfigNumberText(double number) {
  std::ostringstream s;
  s << number;
  return s.str();
}

std::string ConfigQuoted(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

bool IsHostPort(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= address.size()) return false;
  std::string port = address.substr(colon + 1);
  if (port.size() > 18) return false;  // std::stoll's reach
  for (char ch : port) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
  }
  return std::stoll(port) <= 65535;
}

}  // namespace zx
