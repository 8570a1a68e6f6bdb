// The JSON form of knowledge answers, at the edge: the `zhixian ask --json` contract
// (README.md, api/openapi.yaml), written by `POST /api/v1/ask` (knowledge_routes.h) and by the
// CLI's `zhixian ask --json`. knowledge/answer.h holds the value type without any JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "knowledge/answer.h"

namespace zx::http {

// {"question","topic","confidence","answer","citations":[{"id","title","version"}],
//  "alternatives":[{"topic","confidence"}]}; topic is null when asking back, confidences are
// rounded to three decimals.
nlohmann::json ToJson(const knowledge::Answer& answer);

}  // namespace zx::http
