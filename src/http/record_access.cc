#include "http/record_access.h"

#include <nlohmann/json.hpp>

#include "http/auth.h"
#include "http/auth_rate_limiter.h"

namespace zx::http {

Status RecordGuard::Record(const Request& request, std::string_view action,
                           std::string_view object_type, const std::string& object_id,
                           std::string details_json) const {
  if (!audit_) return Status::Ok();
  security::AuditEvent e = security::AuditEventBy(request.principal, std::string(action),
                                                  std::string(object_type), object_id);
  e.purpose = AccessPurpose(request);
  e.remote = std::string(ClientAddress(request.remote_address));
  e.details_json = std::move(details_json);
  auto appended = audit_->Append(std::move(e));
  if (!appended.ok())
    return Unavailable("the access could not be recorded in the audit log; try again");
  return Status::Ok();
}

Status RecordGuard::Check(const Request& request, security::Permission permission,
                          const security::RecordScope& record, std::string_view object_type,
                          const std::string& object_id, std::string_view action,
                          std::string details_json) const {
  Status allowed = security::AuthorizeRecord(request.principal, permission, record);
  if (!allowed.ok()) {
    if (request.principal.authenticated()) {
      nlohmann::json details = {{"permission", permission}, {"reason", allowed.message()}};
      Status recorded =
          Record(request, "record.denied", object_type, object_id,
                 details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      if (!recorded.ok()) return recorded;
    }
    return allowed;
  }
  if (!action.empty())
    return Record(request, action, object_type, object_id, std::move(details_json));
  return Status::Ok();
}

}  // namespace zx::http
