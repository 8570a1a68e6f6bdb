#include "dialogue/flow.h"

#include "base/file.h"

#include <toml++/toml.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "base/toml_file.h"
#include "dialogue/slots.h"

namespace zx::dialogue {

// ---------------------------------------------------------------------------------------------
// FlowDef basics

std::string_view SlotTypeName(SlotType type) {
  switch (type) {
    case SlotType::kEnum:
      return "enum";
    case SlotType::kMoney:
      return "money";
    case SlotType::kMonths:
      return "months";
    case SlotType::kYearMonth:
      return "year_month";
    case SlotType::kNumber:
      return "number";
    case SlotType::kBool:
      return "bool";
  }
  return "?";
}

std::optional<SlotType> SlotTypeFromName(std::string_view name) {
  for (SlotType t : {SlotType::kEnum, SlotType::kMoney, SlotType::kMonths, SlotType::kYearMonth,
                     SlotType::kNumber, SlotType::kBool})
    if (SlotTypeName(t) == name) return t;
  return std::nullopt;
}

const EnumValue* SlotDef::FindValue(std::string_view value_name) const {
  for (const auto& v : values)
    if (v.name == value_name) return &v;
  return nullptr;
}

const SlotDef* FlowDef::FindSlot(std::string_view name) const {
  for (const auto& s : slots)
    if (s.name == name) return &s;
  return nullptr;
}

const SlotGroup* FlowDef::FindGroup(std::string_view name) const {
  for (const auto& g : groups)
    if (g.name == name) return &g;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Parsing

namespace {

// A parse failure at a line.
struct Failure {
  int line = 1;
  std::string reason;
};

class Parser {
 public:
  explicit Parser(const std::string& origin) : origin_(origin) {}

  Result<FlowDef> Parse(const std::string& text, std::string_view expected_id);

 private:
  static int Line(const toml::node& n) { return static_cast<int>(n.source().begin.line); }
  Status Fail(int line, const std::string& reason) const {
    return InvalidArgument(origin_ + ":" + std::to_string(line) + ": " + reason);
  }
  Status Fail(const toml::node& n, const std::string& reason) const {
    return Fail(Line(n), reason);
  }

  // Unknown keys are errors (a typo must not silently drop a rule).
  Status OnlyKeys(const toml::table& t, const std::set<std::string>& allowed,
                  const std::string& what) const {
    for (const auto& [k, v] : t)
      if (!allowed.count(std::string(k.str())))
        return Fail(v, what + ": unknown key '" + std::string(k.str()) + "'");
    return Status::Ok();
  }
  Status String(const toml::table& t, const char* key, const std::string& what, bool required,
                std::string* out) const {
    const toml::node* n = t.get(key);
    if (!n) return required ? Fail(t, what + ": " + key + " is missing") : Status::Ok();
    if (!n->is_string()) return Fail(*n, what + ": " + key + " must be a string");
    std::string s = *n->value<std::string>();
    const auto b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
    if (s.empty()) return Fail(*n, what + ": " + key + " must not be empty");
    *out = std::move(s);
    return Status::Ok();
  }
  Status Strings(const toml::table& t, const char* key, const std::string& what,
                 std::vector<std::string>* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Status::Ok();
    const toml::array* a = n->as_array();
    if (!a) return Fail(*n, what + ": " + key + " must be an array of strings");
    for (const auto& item : *a) {
      if (!item.is_string() || item.value<std::string>()->empty())
        return Fail(item, what + ": " + key + " must contain non-empty strings");
      out->push_back(*item.value<std::string>());
    }
    return Status::Ok();
  }
  Status Number(const toml::table& t, const char* key, const std::string& what,
                std::optional<double>* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Status::Ok();
    if (!n->is_number()) return Fail(*n, what + ": " + key + " must be a number");
    *out = n->is_integer() ? static_cast<double>(*n->value<int64_t>()) : *n->value<double>();
    return Status::Ok();
  }
  // An array of tables (or absent).
  Status Tables(const toml::table& t, const char* key, const std::string& what,
                std::vector<const toml::table*>* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Status::Ok();
    const toml::array* a = n->as_array();
    if (!a) return Fail(*n, what + ": " + key + " must be an array of tables ([[...]])");
    for (const auto& item : *a) {
      if (!item.is_table()) return Fail(item, what + ": " + key + " must contain tables");
      out->push_back(item.as_table());
    }
    return Status::Ok();
  }

  // A slot value as written in the file (default, ask_if), checked against the slot's type.
  Result<SlotValue> ParseSlotValue(const SlotDef& s, const toml::node& n,
                                   const std::string& what) const;
  // "{deductible.三级}" -> the parameter's value.
  Result<std::string> Substitute(const std::string& text, const toml::node& where) const;
  // The line of a parameter path (its deepest existing node), for calculator problems.
  int ParamLine(const std::string& path) const;

  Status ReadSlot(const toml::table& t, SlotDef* s);
  Status CheckWords(const FlowDef& flow) const;

  std::string origin_;
  const toml::table* params_table_ = nullptr;
  int params_line_ = 1;
  Params params_ = ParamValue::Table{};
  // Where each slot was defined, for messages.
  std::map<std::string, const toml::table*, std::less<>> slot_tables_;
};

ParamValue TomlToParam(const toml::node& n) {
  if (const toml::table* t = n.as_table()) {
    ParamValue::Table table;
    for (const auto& [k, v] : *t) table[std::string(k.str())] = TomlToParam(v);
    return table;
  }
  if (const toml::array* a = n.as_array()) {
    ParamValue::List list;
    for (const auto& v : *a) list.push_back(TomlToParam(v));
    return list;
  }
  if (n.is_integer()) return *n.value<int64_t>();
  if (n.is_floating_point()) return *n.value<double>();
  if (n.is_boolean()) return *n.value<bool>();
  if (n.is_string()) return *n.value<std::string>();
  return {};  // dates and times: no calculator takes them (write "YYYY-MM" strings)
}

int Parser::ParamLine(const std::string& path) const {
  if (!params_table_) return params_line_;
  const toml::node* node = params_table_;
  int line = params_line_;
  size_t start = 0;
  while (node && start <= path.size() && !path.empty()) {
    const size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    const toml::node* next = nullptr;
    if (const toml::table* t = node->as_table()) {
      next = t->get(key);
    } else if (const toml::array* a = node->as_array()) {
      char* end = nullptr;
      const long i = std::strtol(key.c_str(), &end, 10);
      if (!key.empty() && !*end && i >= 0 && static_cast<size_t>(i) < a->size())
        next = a->get(static_cast<size_t>(i));
    }
    if (!next) break;
    node = next;
    if (node->source().begin.line > 0) line = Line(*node);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return line;
}

Result<std::string> Parser::Substitute(const std::string& text, const toml::node& where) const {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('{', i);
    if (open == std::string::npos) {
      out += text.substr(i);
      break;
    }
    const size_t close = text.find('}', open);
    if (close == std::string::npos) return Fail(where, "unclosed '{' in text");
    out += text.substr(i, open - i);
    const std::string path = text.substr(open + 1, close - open - 1);
    const ParamValue* v = params_.Find(path);
    if (!v) return Fail(where, "text refers to {" + path + "}, which is not in [params]");
    if (v->is_number()) {
      out += FormatNumber(v->number());
    } else if (v->is_string()) {
      out += v->string();
    } else {
      return Fail(where, "{" + path + "} is not a number or a string");
    }
    i = close + 1;
  }
  return out;
}

Result<SlotValue> Parser::ParseSlotValue(const SlotDef& s, const toml::node& n,
                                         const std::string& what) const {
  SlotValue v;
  switch (s.type) {
    case SlotType::kEnum:
      if (!n.is_string() || !s.FindValue(*n.value<std::string>()))
        return Fail(n, what + " must be one of slot '" + s.name + "''s values");
      v = *n.value<std::string>();
      break;
    case SlotType::kBool:
      if (!n.is_boolean()) return Fail(n, what + " must be true or false");
      v = *n.value<bool>();
      break;
    case SlotType::kMonths:
      if (!n.is_integer()) return Fail(n, what + " must be a whole number of months");
      v = *n.value<int64_t>();
      break;
    case SlotType::kMoney:
    case SlotType::kNumber:
      if (!n.is_number()) return Fail(n, what + " must be a number");
      if (n.is_integer())
        v = *n.value<int64_t>();
      else
        v = *n.value<double>();
      break;
    case SlotType::kYearMonth:
      if (!n.is_string()) return Fail(n, what + " must be a string \"YYYY-MM\"");
      v = *n.value<std::string>();
      break;
  }
  if (auto problem = CheckSlotValue(s, v)) return Fail(n, what + ": " + *problem);
  return v;
}

Status Parser::ReadSlot(const toml::table& t, SlotDef* s) {
  std::string what = "slot";
  ZX_RETURN_IF_ERROR(String(t, "name", what, true, &s->name));
  what = "slot '" + s->name + "'";
  for (char c : s->name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return Fail(*t.get("name"), what + ": name must be lower_case_with_underscores");
  ZX_RETURN_IF_ERROR(String(t, "label", what, true, &s->label));
  std::string type;
  ZX_RETURN_IF_ERROR(String(t, "type", what, true, &type));
  auto st = SlotTypeFromName(type);
  if (!st)
    return Fail(*t.get("type"),
                what + ": type must be enum, money, months, year_month, number or bool, got '" +
                    type + "'");
  s->type = *st;
  ZX_RETURN_IF_ERROR(String(t, "prompt", what, true, &s->prompt));
  ZX_ASSIGN_OR_RETURN(s->prompt, Substitute(s->prompt, *t.get("prompt")));

  const bool numeric = s->type == SlotType::kMoney || s->type == SlotType::kMonths ||
                       s->type == SlotType::kYearMonth || s->type == SlotType::kNumber;
  std::set<std::string> allowed = {"name",    "label",        "type",   "prompt",
                                   "default", "default_note", "ask_if", "optional"};
  if (numeric) allowed.insert({"cues", "units", "min", "max", "range_message", "alias"});
  if (s->type == SlotType::kMoney) allowed.insert("percent_of");
  if (s->type == SlotType::kEnum) allowed.insert({"value", "ambiguous"});
  if (s->type == SlotType::kBool)
    allowed.insert({"true_words", "false_words", "true_label", "false_label"});
  for (const auto& [k, v] : t)
    if (!allowed.count(std::string(k.str())))
      return Fail(v, what + ": key '" + std::string(k.str()) + "' is not allowed for a " +
                         std::string(SlotTypeName(s->type)) + " slot");

  ZX_RETURN_IF_ERROR(Strings(t, "cues", what, &s->cues));
  ZX_RETURN_IF_ERROR(Strings(t, "units", what, &s->units));
  ZX_RETURN_IF_ERROR(Number(t, "min", what, &s->min));
  ZX_RETURN_IF_ERROR(Number(t, "max", what, &s->max));
  if (s->min && s->max && *s->min > *s->max) return Fail(*t.get("min"), what + ": min > max");
  if (t.get("range_message")) {
    ZX_RETURN_IF_ERROR(String(t, "range_message", what, true, &s->range_message));
    ZX_ASSIGN_OR_RETURN(s->range_message, Substitute(s->range_message, *t.get("range_message")));
  }
  if (const toml::node* n = t.get("percent_of")) {
    if (!n->is_string()) return Fail(*n, what + ": percent_of must name a parameter");
    const ParamValue* p = params_.Find(*n->value<std::string>());
    if (!p || !p->is_number())
      return Fail(*n, what + ": percent_of names '" + *n->value<std::string>() +
                          "', which is not a number in [params]");
    s->percent_of = p->number();
  }
  std::vector<const toml::table*> tables;
  ZX_RETURN_IF_ERROR(Tables(t, "alias", what, &tables));
  for (const toml::table* a : tables) {
    ZX_RETURN_IF_ERROR(OnlyKeys(*a, {"words", "value", "param"}, what + " alias"));
    Alias alias;
    ZX_RETURN_IF_ERROR(Strings(*a, "words", what + " alias", &alias.words));
    if (alias.words.empty()) return Fail(*a, what + ": alias needs words");
    const toml::node* value = a->get("value");
    const toml::node* param = a->get("param");
    if ((value != nullptr) == (param != nullptr))
      return Fail(*a, what + ": alias needs exactly one of value or param");
    if (value) {
      if (!value->is_number()) return Fail(*value, what + ": alias value must be a number");
      alias.value = value->is_integer() ? static_cast<double>(*value->value<int64_t>())
                                        : *value->value<double>();
    } else {
      const ParamValue* p =
          param->is_string() ? params_.Find(*param->value<std::string>()) : nullptr;
      if (!p || !p->is_number())
        return Fail(*param, what + ": alias param must name a number in [params]");
      alias.value = p->number();
    }
    s->aliases.push_back(std::move(alias));
  }

  tables.clear();
  ZX_RETURN_IF_ERROR(Tables(t, "value", what, &tables));
  std::set<std::string> names;
  for (const toml::table* vt : tables) {
    ZX_RETURN_IF_ERROR(OnlyKeys(*vt, {"name", "words", "asked_words", "numbers"}, what + " value"));
    EnumValue v;
    ZX_RETURN_IF_ERROR(String(*vt, "name", what + " value", true, &v.name));
    if (!names.insert(v.name).second) return Fail(*vt, what + ": value '" + v.name + "' repeats");
    ZX_RETURN_IF_ERROR(Strings(*vt, "words", what + " value '" + v.name + "'", &v.words));
    ZX_RETURN_IF_ERROR(
        Strings(*vt, "asked_words", what + " value '" + v.name + "'", &v.asked_words));
    if (const toml::node* n = vt->get("numbers")) {
      const toml::array* a = n->as_array();
      if (!a) return Fail(*n, what + ": numbers must be an array of numbers");
      for (const auto& x : *a) {
        if (!x.is_number()) return Fail(x, what + ": numbers must be an array of numbers");
        v.numbers.push_back(x.is_integer() ? static_cast<double>(*x.value<int64_t>())
                                           : *x.value<double>());
      }
    }
    s->values.push_back(std::move(v));
  }
  if (s->type == SlotType::kEnum && s->values.size() < 2)
    return Fail(t, what + ": an enum slot needs at least two [[slot.value]] tables");

  tables.clear();
  ZX_RETURN_IF_ERROR(Tables(t, "ambiguous", what, &tables));
  for (const toml::table* at : tables) {
    ZX_RETURN_IF_ERROR(
        OnlyKeys(*at, {"words", "asked_words", "values", "prompt", "settled_by", "settled_value"},
                 what + " ambiguous"));
    Ambiguity a;
    ZX_RETURN_IF_ERROR(Strings(*at, "words", what + " ambiguous", &a.words));
    ZX_RETURN_IF_ERROR(Strings(*at, "asked_words", what + " ambiguous", &a.asked_words));
    ZX_RETURN_IF_ERROR(Strings(*at, "values", what + " ambiguous", &a.values));
    ZX_RETURN_IF_ERROR(String(*at, "prompt", what + " ambiguous", true, &a.prompt));
    ZX_ASSIGN_OR_RETURN(a.prompt, Substitute(a.prompt, *at->get("prompt")));
    if ((a.words.empty() && a.asked_words.empty()) || a.values.size() < 2)
      return Fail(*at, what + ": ambiguous needs words and at least two values");
    for (const auto& v : a.values)
      if (!s->FindValue(v))
        return Fail(*at->get("values"), what + ": ambiguous value '" + v + "' is not a value");
    // settled_by is read once every slot is (it names other slots); its value now.
    if (at->get("settled_by") || at->get("settled_value")) {
      ZX_RETURN_IF_ERROR(String(*at, "settled_value", what + " ambiguous", true, &a.settled_value));
      if (std::find(a.values.begin(), a.values.end(), a.settled_value) == a.values.end())
        return Fail(*at->get("settled_value"), what + ": ambiguous settled_value '" +
                                                   a.settled_value + "' is not one of its values");
      if (!at->get("settled_by"))
        return Fail(*at, what + ": ambiguous settled_value needs settled_by");
    }
    s->ambiguous.push_back(std::move(a));
  }

  ZX_RETURN_IF_ERROR(Strings(t, "true_words", what, &s->true_words));
  ZX_RETURN_IF_ERROR(Strings(t, "false_words", what, &s->false_words));
  if (t.get("true_label")) ZX_RETURN_IF_ERROR(String(t, "true_label", what, true, &s->true_label));
  if (t.get("false_label"))
    ZX_RETURN_IF_ERROR(String(t, "false_label", what, true, &s->false_label));

  if (const toml::node* d = t.get("default")) {
    ZX_ASSIGN_OR_RETURN(s->default_value, ParseSlotValue(*s, *d, what + ": default"));
  }
  if (const toml::node* n = t.get("optional")) {
    if (!n->is_boolean()) return Fail(*n, what + ": optional must be true or false");
    s->optional = *n->value<bool>();
    if (s->optional && (s->default_value || t.get("ask_if")))
      return Fail(*n, what + ": an optional slot has no default and no ask_if");
  }
  if (t.get("default_note")) {
    if (!s->default_value)
      return Fail(*t.get("default_note"), what + ": default_note without default");
    ZX_RETURN_IF_ERROR(String(t, "default_note", what, true, &s->default_note));
  }
  return Status::Ok();
}

// A word must mean one thing in a flow: the same word in two values (or slots) is a data bug.
Status Parser::CheckWords(const FlowDef& flow) const {
  std::map<std::string, std::string> owner;
  for (const auto& s : flow.slots) {
    const toml::table* t = slot_tables_.at(s.name);
    auto claim = [&](const std::string& word, const std::string& meaning) -> Status {
      auto [it, fresh] = owner.emplace(word, meaning);
      if (!fresh && it->second != meaning)
        return Fail(*t, "slot '" + s.name + "': word \"" + word + "\" means both " + it->second +
                            " and " + meaning);
      return Status::Ok();
    };
    for (const auto& v : s.values) {
      ZX_RETURN_IF_ERROR(claim(v.name, s.name + "=" + v.name));
      for (const auto& w : v.words) ZX_RETURN_IF_ERROR(claim(w, s.name + "=" + v.name));
      for (const auto& w : v.asked_words) ZX_RETURN_IF_ERROR(claim(w, s.name + "=" + v.name));
    }
    for (size_t i = 0; i < s.ambiguous.size(); ++i) {
      for (const auto& w : s.ambiguous[i].words)
        ZX_RETURN_IF_ERROR(claim(w, s.name + " (ambiguous " + std::to_string(i + 1) + ")"));
      for (const auto& w : s.ambiguous[i].asked_words)
        ZX_RETURN_IF_ERROR(claim(w, s.name + " (ambiguous " + std::to_string(i + 1) + ")"));
    }
    for (const auto& w : s.true_words) ZX_RETURN_IF_ERROR(claim(w, s.name + "=true"));
    for (const auto& w : s.false_words) ZX_RETURN_IF_ERROR(claim(w, s.name + "=false"));
    for (size_t i = 0; i < s.aliases.size(); ++i)
      for (const auto& w : s.aliases[i].words)
        ZX_RETURN_IF_ERROR(claim(w, s.name + "=" + FormatNumber(s.aliases[i].value)));
  }
  return Status::Ok();
}

Result<FlowDef> Parser::Parse(const std::string& text, std::string_view expected_id) {
  ZX_ASSIGN_OR_RETURN(toml::table doc, ParseToml(text, origin_));
  ZX_RETURN_IF_ERROR(OnlyKeys(
      doc, {"id", "title", "calculator", "rule", "source", "params", "slot", "group", "sum"},
      "flow"));
  FlowDef f;
  f.origin = origin_;
  ZX_RETURN_IF_ERROR(String(doc, "id", "flow", true, &f.id));
  if (!expected_id.empty() && f.id != expected_id)
    return Fail(*doc.get("id"), "flow id '" + f.id + "' must match the file name ('" +
                                    std::string(expected_id) + "')");
  const std::string what = "flow '" + f.id + "'";
  ZX_RETURN_IF_ERROR(String(doc, "title", what, true, &f.title));
  ZX_RETURN_IF_ERROR(String(doc, "calculator", what, true, &f.calculator));
  ZX_RETURN_IF_ERROR(String(doc, "source", what, true, &f.source));
  const Calculator* calc = FindCalculator(f.calculator);
  if (!calc) {
    std::string known;
    for (const auto& n : CalculatorNames()) known += (known.empty() ? "" : ", ") + n;
    return Fail(*doc.get("calculator"),
                what + ": unknown calculator '" + f.calculator + "' (known: " + known + ")");
  }
  f.compute = calc->compute;

  if (const toml::node* p = doc.get("params")) {
    params_table_ = p->as_table();
    if (!params_table_) return Fail(*p, what + ": params must be a table");
    params_line_ = Line(*p);
    params_ = TomlToParam(*p);
  }
  f.params = params_;
  ZX_RETURN_IF_ERROR(String(doc, "rule", what, true, &f.rule));
  { ZX_ASSIGN_OR_RETURN(f.rule, Substitute(f.rule, *doc.get("rule"))); }

  std::vector<const toml::table*> slot_tables;
  ZX_RETURN_IF_ERROR(Tables(doc, "slot", what, &slot_tables));
  if (slot_tables.empty()) return Fail(1, what + ": no [[slot]] tables");
  for (const toml::table* t : slot_tables) {
    SlotDef s;
    ZX_RETURN_IF_ERROR(ReadSlot(*t, &s));
    if (f.FindSlot(s.name)) return Fail(*t, what + ": slot '" + s.name + "' defined twice");
    slot_tables_[s.name] = t;
    f.slots.push_back(std::move(s));
  }
  // ask_if needs every slot read first.
  for (auto& s : f.slots) {
    const toml::table* t = slot_tables_[s.name];
    const toml::node* n = t->get("ask_if");
    if (!n) continue;
    const toml::array* a = n->as_array();
    if (!a || a->empty())
      return Fail(*n, "slot '" + s.name + "': ask_if must be an array of tables");
    for (const auto& item : *a) {
      const toml::table* ct = item.as_table();
      if (!ct || ct->empty())
        return Fail(item, "slot '" + s.name + "': ask_if must contain tables like {slot = value}");
      Condition c;
      for (const auto& [k, v] : *ct) {
        const SlotDef* other = f.FindSlot(k.str());
        if (!other || other == &s)
          return Fail(
              v, "slot '" + s.name + "': ask_if names unknown slot '" + std::string(k.str()) + "'");
        ZX_ASSIGN_OR_RETURN(
            c[std::string(k.str())],
            ParseSlotValue(*other, v, "slot '" + s.name + "': ask_if " + std::string(k.str())));
      }
      s.ask_if.push_back(std::move(c));
    }
  }
  // The other slots that settle an ambiguity without a question.
  for (auto& s : f.slots) {
    const toml::array* list = slot_tables_[s.name]->get("ambiguous")
                                  ? slot_tables_[s.name]->get("ambiguous")->as_array()
                                  : nullptr;
    for (size_t i = 0; list && i < list->size() && i < s.ambiguous.size(); ++i) {
      const toml::table* at = list->get(i)->as_table();
      const toml::node* n = at ? at->get("settled_by") : nullptr;
      if (!n) continue;
      const toml::table* ct = n->as_table();
      if (!ct || ct->empty())
        return Fail(*n, "slot '" + s.name + "': settled_by must be a table like {slot = value}");
      for (const auto& [k, v] : *ct) {
        const SlotDef* other = f.FindSlot(k.str());
        if (!other || other == &s)
          return Fail(v, "slot '" + s.name + "': settled_by names unknown slot '" +
                             std::string(k.str()) + "'");
        ZX_ASSIGN_OR_RETURN(
            s.ambiguous[i].settled_by[std::string(k.str())],
            ParseSlotValue(*other, v, "slot '" + s.name + "': settled_by " + std::string(k.str())));
      }
    }
  }
  ZX_RETURN_IF_ERROR(CheckWords(f));

  std::vector<const toml::table*> group_tables;
  ZX_RETURN_IF_ERROR(Tables(doc, "group", what, &group_tables));
  for (const toml::table* t : group_tables) {
    ZX_RETURN_IF_ERROR(OnlyKeys(*t, {"name", "prompt", "slots"}, what + " group"));
    SlotGroup g;
    ZX_RETURN_IF_ERROR(String(*t, "name", what + " group", true, &g.name));
    ZX_RETURN_IF_ERROR(String(*t, "prompt", what + " group", true, &g.prompt));
    ZX_ASSIGN_OR_RETURN(g.prompt, Substitute(g.prompt, *t->get("prompt")));
    ZX_RETURN_IF_ERROR(Strings(*t, "slots", what + " group", &g.slots));
    if (g.slots.size() < 2) return Fail(*t, what + ": group '" + g.name + "' needs two slots");
    if (f.FindSlot(g.name) || f.FindGroup(g.name))
      return Fail(*t, what + ": group name '" + g.name + "' is taken");
    for (const auto& name : g.slots) {
      const SlotDef* s = f.FindSlot(name);
      if (!s) return Fail(*t->get("slots"), what + ": group slot '" + name + "' is not a slot");
      if (!s->default_value)
        return Fail(*t->get("slots"),
                    what + ": group slot '" + name + "' needs a default (for the ones not said)");
    }
    f.groups.push_back(std::move(g));
  }

  if (const toml::node* n = doc.get("sum")) {
    const toml::table* t = n->as_table();
    if (!t) return Fail(*n, what + ": sum must be a table");
    ZX_RETURN_IF_ERROR(OnlyKeys(*t, {"total", "parts"}, what + " sum"));
    SumRule rule;
    ZX_RETURN_IF_ERROR(String(*t, "total", what + " sum", true, &rule.total));
    ZX_RETURN_IF_ERROR(Strings(*t, "parts", what + " sum", &rule.parts));
    if (rule.parts.size() < 2) return Fail(*t, what + ": sum needs at least two parts");
    std::vector<std::string> all = rule.parts;
    all.push_back(rule.total);
    for (const auto& name : all) {
      const SlotDef* s = f.FindSlot(name);
      if (!s || s->type != SlotType::kMoney)
        return Fail(*t, what + ": sum slot '" + name + "' must be a money slot");
    }
    f.sum = std::move(rule);
  }

  // The calculator's inputs.
  EnumValueNames enums;
  for (const auto& s : f.slots) {
    if (s.type != SlotType::kEnum) continue;
    for (const auto& v : s.values) enums[s.name].push_back(v.name);
  }
  for (const auto& cs : calc->slots) {
    const SlotDef* s = f.FindSlot(cs.name);
    if (!s) {
      if (cs.required)
        return Fail(1, what + ": calculator '" + calc->name + "' needs a slot '" + cs.name +
                           "' of type " + std::string(SlotTypeName(cs.type)));
      continue;
    }
    if (s->type != cs.type)
      return Fail(*slot_tables_[s->name], what + ": slot '" + s->name + "' must have type " +
                                              std::string(SlotTypeName(cs.type)) +
                                              " for calculator '" + calc->name + "'");
    if (cs.required && s->optional)
      return Fail(
          *slot_tables_[s->name],
          what + ": slot '" + s->name + "' is needed by the calculator, so it cannot be optional");
    if (cs.required && !s->ask_if.empty() && !s->default_value)
      return Fail(*slot_tables_[s->name],
                  what + ": slot '" + s->name + "' is asked only sometimes, so it needs a default");
  }
  if (auto problem = calc->check(f.params, enums)) {
    return Fail(ParamLine(problem->path), what + ": params" +
                                              (problem->path.empty() ? "" : "." + problem->path) +
                                              " " + problem->reason);
  }
  return f;
}

}  // namespace

Result<FlowDef> ParseFlow(const std::string& toml_text, const std::string& origin,
                          std::string_view expected_id) {
  Parser parser(origin);
  return parser.Parse(toml_text, expected_id);
}

Result<FlowRegistry> FlowRegistry::Load(const std::string& flows_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(flows_dir, ec))
    return InvalidArgument("flows directory " + flows_dir + " not found");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(flows_dir, ec))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  if (ec) return InvalidArgument("cannot list " + flows_dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  FlowRegistry reg;
  for (const auto& p : files) {
    ZX_ASSIGN_OR_RETURN(std::string text, ReadFile(p.string()));
    ZX_ASSIGN_OR_RETURN(FlowDef flow, ParseFlow(text, p.string(), p.stem().string()));
    ZX_RETURN_IF_ERROR(reg.Add(std::move(flow)));
  }
  return reg;
}

Status FlowRegistry::Add(FlowDef flow) {
  if (Find(flow.id))
    return InvalidArgument(flow.origin + ":1: flow '" + flow.id + "' defined twice");
  flows_.push_back(std::move(flow));
  return Status::Ok();
}

const FlowDef* FlowRegistry::Find(std::string_view id) const {
  for (const auto& f : flows_)
    if (f.id == id) return &f;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// State

// ---------------------------------------------------------------------------------------------
// Engine

namespace {

// Equal values; numbers by value whether whole or not (15000 is 15000.0).
bool SameValue(const SlotValue& a, const SlotValue& b) {
  if (IsNumber(a) && IsNumber(b)) return NumberOf(a) == NumberOf(b);
  return a == b;
}

bool Holds(const Condition& c, const SlotValues& values) {
  for (const auto& [slot, want] : c) {
    auto it = values.find(slot);
    if (it == values.end() || !SameValue(it->second, want)) return false;
  }
  return true;
}

bool AnyHolds(const std::vector<Condition>& cs, const SlotValues& values) {
  for (const auto& c : cs)
    if (Holds(c, values)) return true;
  return false;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) s += sep;
    s += parts[i];
  }
  return s;
}

// Said values, plus the derived part of a sum; notes say what was derived.
SlotValues SaidAndDerived(const FlowDef& flow, const FlowState& state,
                          std::vector<std::string>* notes, std::vector<std::string>* derived) {
  SlotValues v;
  for (const auto& [k, val] : state.slots)
    if (flow.FindSlot(k)) v[k] = val;
  if (!flow.sum) return v;
  const SumRule& sum = *flow.sum;
  auto total_it = v.find(sum.total);
  if (total_it == v.end() || !IsNumber(total_it->second)) return v;
  const int64_t total = YuanToCents(NumberOf(total_it->second));
  int64_t known = 0;
  std::vector<std::string> unknown;
  for (const auto& p : sum.parts) {
    auto it = v.find(p);
    if (it == v.end() || !IsNumber(it->second)) {
      unknown.push_back(p);
    } else {
      known += YuanToCents(NumberOf(it->second));
    }
  }
  const SlotDef* total_slot = flow.FindSlot(sum.total);
  if (unknown.size() == 1 && total >= known) {
    const SlotDef* part = flow.FindSlot(unknown[0]);
    const int64_t part_cents = total - known;
    if (part_cents % 100 == 0)
      v[unknown[0]] = part_cents / 100;  // whole 元 stay whole
    else
      v[unknown[0]] = static_cast<double>(part_cents) / 100.0;
    if (derived) derived->push_back(unknown[0]);
    if (notes)
      notes->push_back(part->label + "按" + total_slot->label + "推算为" +
                       FormatSlotValue(*part, v[unknown[0]]));
  } else if (unknown.empty() && total != known && notes) {
    notes->push_back("各项费用合计" + FormatYuanPlain(known) + "元，与您说的" + total_slot->label +
                     FormatYuanPlain(total) + "元不一致，按各项费用计算");
  }
  return v;
}

// Adds defaults: first of unconditional slots, then of conditional ones whose conditions fail.
void AddDefaults(const FlowDef& flow, SlotValues& v, std::vector<std::string>* assumed) {
  for (const auto& s : flow.slots) {
    if (v.count(s.name) || !s.ask_if.empty() || !s.default_value) continue;
    v[s.name] = *s.default_value;
    if (assumed && !s.default_note.empty()) assumed->push_back(s.default_note);
  }
  for (const auto& s : flow.slots) {
    if (v.count(s.name) || s.ask_if.empty() || !s.default_value) continue;
    if (AnyHolds(s.ask_if, v)) continue;  // to be asked
    v[s.name] = *s.default_value;
    if (assumed && !s.default_note.empty()) assumed->push_back(s.default_note);
  }
}

std::string Acknowledge(const FlowDef& flow, const FlowState& state,
                        const std::vector<std::string>& changed) {
  std::vector<std::string> parts;
  for (const auto& name : changed) {
    const SlotDef* s = flow.FindSlot(name);
    auto it = state.slots.find(name);
    if (!s || it == state.slots.end()) continue;
    if (s->type == SlotType::kBool) {
      parts.push_back(FormatSlotValue(*s, it->second));
    } else {
      parts.push_back(s->label + FormatSlotValue(*s, it->second));
    }
  }
  return Join(parts, "，");
}

const char* kNotUnderstood = "抱歉，我没听明白。";
const char* kOfferRecompute = "如果情况有变化，可以直接告诉我，我重新计算。";

}  // namespace

SlotValues EffectiveValues(const FlowDef& flow, const FlowState& state,
                           std::vector<std::string>* assumed, std::vector<std::string>* derived) {
  SlotValues v = SaidAndDerived(flow, state, nullptr, derived);
  AddDefaults(flow, v, assumed);
  return v;
}

std::string NextMissing(const FlowDef& flow, const FlowState& state) {
  SlotValues v = SaidAndDerived(flow, state, nullptr, nullptr);
  SlotValues with_defaults = v;
  AddDefaults(flow, with_defaults, nullptr);
  for (const auto& s : flow.slots) {
    if (v.count(s.name) || s.optional) continue;
    if (!s.ask_if.empty()) {
      if (AnyHolds(s.ask_if, with_defaults)) return s.name;
      continue;
    }
    if (s.default_value) continue;
    return s.name;
  }
  for (const auto& g : flow.groups) {
    bool any = false;
    for (const auto& name : g.slots) any = any || v.count(name) > 0;
    if (!any) return g.name;
  }
  return "";
}

std::string FormatResult(const FlowDef& flow, const CalcResult& r,
                         const std::vector<std::string>& assumed) {
  std::string out = flow.title + "：\n";
  for (const auto& step : r.steps) out += step + "\n";
  out += "结果：" + r.summary + "。";
  if (!r.notes.empty()) out += "\n说明：" + Join(r.notes, "；") + "。";
  if (!assumed.empty()) out += "\n以上按" + Join(assumed, "、") + "计算，如有不同请告诉我。";
  out += "\n依据：" + flow.rule + "（" + flow.source + "）";
  return out;
}

StepResult Step(const FlowDef& flow, FlowState& state, std::string_view utterance) {
  if (state.flow != flow.id) {
    // A new flow, or a switch between flows (yb.inpatient_calc -> yb.remote_ratio): keep what
    // was said that the new flow also asks for.
    FlowState fresh;
    fresh.flow = flow.id;
    for (const auto& [k, v] : state.slots)
      if (flow.FindSlot(k)) fresh.slots[k] = v;
    state = std::move(fresh);
  }
  const bool asked_before = !state.asking.empty() || !state.clarify_slot.empty();
  const std::string expected = !state.clarify_slot.empty() ? state.clarify_slot : state.asking;
  const Extraction ex = ExtractSlots(flow, utterance, expected);

  StepResult r;
  std::string problem_slot;
  for (const auto& fill : ex.fills) {
    const SlotDef* s = flow.FindSlot(fill.slot);
    if (auto problem = CheckSlotValue(*s, fill.value)) {
      r.problems.push_back(*problem);
      if (problem_slot.empty()) problem_slot = s->name;
      continue;
    }
    if (state.clarify_slot == s->name) {
      state.clarify_slot.clear();
      state.clarify_prompt.clear();
      state.clarify_values.clear();
    }
    auto it = state.slots.find(s->name);
    if (it != state.slots.end() && SameValue(it->second, fill.value)) continue;
    state.slots[s->name] = fill.value;
    r.changed.push_back(s->name);
  }
  bool new_clarify = false;
  // What the citizen said of other slots may settle an ambiguity (settled_by): the slot takes
  // its value and nobody is asked. Only what was said counts, never a default.
  auto settles = [&](const std::string& slot, const Ambiguity& a) {
    if (a.settled_by.empty() || !Holds(a.settled_by, state.slots)) return false;
    auto held = state.slots.find(slot);
    if (held == state.slots.end() || !SameValue(held->second, a.settled_value)) {
      state.slots[slot] = a.settled_value;
      r.changed.push_back(slot);
    }
    return true;
  };
  for (const auto& a : ex.ambiguities) {
    const std::vector<std::string>& values = a.ambiguity->values;
    if (settles(a.slot, *a.ambiguity)) {
      if (state.clarify_slot == a.slot) {
        state.clarify_slot.clear();
        state.clarify_prompt.clear();
        state.clarify_values.clear();
      }
      continue;
    }
    if (state.clarify_slot == a.slot) {
      // An answer to our clarifying question that narrows it further: "出差" then "备案了".
      std::vector<std::string> both;
      for (const auto& v : values)
        if (std::find(state.clarify_values.begin(), state.clarify_values.end(), v) !=
            state.clarify_values.end())
          both.push_back(v);
      if (both.size() == 1) {
        state.clarify_slot.clear();
        state.clarify_prompt.clear();
        state.clarify_values.clear();
        auto held = state.slots.find(a.slot);
        if (held == state.slots.end() || !SameValue(held->second, both[0])) {
          state.slots[a.slot] = both[0];
          r.changed.push_back(a.slot);
        }
        continue;
      }
    } else {
      const SlotValues current = EffectiveValues(flow, state);
      auto it = current.find(a.slot);
      const std::string* held =
          it == current.end() ? nullptr : std::get_if<std::string>(&it->second);
      if (held && std::find(values.begin(), values.end(), *held) != values.end())
        continue;  // what they said fits what we have
    }
    state.clarify_slot = a.slot;
    state.clarify_prompt = a.ambiguity->prompt;
    state.clarify_values = values;
    new_clarify = true;
    break;
  }
  // A question asked before, settled by what this turn said of another slot ("是急诊抢救").
  if (!state.clarify_slot.empty())
    if (const SlotDef* s = flow.FindSlot(state.clarify_slot))
      for (const Ambiguity& a : s->ambiguous)
        if (a.values == state.clarify_values && settles(s->name, a)) {
          state.clarify_slot.clear();
          state.clarify_prompt.clear();
          state.clarify_values.clear();
          new_clarify = false;
          break;
        }

  std::string lead;  // acknowledgement and problems
  const std::string ack = Acknowledge(flow, state, r.changed);
  if (!ack.empty()) lead = "好的，" + ack + "。";
  for (const auto& p : r.problems) lead += p;
  const bool understood =
      !r.changed.empty() || !r.problems.empty() || new_clarify || !ex.fills.empty();

  auto ask = [&](const std::string& what, const std::string& prompt) {
    r.kind = StepKind::kAsk;
    r.asking = what;
    state.asking = what;
    std::string prefix = lead;
    if (!understood && asked_before) prefix = kNotUnderstood;
    r.text = prefix + prompt;
    return r;
  };

  if (!state.clarify_slot.empty()) {
    state.complete = false;
    return ask(state.clarify_slot, state.clarify_prompt);
  }
  // A refused value after a result: ask for it again, keep the result.
  if (!r.problems.empty() && r.changed.empty()) {
    const SlotDef* s = flow.FindSlot(problem_slot);
    return ask(problem_slot, s->prompt);
  }
  const std::string next = NextMissing(flow, state);
  if (!next.empty()) {
    state.complete = false;
    if (const SlotDef* s = flow.FindSlot(next)) return ask(next, s->prompt);
    return ask(next, flow.FindGroup(next)->prompt);
  }

  if (state.complete && r.changed.empty()) {
    r.kind = StepKind::kNoChange;
    r.text = kOfferRecompute;
    return r;
  }
  std::vector<std::string> notes, assumed, derived;
  SlotValues values = SaidAndDerived(flow, state, &notes, &derived);
  AddDefaults(flow, values, &assumed);
  auto result = flow.compute
                    ? flow.compute(flow.params, values)
                    : Result<CalcResult>(Internal("flow " + flow.id + " has no calculator"));
  const bool recompute = state.answered;
  state.asking.clear();
  state.complete = true;
  state.answered = true;
  r.kind = StepKind::kAnswer;
  if (!result.ok()) {
    r.text = "抱歉，这项计算暂时出了问题，我请人工坐席帮您算。";
    return r;
  }
  CalcResult cr = std::move(result).value();
  cr.notes.insert(cr.notes.begin(), notes.begin(), notes.end());
  std::string prefix;
  if (recompute) {
    prefix = ack.empty() ? "好的，重新计算。" : "好的，按" + ack + "重新计算。";
    for (const auto& p : r.problems) prefix += p;
    prefix += "\n";
  } else if (!r.problems.empty()) {
    prefix = Join(r.problems, "") + "\n";
  }
  r.text = prefix + FormatResult(flow, cr, assumed);
  r.result = std::move(cr);
  return r;
}

}  // namespace zx::dialogue
