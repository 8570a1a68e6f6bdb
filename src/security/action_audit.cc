#include "security/action_audit.h"

#include <nlohmann/json.hpp>

#include "security/policy.h"

namespace zx::security {

Status AppendPermittedAction(AuditLog& log, AuditEvent event, std::string_view permission) {
  using nlohmann::json;
  if (!FindPermission(permission))
    return Internal("permission " + std::string(permission) + " is not in the policy table");
  json details = json::parse(event.details_json, nullptr, /*allow_exceptions=*/false);
  if (!details.is_object()) details = json::object();
  details["permission"] = permission;
  event.details_json = details.dump(-1, ' ', false, json::error_handler_t::replace);
  return log.Append(std::move(event)).status();
}

}  // namespace zx::security
