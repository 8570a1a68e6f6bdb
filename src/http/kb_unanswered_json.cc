#include "http/kb_unanswered_json.h"

#include "http/errors.h"

namespace zx::http {

using nlohmann::json;

json UnansweredClusterJson(const knowledge::UnansweredCluster& c,
                           const std::vector<knowledge::Suggestion>& suggested) {
  json s = json::array();
  for (const auto& x : suggested) s.push_back({{"topic", x.topic}, {"title", x.title}});
  return {{"id", c.id},
          {"label", c.label},
          {"count", c.count},
          {"first_ms", c.first_ms},
          {"last_ms", c.last_ms},
          {"channels", c.channels},
          {"reasons", c.reasons},
          {"examples", c.examples},
          {"suggested", std::move(s)},
          {"status", c.status},
          {"resolution", c.resolution},
          {"entry_id", c.entry_id},
          {"version", c.version},
          {"reason", c.reason},
          {"closed_by", c.closed_by},
          {"closed_ms", c.closed_ms}};
}

json HitsJson(std::string_view since, int days, const std::map<std::string, int64_t>& topics) {
  return {{"since", since}, {"days", days}, {"topics", topics}};
}

Response FieldErrorResponse(const Status& status, std::string_view field) {
  Response r = ErrorResponse(status);
  if (field.empty()) return r;
  json body = json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("error")) return r;
  body["error"]["field"] = field;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

}  // namespace zx::http
