#include "dialogue/params.h"

#include <cstdlib>

namespace zx::dialogue {

double ParamValue::number() const {
  if (const auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  return std::get<double>(v_);
}

const ParamValue* ParamValue::Find(std::string_view path) const {
  const ParamValue* node = this;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string key(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (node->is_table()) {
      auto it = node->table().find(key);
      if (it == node->table().end()) return nullptr;
      node = &it->second;
    } else if (node->is_list()) {
      char* end = nullptr;
      const long i = std::strtol(key.c_str(), &end, 10);
      if (key.empty() || *end || i < 0 || static_cast<size_t>(i) >= node->list().size())
        return nullptr;
      node = &node->list()[static_cast<size_t>(i)];
    } else {
      return nullptr;
    }
    if (dot == std::string_view::npos) return node;
    start = dot + 1;
  }
}

}  // namespace zx::dialogue
