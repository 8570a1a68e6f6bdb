#include "tickets/catalogue.h"

#include <algorithm>
#include <sstream>

#include "base/file.h"
#include "tickets/toml_read_internal.h"

namespace zx::tickets {
namespace {

using internal::ErrorAt;

Result<std::vector<Assignment>> ReadDepartments(const std::string& origin, const toml::table& t,
                                                const std::set<std::string>& known,
                                                bool allow_empty) {
  std::vector<Assignment> out;
  const toml::node* n = t.get("departments");
  if (!n) return ErrorAt(origin, t, "missing key 'departments'");
  const toml::array* a = n->as_array();
  if (!a) return ErrorAt(origin, *n, "'departments' must be a list of {code, role}");
  for (const toml::node& item : *a) {
    const toml::table* d = item.as_table();
    if (!d) return ErrorAt(origin, item, "'departments' must hold {code, role} tables");
    ZX_RETURN_IF_ERROR(internal::CheckKeys(origin, *d, {"code", "role"}));
    ZX_ASSIGN_OR_RETURN(std::string code, internal::ReadString(origin, *d, "code"));
    ZX_ASSIGN_OR_RETURN(std::string role_name, internal::ReadString(origin, *d, "role"));
    if (!known.empty() && !known.contains(code))
      return ErrorAt(origin, item, "unknown department '" + code + "' (kb/departments.tsv)");
    std::optional<Role> role = ParseRole(role_name);
    if (role && RoleLabel(*role) != role_name) role.reset();  // the data writes 主办 or 协办
    if (!role) return ErrorAt(origin, item, "role must be 主办 or 协办, not '" + role_name + "'");
    for (const Assignment& seen : out)
      if (seen.code == code) return ErrorAt(origin, item, "department '" + code + "' twice");
    out.push_back({code, *role});
  }
  if (out.empty()) {
    if (allow_empty) return out;
    return ErrorAt(origin, *n, "'departments' must not be empty");
  }
  int leads = 0;
  for (const Assignment& x : out) leads += x.role == Role::kLead ? 1 : 0;
  if (leads != 1) return ErrorAt(origin, *n, "exactly one department must be 主办");
  // 主办 first: callers read the lead as departments.front().
  std::stable_partition(out.begin(), out.end(),
                        [](const Assignment& x) { return x.role == Role::kLead; });
  return out;
}

Result<Tier> ReadTier(const std::string& origin, const toml::table& t) {
  ZX_ASSIGN_OR_RETURN(std::string name, internal::ReadString(origin, t, "tier"));
  std::optional<Tier> tier = ParseTier(name);
  if (!tier)
    return ErrorAt(origin, *t.get("tier"), "tier must be 2h, 24h, 7d or 15d, not '" + name + "'");
  return *tier;
}

}  // namespace

Result<Catalogue> Catalogue::Load(const std::string& path,
                                  const std::set<std::string>& known_departments) {
  ZX_ASSIGN_OR_RETURN(toml::table root, ReadTomlFile(path));
  ZX_RETURN_IF_ERROR(internal::CheckKeys(path, root, {"defaults", "matter", "category"}));
  Catalogue c;
  if (const toml::node* d = root.get("defaults")) {
    if (!d->is_table()) return ErrorAt(path, *d, "[defaults] must be a table");
    ZX_RETURN_IF_ERROR(internal::CheckKeys(path, *d->as_table(), {"tier"}));
    ZX_ASSIGN_OR_RETURN(c.default_tier_, ReadTier(path, *d->as_table()));
  }
  ZX_ASSIGN_OR_RETURN(auto matters, internal::ReadTables(path, root, "matter"));
  for (const toml::table* t : matters) {
    ZX_RETURN_IF_ERROR(internal::CheckKeys(
        path, *t, {"topic", "name", "departments", "tier", "cues", "strong_cues"}));
    Matter m;
    ZX_ASSIGN_OR_RETURN(m.topic, internal::ReadString(path, *t, "topic", /*optional=*/true));
    ZX_ASSIGN_OR_RETURN(m.name, internal::ReadString(path, *t, "name"));
    ZX_ASSIGN_OR_RETURN(m.departments, ReadDepartments(path, *t, known_departments, false));
    ZX_ASSIGN_OR_RETURN(m.tier, ReadTier(path, *t));
    ZX_ASSIGN_OR_RETURN(m.cues, internal::ReadStrings(path, *t, "cues"));
    ZX_ASSIGN_OR_RETURN(m.strong_cues, internal::ReadStrings(path, *t, "strong_cues"));
    if (m.topic.empty() && m.cues.empty() && m.strong_cues.empty())
      return ErrorAt(path, *t, "matter '" + m.name + "' has neither a topic nor cues");
    c.matters_.push_back(std::move(m));
  }
  ZX_ASSIGN_OR_RETURN(auto categories, internal::ReadTables(path, root, "category"));
  for (const toml::table* t : categories) {
    ZX_RETURN_IF_ERROR(internal::CheckKeys(path, *t, {"label", "departments", "tier"}));
    CategoryRoute r;
    ZX_ASSIGN_OR_RETURN(r.label, internal::ReadString(path, *t, "label"));
    if (c.FindCategory(r.label)) return ErrorAt(path, *t, "category '" + r.label + "' twice");
    ZX_ASSIGN_OR_RETURN(r.departments, ReadDepartments(path, *t, known_departments, true));
    ZX_ASSIGN_OR_RETURN(r.tier, ReadTier(path, *t));
    c.categories_.push_back(std::move(r));
  }
  if (c.matters_.empty()) return InvalidArgument(path + ":1: no [[matter]] in the catalogue");
  return c;
}

const CategoryRoute* Catalogue::FindCategory(std::string_view label) const {
  for (const CategoryRoute& r : categories_)
    if (r.label == label) return &r;
  return nullptr;
}

Result<std::set<std::string>> LoadDepartmentCodes(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::set<std::string> codes;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::string code = line.substr(0, line.find('\t'));
    if (code.empty() || code == "code") continue;
    codes.insert(code);
  }
  return codes;
}

}  // namespace zx::tickets
