// The audit entry of an action that exercises a permission of the policy table (policy.h), as
// the command line appends it (HTTP routes get theirs from the auth middleware, http/auth.h).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "security/audit.h"

namespace zx::security {

// Appends `event` with "permission": `permission` added to its details (a JSON object);
// kInternal, appending nothing, when `permission` is not in the policy table.
Status AppendPermittedAction(AuditLog& log, AuditEvent event, std::string_view permission);

}  // namespace zx::security
