// The authorisation policy of zhixian: ONE table, permission -> the roles that hold it.
//
// Every HTTP route and CLI command names the permission it needs; nothing else decides access.
// Citizen-facing permissions (asking, chatting, reading the knowledge base, the citizen's own
// conversation) are open to anyone, without credentials. For department handlers (and
// integration clients with a scope) some permissions hold only within their scope: a handler
// of department "rsj", district "330102" may read a ticket of rsj/330102, not one of another
// department or district.
//
// Two questions, asked at two places:
//   MayUse(role, permission)                     at the route: may this role use it at all?
//   Allowed(principal, permission, resource)     at the data: may this principal act on this
//                                                record (whose department/district is known)?
//   AllowedOn(principal, permission, record)     the same for a record that may belong to
//                                                several departments and is held by one agent
// A scoped principal must also filter lists by its scope (principal.scope). Some permissions
// bind a role to the records it holds (holder_roles): an agent writes only into the
// conversation it took; taking over another agent's conversation is a permission of its own.
//
// Design choices (docs/security.md maps them to 等保 2.0 三员分立 and PIPL): admin manages the
// system but sees no citizen data; auditor reads the audit log and nothing else; full personal
// data (pii.read_full) is for the people who must contact the citizen.
//
// The table is constant data; all functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "security/roles.h"

namespace zx::security {

using Permission = std::string_view;

struct PolicyRule {
  Permission permission;      // "ticket.read"
  std::string_view meaning;   // one line, for docs and `zhixian policy`
  bool open = false;          // anyone, including anonymous citizens
  uint32_t roles = 0;         // bit (1 << int(Role)) per role holding it
  uint32_t scoped_roles = 0;  // subset of roles that hold it only within their scope
  uint32_t holder_roles = 0;  // subset of roles that hold it only on records they hold
};

// A record as the record-level check sees it: where it belongs and who works it. A
// conversation that touched two topics belongs to both departments; an empty list means
// "unknown", which no scoped principal covers.
struct RecordScope {
  std::vector<std::string> departments;
  std::vector<std::string> districts;
  std::string holder;  // Principal::id of the agent holding it; "" when nobody does
};

// The whole table, in a stable order.
std::span<const PolicyRule> PolicyTable();
// The rule for `permission`, or nullptr when there is no such permission.
const PolicyRule* FindPermission(Permission permission);

// May `role` use `permission` at all (ignoring scope)? False for unknown permissions.
bool MayUse(Role role, Permission permission);
// May `who` exercise `permission` on a record belonging to `resource`? For a scoped grant the
// principal's scope must cover `resource` (a department handler always needs a department).
bool Allowed(const Principal& who, Permission permission, const Scope& resource = {});

// May `who` exercise `permission` on `record`? Scoped roles need their department among the
// record's departments and (when they have one) their district among its districts; holder
// roles need to be the record's holder.
bool AllowedOn(const Principal& who, Permission permission, const RecordScope& record);

// Allowed, as a Status for the edge: kUnauthenticated (401) when an anonymous caller needs to
// log in, kPermissionDenied (403) when the caller lacks the right or the scope; kInternal for a
// permission name that is not in the table (a bug in the caller).
Status Authorize(const Principal& who, Permission permission, const Scope& resource = {});
// AllowedOn, as a Status for the edge (the same codes as Authorize; "held by another agent"
// when only the holder may).
Status AuthorizeRecord(const Principal& who, Permission permission, const RecordScope& record);
// Route-level variant of Authorize (MayUse semantics).
Status AuthorizeRoute(const Principal& who, Permission permission);

}  // namespace zx::security
