// A calculator flow's parameters as written in its file (kb/flows/*.toml, the [params] table):
// a tree of tables, arrays, numbers, strings and bools, read by dotted path
// ("deductible.二级", "brackets.0.max"). Immutable after loading.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zx::dialogue {

class ParamValue {
 public:
  using List = std::vector<ParamValue>;
  using Table = std::map<std::string, ParamValue, std::less<>>;

  ParamValue() = default;  // nothing: a TOML date or time (no calculator takes them)
  ParamValue(bool b) : v_(b) {}
  ParamValue(int64_t i) : v_(i) {}
  ParamValue(double d) : v_(d) {}
  ParamValue(std::string s) : v_(std::move(s)) {}
  ParamValue(const char* s) : v_(std::string(s)) {}
  ParamValue(List l) : v_(std::move(l)) {}
  ParamValue(Table t) : v_(std::move(t)) {}

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_boolean() const { return std::holds_alternative<bool>(v_); }
  bool is_number_integer() const { return std::holds_alternative<int64_t>(v_); }
  bool is_number() const { return is_number_integer() || std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_list() const { return std::holds_alternative<List>(v_); }
  bool is_table() const { return std::holds_alternative<Table>(v_); }

  // The value as that type; the caller checks the type first (a wrong type throws).
  bool boolean() const { return std::get<bool>(v_); }
  int64_t integer() const { return std::get<int64_t>(v_); }
  double number() const;  // whole numbers too
  const std::string& string() const { return std::get<std::string>(v_); }
  const List& list() const { return std::get<List>(v_); }
  const Table& table() const { return std::get<Table>(v_); }
  // For building and editing a tree (tests change one parameter of a loaded flow).
  List& list() { return std::get<List>(v_); }
  Table& table() { return std::get<Table>(v_); }

  // The value at a dotted path: table keys, array indices; nullptr when there is none.
  const ParamValue* Find(std::string_view path) const;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, List, Table> v_;
};

// The [params] table of a flow (an empty table when the file has none).
using Params = ParamValue;

}  // namespace zx::dialogue
