// The JSON forms of the knowledge base's unanswered questions and hits (knowledge/answer_log.h),
// for http/kb_unanswered_routes.h and api/openapi.yaml ("kb-answers").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "http/request.h"
#include "knowledge/answer_log.h"

namespace zx::http {

// {"id", "label", "count", "first_ms", "last_ms", "channels": {"web": 3}, "reasons":
// {"asked_back": 2}, "examples": [], "suggested": [{"topic", "title"}], "status", "resolution",
// "entry_id", "version", "reason", "closed_by", "closed_ms"} (the last six "" or 0 while open).
nlohmann::json UnansweredClusterJson(const knowledge::UnansweredCluster& cluster,
                                     const std::vector<knowledge::Suggestion>& suggested);

// {"since": "YYYY-MM-DD", "days": N, "topics": {"yb.remote_filing": 12}}
nlohmann::json HitsJson(std::string_view since, int days,
                        const std::map<std::string, int64_t>& topics);

// The JSON error of `status` with "field" naming the request field it is about (the console
// shows it next to that field); without `field`, as ErrorResponse.
Response FieldErrorResponse(const Status& status, std::string_view field);

}  // namespace zx::http
