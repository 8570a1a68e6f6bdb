#include "campaigns/scenarios.h"

#include <algorithm>
#include <set>

#include "base/file.h"
#include "base/toml_file.h"
#include "campaigns/target_fields.h"

namespace zx::campaigns {
namespace {

Status ErrorAt(const std::string& origin, const toml::node& node, const std::string& what) {
  return InvalidArgument(TomlWhere(origin, node.source()) + ": " + what);
}

Status FromToml(const toml::table& root, const std::string& origin, std::vector<Scenario>& out) {
  for (const auto& [key, value] : root) {
    if (key.str() != "scenario") {
      return ErrorAt(origin, value, "unknown key '" + std::string(key.str()) + "'");
    }
  }
  const toml::node* list = root.get("scenario");
  if (!list) return InvalidArgument(origin + ":1: no [[scenario]] in the file");
  const toml::array* scenarios = list->as_array();
  if (!scenarios) return ErrorAt(origin, *list, "'scenario' must be [[scenario]] tables");
  for (const toml::node& item : *scenarios) {
    const toml::table* t = item.as_table();
    if (!t) return ErrorAt(origin, item, "'scenario' must be [[scenario]] tables");
    for (const auto& [key, value] : *t) {
      if (key.str() != "id" && key.str() != "name" && key.str() != "needs") {
        return ErrorAt(origin, value,
                       "unknown key '" + std::string(key.str()) + "' (id, name, needs)");
      }
    }
    Scenario s;
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
    for (const Scenario& seen : out) {
      if (seen.id == s.id) return ErrorAt(origin, item, "scenario '" + s.id + "' twice");
    }
    out.push_back(std::move(s));
  }
  return Status::Ok();
}

}  // namespace

Result<ScenarioTable> ScenarioTable::Parse(std::string_view toml, const std::string& origin) {
  ZX_ASSIGN_OR_RETURN(toml::table root, ParseToml(toml, origin));
  ScenarioTable table;
  ZX_RETURN_IF_ERROR(FromToml(root, origin, table.scenarios_));
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
