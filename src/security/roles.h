// Who is acting: roles, scopes and the authenticated principal of a request or command.
//
// Roles are fixed by the product (the policy table in policy.h says what each may do); users
// hold exactly one role. A Scope narrows a department handler (and, optionally, an integration
// client) to one department and, within it, one district; an empty field means "any".
// Plain values, thread-compatible.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace zx::security {

enum class Role {
  kAnonymous,          // a citizen on the open channels (asking, chatting); never a stored user
  kAdmin,              // system administration: users, keys, configuration (no citizen data)
  kSupervisor,         // runs the hotline floor: queues, tickets, campaigns, quality
  kAgent,              // answers calls and chats, creates and works tickets
  kDepartmentHandler,  // works the tickets of one department (and district)
  kAuditor,            // reads and verifies the audit log; nothing else
  kIntegration,        // an API client (integration key), e.g. a department's ticket system
  kEditor,             // keeps the knowledge base (知识库编辑): drafts, reviews others' work
};

inline constexpr std::array<Role, 8> kAllRoles = {
    Role::kAnonymous,         Role::kAdmin,   Role::kSupervisor,  Role::kAgent,
    Role::kDepartmentHandler, Role::kAuditor, Role::kIntegration, Role::kEditor};

// "anonymous", "admin", "supervisor", "agent", "department_handler", "auditor", "integration",
// "editor".
std::string_view RoleName(Role role);
// The inverse of RoleName; nullopt for anything else (case-sensitive).
std::optional<Role> ParseRole(std::string_view name);

// Where a principal may act, or where a resource belongs. Codes are the deployment's own
// (e.g. department "rsj", district "330102"); empty means "any".
struct Scope {
  std::string department;
  std::string district;
  bool operator==(const Scope&) const = default;
};

// True when an actor limited to `actor` may act on a resource in `resource`: each non-empty
// field of `actor` must equal the resource's (an empty resource field never matches a
// non-empty actor field, so an unscoped resource is out of reach of a scoped actor).
bool ScopeCovers(const Scope& actor, const Scope& resource);

// The authenticated identity behind a request or command.
struct Principal {
  enum class Kind { kAnonymous, kUser, kApiClient };
  enum class Via { kNone, kBearerSession, kCookieSession, kApiKey, kCli };
  Kind kind = Kind::kAnonymous;
  Via via = Via::kNone;
  std::string id;            // "u:12" for users, "k:<key id>" for API clients, "" for anonymous
  std::string name;          // login name or API client name; "" for anonymous
  std::string display_name;  // what citizens see of a user (User::display_name); "" for none
  Role role = Role::kAnonymous;
  Scope scope;

  static Principal Anonymous() { return {}; }
  bool authenticated() const { return kind != Kind::kAnonymous; }
};

}  // namespace zx::security
