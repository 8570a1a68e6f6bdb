// Record-level authorisation at the edge, in one place. The auth middleware (http/auth.h) has
// already checked that the caller's role may use the route; every handler that reads or writes a
// record then asks RecordGuard::Check with the record's scope (departments, districts, holder),
// which asks the policy table (security::AuthorizeRecord) and records the answer:
//   - refused: an audit entry "record.denied" (object type and id, the permission, why), and
//     the Status to answer (403; 401 for an anonymous caller);
//   - allowed with an `action` (e.g. "conversation.read"): an audit entry with the actor, the
//     object id and the X-Access-Purpose header as purpose, so `GET /api/v1/audit?object_id=ID`
//     answers "who saw this citizen's data, when and why". When that entry cannot be written
//     the answer is 503: no unrecorded read of personal data.
// Thread-safe (the audit log is).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "http/request.h"
#include "security/audit.h"
#include "security/policy.h"

namespace zx::http {

class RecordGuard {
 public:
  // `audit` may be null (tests without an audit log): nothing is recorded.
  explicit RecordGuard(security::AuditLog* audit) : audit_(audit) {}

  Status Check(const Request& request, security::Permission permission,
               const security::RecordScope& record, std::string_view object_type,
               const std::string& object_id, std::string_view action = "",
               std::string details_json = "{}") const;

  // Records an allowed action that needs no scope check of its own (e.g. a take-over, after
  // the route's role check); 503 status when the entry cannot be written.
  Status Record(const Request& request, std::string_view action, std::string_view object_type,
                const std::string& object_id, std::string details_json = "{}") const;

 private:
  security::AuditLog* audit_;
};

}  // namespace zx::http
