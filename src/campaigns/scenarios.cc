#include "campaigns/scenarios.h"

#include <algorithm>
#include <set>

#include "base/file.h"
#include "base/toml_file.h"
#include "campaigns/target_fields.h"

namespace zx::campaigns {
namespace {

// The fields a notice template may say (the rest of a record is the person's, not the notice's).
constexpr std::string_view kSayable[] = {kDaysOverdue,   kAmountDue,        kDeadline,
                                         kPreviousPlace, kMissingMaterials, kApplicationNo};

Status ErrorAt(const std::string& origin, const toml::node& node, const std::string& what) {
  return InvalidArgument(TomlWhere(origin, node.source()) + ": " + what);
}

// Checks the placeholders of `text` (the value of `node`): each must be in `allowed`; `owner`
// names the template in messages ("say of 'ob.overdue'").
Status CheckTemplate(const std::string& origin, const toml::node& node, const std::string& text,
                     const std::vector<std::string_view>& allowed, const std::string& owner) {
  std::string wrong;
  auto filled = FillTemplate(text, [&](std::string_view name) -> std::optional<std::string> {
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) return "";
    if (wrong.empty()) wrong = std::string(name);
    return std::nullopt;
  });
  if (filled.ok()) return Status::Ok();
  bool field = std::find(std::begin(kSayable), std::end(kSayable), wrong) != std::end(kSayable);
  if (field) {
    return ErrorAt(origin, node,
                   "the " + owner + " says {" + wrong + "} but does not list it in 'needs'");
  }
  return ErrorAt(origin, node, "the " + owner + ": " + std::string(filled.status().message()));
}

// A string value `key` of `t`, required unless `optional`.
Status GetString(const std::string& origin, const toml::table& t, const toml::node& where,
                 std::string_view key, std::string& out, bool optional = false) {
  const toml::node* n = t.get(key);
  if (!n) {
    if (optional) return Status::Ok();
    return ErrorAt(origin, where, "missing '" + std::string(key) + "'");
  }
  if (!n->is_string() || n->as_string()->get().empty()) {
    return ErrorAt(origin, *n, "'" + std::string(key) + "' must be a non-empty string");
  }
  out = n->as_string()->get();
  return Status::Ok();
}

Status GetStrings(const std::string& origin, const toml::table& t, const toml::node& where,
                  std::string_view key, std::vector<std::string>& out) {
  const toml::node* n = t.get(key);
  if (!n) return ErrorAt(origin, where, "missing '" + std::string(key) + "'");
  const toml::array* a = n->as_array();
  if (!a) return ErrorAt(origin, *n, "'" + std::string(key) + "' must be a list of strings");
  for (const toml::node& item : *a) {
    if (!item.is_string() || item.as_string()->get().empty()) {
      return ErrorAt(origin, item, "'" + std::string(key) + "' must hold non-empty strings");
    }
    out.push_back(item.as_string()->get());
  }
  return Status::Ok();
}

Status ScenarioFromToml(const std::string& origin, const toml::node& item,
                        const std::vector<Scenario>& seen, Scenario& s) {
  const toml::table* t = item.as_table();
  if (!t) return ErrorAt(origin, item, "'scenario' must be [[scenario]] tables");
  static const std::set<std::string_view> kKeys = {"id", "name", "needs", "say", "sms", "order"};
  for (const auto& [key, value] : *t) {
    if (!kKeys.contains(key.str())) {
      return ErrorAt(
          origin, value,
          "unknown key '" + std::string(key.str()) + "' (id, name, needs, say, sms, " + "order)");
    }
  }
  const toml::node* id = t->get("id");
  if (!id || !id->is_string() || id->as_string()->get().empty()) {
    return ErrorAt(origin, item, "a scenario needs a non-empty string 'id'");
  }
  s.id = id->as_string()->get();
  if (const toml::node* name = t->get("name")) {
    if (!name->is_string()) return ErrorAt(origin, *name, "'name' must be a string");
    s.name = name->as_string()->get();
  }
  const toml::node* needs = t->get("needs");
  if (!needs || !needs->is_array()) {
    return ErrorAt(origin, item, "scenario '" + s.id + "' needs a list 'needs' (may be [])");
  }
  for (const toml::node& n : *needs->as_array()) {
    const std::string* field = n.is_string() ? &n.as_string()->get() : nullptr;
    bool column = field && std::find(kTargetColumns.begin(), kTargetColumns.end(), *field) !=
                               kTargetColumns.end();
    bool always = field && std::find(kRequiredColumns.begin(), kRequiredColumns.end(), *field) !=
                               kRequiredColumns.end();
    if (!column || always) {
      return ErrorAt(origin, n,
                     "'needs' of scenario '" + s.id + "' must name columns of a target file " +
                         "other than 姓名, 手机号, 身份证号, 场景 (性别, 逾期天数, 应缴金额, " +
                         "截止日期, 原参保地, 缺少材料, 申请编号)");
    }
    if (std::find(s.needs.begin(), s.needs.end(), *field) != s.needs.end()) {
      return ErrorAt(origin, n, "'" + *field + "' twice in the needs of '" + s.id + "'");
    }
    s.needs.push_back(*field);
  }
  for (const Scenario& other : seen) {
    if (other.id == s.id) return ErrorAt(origin, item, "scenario '" + s.id + "' twice");
  }
  return Status::Ok();
}

// The words of scenario `s` (read after every scenario's id and needs, so that a file's
// structural errors are reported first): what it says may only use what its records must have.
Status ScenarioWordsFromToml(const std::string& origin, const toml::node& item, Scenario& s) {
  const toml::table* t = item.as_table();
  std::vector<std::string_view> allowed = {kSalutationPlaceholder};
  for (const std::string& need : s.needs) allowed.push_back(need);
  for (std::string_view key : {"say", "sms"}) {
    std::string& text = key == std::string_view("say") ? s.say : s.sms;
    if (!t->get(key)) {
      return ErrorAt(origin, item, "scenario '" + s.id + "' has no '" + std::string(key) + "'");
    }
    ZX_RETURN_IF_ERROR(GetString(origin, *t, item, key, text));
    ZX_RETURN_IF_ERROR(CheckTemplate(origin, *t->get(key), text, allowed,
                                     std::string(key) + " of '" + s.id + "'"));
  }
  const toml::node* order = t->get("order");
  if (!order || !order->is_integer()) {
    return ErrorAt(origin, order ? *order : item,
                   "scenario '" + s.id + "' needs an integer 'order' (its rank in a merged call)");
  }
  s.order = static_cast<int>(order->as_integer()->get());
  return Status::Ok();
}

Status ScriptFromToml(const std::string& origin, const toml::node& node, size_t scenarios,
                      ScriptWords& w) {
  const toml::table* t = node.as_table();
  if (!t) return ErrorAt(origin, node, "'script' must be a [script] table");
  struct Word {
    std::string_view key;
    std::string* out;
    std::vector<std::string_view> placeholders;
  };
  const std::vector<Word> words = {
      {"greeting", &w.greeting, {}},
      {"identity", &w.identity, {kSalutationPlaceholder}},
      {"no_name", &w.no_name, {}},
      {"count_intro", &w.count_intro, {kCountPlaceholder}},
      {"item_separator", &w.item_separator, {}},
      {"item_end", &w.item_end, {}},
      {"say_date", &w.say_date, {"年", "月", "日"}},
      {"sms_date", &w.sms_date, {"年", "月", "日"}},
      {"confirm", &w.confirm, {}},
      {"agent", &w.agent, {}},
      {"wrong_party", &w.wrong_party, {}},
      {"later", &w.later, {}},
      {"sms_sign", &w.sms_sign, {}},
      {"sms_greeting", &w.sms_greeting, {kSalutationPlaceholder}},
      {"sms_end", &w.sms_end, {}},
  };
  static const std::set<std::string_view> kLists = {"titles", "compound_surnames", "counts",
                                                    "ordinals"};
  for (const auto& [key, value] : *t) {
    std::string_view name = key.str();
    bool known =
        kLists.contains(name) ||
        std::any_of(words.begin(), words.end(), [&](const Word& word) { return word.key == name; });
    if (!known) {
      return ErrorAt(origin, value, "unknown key '" + std::string(name) + "' in [script]");
    }
  }
  for (const Word& word : words) {
    ZX_RETURN_IF_ERROR(GetString(origin, *t, node, word.key, *word.out));
    ZX_RETURN_IF_ERROR(CheckTemplate(origin, *t->get(word.key), *word.out, word.placeholders,
                                     "[script] " + std::string(word.key)));
  }
  const toml::node* titles = t->get("titles");
  if (!titles || !titles->is_table()) {
    return ErrorAt(origin, titles ? *titles : node,
                   "[script] needs a table 'titles' (性别 = 称谓)");
  }
  for (const auto& [key, value] : *titles->as_table()) {
    if (!value.is_string()) return ErrorAt(origin, value, "'titles' values must be strings");
    w.titles[std::string(key.str())] = value.as_string()->get();
  }
  ZX_RETURN_IF_ERROR(GetStrings(origin, *t, node, "compound_surnames", w.compound_surnames));
  ZX_RETURN_IF_ERROR(GetStrings(origin, *t, node, "counts", w.counts));
  ZX_RETURN_IF_ERROR(GetStrings(origin, *t, node, "ordinals", w.ordinals));
  // A person has at most one notice of each scenario: that many must be countable.
  for (std::string_view key : {"counts", "ordinals"}) {
    size_t n = key == std::string_view("counts") ? w.counts.size() : w.ordinals.size();
    if (n < scenarios) {
      return ErrorAt(origin, *t->get(key),
                     "'" + std::string(key) + "' has " + std::to_string(n) + " words for " +
                         std::to_string(scenarios) + " scenarios");
    }
  }
  return Status::Ok();
}

Status FromToml(const toml::table& root, const std::string& origin, std::vector<Scenario>& out,
                ScriptWords& script) {
  for (const auto& [key, value] : root) {
    if (key.str() != "scenario" && key.str() != "script") {
      return ErrorAt(origin, value, "unknown key '" + std::string(key.str()) + "'");
    }
  }
  const toml::node* list = root.get("scenario");
  if (!list) return InvalidArgument(origin + ":1: no [[scenario]] in the file");
  const toml::array* scenarios = list->as_array();
  if (!scenarios) return ErrorAt(origin, *list, "'scenario' must be [[scenario]] tables");
  for (const toml::node& item : *scenarios) {
    Scenario s;
    ZX_RETURN_IF_ERROR(ScenarioFromToml(origin, item, out, s));
    out.push_back(std::move(s));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    ZX_RETURN_IF_ERROR(ScenarioWordsFromToml(origin, *scenarios->get(i), out[i]));
  }
  const toml::node* words = root.get("script");
  if (!words) return InvalidArgument(origin + ":1: no [script] table in the file");
  return ScriptFromToml(origin, *words, out.size(), script);
}

}  // namespace

Result<std::string> FillTemplate(
    std::string_view text,
    const std::function<std::optional<std::string>(std::string_view)>& value) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '}') return InvalidArgument("a '}' without its '{'");
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    size_t close = text.find('}', i + 1);
    size_t reopen = text.find('{', i + 1);
    if (close == std::string_view::npos || reopen < close) {
      return InvalidArgument("a '{' without its '}'");
    }
    std::string_view name = text.substr(i + 1, close - i - 1);
    std::optional<std::string> v = value(name);
    if (!v) return InvalidArgument("unknown placeholder {" + std::string(name) + "}");
    out += *v;
    i = close + 1;
  }
  return out;
}

Result<ScenarioTable> ScenarioTable::Parse(std::string_view toml, const std::string& origin) {
  ZX_ASSIGN_OR_RETURN(toml::table root, ParseToml(toml, origin));
  ScenarioTable table;
  ZX_RETURN_IF_ERROR(FromToml(root, origin, table.scenarios_, table.script_));
  return table;
}

Result<ScenarioTable> ScenarioTable::Load(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return Parse(text, path);
}

const Scenario* ScenarioTable::Find(std::string_view id) const {
  for (const Scenario& s : scenarios_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

}  // namespace zx::campaigns
