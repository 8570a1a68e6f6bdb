#include "http/body_json.h"

#include <charconv>

#include "http/utf8.h"

namespace zx::http {

using nlohmann::json;

Result<json> JsonObject(std::string_view body, std::string_view example) {
  if (FindInvalidUtf8(body)) return InvalidArgument("request body is not valid UTF-8");
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return InvalidArgument("request body is not valid JSON; send e.g. " + std::string(example));
  if (!j.is_object())
    return InvalidArgument("request body must be a JSON object like " + std::string(example));
  return j;
}

Result<std::string> StringField(const json& j, const char* name, size_t min, size_t max,
                                bool optional) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (optional) return std::string();
    return InvalidArgument(std::string("field \"") + name + "\" is required");
  }
  if (!it->is_string())
    return InvalidArgument(std::string("field \"") + name + "\" must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() < min || s.size() > max)
    return InvalidArgument(std::string("field \"") + name + "\" must be " + std::to_string(min) +
                           "-" + std::to_string(max) + " bytes long");
  return s;
}

Result<int64_t> IntParam(const Request& req, std::string_view name, int64_t fallback, int64_t min,
                         int64_t max) {
  auto v = req.Query(name);
  if (!v) return fallback;
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || out < min || out > max)
    return InvalidArgument("query parameter " + std::string(name) + " must be a whole number " +
                           std::to_string(min) + "-" + std::to_string(max));
  return out;
}

Result<int64_t> IdParam(const Request& req, std::string_view name, std::string_view what) {
  std::string_view text = req.PathParam(name);
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1)
    return InvalidArgument("the " + std::string(what) + " id must be a whole number");
  return id;
}

}  // namespace zx::http
