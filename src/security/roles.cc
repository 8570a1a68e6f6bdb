#include "security/roles.h"

namespace zx::security {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAnonymous:
      return "anonymous";
    case Role::kAdmin:
      return "admin";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kAgent:
      return "agent";
    case Role::kDepartmentHandler:
      return "department_handler";
    case Role::kAuditor:
      return "auditor";
    case Role::kIntegration:
      return "integration";
    case Role::kEditor:
      return "editor";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : kAllRoles)
    if (RoleName(r) == name) return r;
  return std::nullopt;
}

bool ScopeCovers(const Scope& actor, const Scope& resource) {
  if (!actor.department.empty() && actor.department != resource.department) return false;
  if (!actor.district.empty() && actor.district != resource.district) return false;
  return true;
}

}  // namespace zx::security
