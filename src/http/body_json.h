// Reading the staff routes' requests (staff_routes.h, admin_routes.h): a JSON object body, its
// string fields, whole-number query parameters and a numeric path id, each with an
// invalid_argument that says what is wrong and never echoes the body (it may hold a password).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/request.h"

namespace zx::http {

// The body as a JSON object; `example` is shown in the error ("send e.g. ...").
Result<nlohmann::json> JsonObject(std::string_view body, std::string_view example);

// Field `name` of `j` as a string of min..max bytes; absent or null is "" when `optional`.
Result<std::string> StringField(const nlohmann::json& j, const char* name, size_t min, size_t max,
                                bool optional = false);

// Query parameter `name` as a whole number in min..max; `fallback` when absent.
Result<int64_t> IntParam(const Request& req, std::string_view name, int64_t fallback, int64_t min,
                         int64_t max);

// Path parameter `name` as a positive whole number (a user id); `what` names it in the error.
Result<int64_t> IdParam(const Request& req, std::string_view name, std::string_view what);

}  // namespace zx::http
