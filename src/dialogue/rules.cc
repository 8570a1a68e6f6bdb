#include "dialogue/rules.h"

#include <algorithm>

#include <toml++/toml.h>

#include "base/file.h"
#include "base/toml_file.h"

namespace zx::dialogue {
namespace {

Status WordLists(const std::string& path, const toml::table& sec,
                 std::map<std::string, std::vector<std::string>>& target,
                 const text::Normalizer* normalizer) {
  for (const auto& [key, node] : sec) {
    const toml::array* a = node.as_array();
    if (!a || a->empty())
      return InvalidArgument(path + ":" + std::to_string(node.source().begin.line) + ": " +
                             std::string(key.str()) + " must be a list of words");
    for (const auto& w : *a) {
      if (!w.is_string())
        return InvalidArgument(path + ":" + std::to_string(w.source().begin.line) + ": " +
                               std::string(key.str()) + " must contain only strings");
      std::string word = *w.value<std::string>();
      target[std::string(key.str())].push_back(normalizer ? normalizer->Normalize(word) : word);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Rules> Rules::Load(const std::string& path, const text::Normalizer& normalizer) {
  Rules r;
  ZX_ASSIGN_OR_RETURN(toml::table t, ReadTomlFile(path));
  for (auto [section, target] : {std::pair{"require_words", &r.require_words},
                                 std::pair{"request_types", &r.request_types}}) {
    const toml::table* sec = t[section].as_table();
    if (!sec) return InvalidArgument(path + ": section [" + section + "] is missing");
    ZX_RETURN_IF_ERROR(WordLists(path, *sec, *target, &normalizer));
  }
  if (const toml::node* g = t.get("greeting")) {
    auto text = g->value<std::string>();
    if (!text || text->empty())
      return InvalidArgument(path + ":" + std::to_string(g->source().begin.line) +
                             ": greeting must be a non-empty string");
    r.greeting = *text;
  }
  if (const toml::table* sec = t["actions"].as_table())
    ZX_RETURN_IF_ERROR(WordLists(path, *sec, r.actions, nullptr));  // names, not words
  if (const toml::table* sec = t["contact"].as_table()) {
    std::map<std::string, std::vector<std::string>> lists;
    ZX_RETURN_IF_ERROR(WordLists(path, *sec, lists, nullptr));  // matched on the citizen's text
    r.address.markers = std::move(lists["address_markers"]);
    r.address.leads = std::move(lists["address_leads"]);
    // Longer words first, so that 小区 is matched before 区 and 住在 before 在.
    for (auto* v : {&r.address.markers, &r.address.leads})
      std::stable_sort(v->begin(), v->end(), [](const std::string& a, const std::string& b) {
        return a.size() > b.size();
      });
  }
  if (const toml::table* sec = t["agent_push"].as_table()) {
    for (const auto& [key, node] : *sec) {
      const std::string where = path + ":" + std::to_string(node.source().begin.line);
      if (key == "suggestions") {
        auto n = node.value<int64_t>();
        if (!n || *n < 0 || *n > 10)
          return InvalidArgument(where + ": agent_push.suggestions must be a whole number 0-10");
        r.push_suggestions = static_cast<int>(*n);
      } else if (key == "min_confidence") {
        auto v = node.value<double>();
        if (!v || *v < 0 || *v > 1)
          return InvalidArgument(where + ": agent_push.min_confidence must be 0-1");
        r.push_min_confidence = *v;
      } else {
        return InvalidArgument(where + ": unknown key agent_push." + std::string(key.str()) +
                               " (suggestions, min_confidence)");
      }
    }
  }
  return r;
}

bool Rules::Allows(const std::string& topic, const std::string& norm) const {
  auto it = require_words.find(topic);
  if (it == require_words.end()) return true;
  for (const auto& w : it->second)
    if (norm.find(w) != std::string::npos) return true;
  return false;
}

Result<Districts> LoadDistricts(const std::string& path) {
  Districts out;
  if (path.empty()) return out;
  auto read = ReadFile(path);
  if (read.status().code() == Code::kNotFound) return out;  // optional: no districts known
  ZX_ASSIGN_OR_RETURN(std::string text, std::move(read));
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || (line_no == 1 && line.starts_with("code\t"))) continue;
    size_t tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 >= line.size())
      return InvalidArgument(path + ":" + std::to_string(line_no) + ": expected \"code<TAB>name\"");
    out.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  return out;
}

}  // namespace zx::dialogue
