#include "security/policy.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>

namespace zx::security {
namespace {

constexpr uint32_t Bit(Role r) { return 1u << static_cast<int>(r); }
constexpr uint32_t Of(std::initializer_list<Role> roles) {
  uint32_t m = 0;
  for (Role r : roles) m |= Bit(r);
  return m;
}

using R = Role;
constexpr uint32_t kStaff = Of({R::kAdmin, R::kSupervisor, R::kAgent, R::kDepartmentHandler,
                                R::kAuditor, R::kIntegration, R::kEditor});

// THE policy table. Keep it sorted by area; every route and command names one of these.
constexpr std::array kTable = {
    // Citizen-facing, open to anyone.
    PolicyRule{"kb.read", "read knowledge entries and their citations", true, 0, 0},
    PolicyRule{"ask", "ask a question and get an answer", true, 0, 0},
    PolicyRule{"chat", "hold a conversation with the assistant", true, 0, 0},
    PolicyRule{"conversation.own", "a citizen's own conversation, by its conversation token", true,
               0, 0},
    // Open infrastructure: logging in, and the liveness probe.
    PolicyRule{"auth.login", "log in with a name and password (rate-limited, locked out)", true, 0,
               0},
    PolicyRule{"system.health", "liveness and readiness (no data)", true, 0, 0},
    // Every signed-in principal.
    PolicyRule{"session.self", "see one's own identity, log out", false, kStaff, 0},
    // Hotline work.
    PolicyRule{"conversation.read", "read conversations and transcripts (masked)", false,
               Of({R::kSupervisor, R::kAgent, R::kDepartmentHandler}), Of({R::kDepartmentHandler})},
    PolicyRule{"conversation.search",
               "find past conversations by reference number, phone number or date (audited)", false,
               Of({R::kSupervisor, R::kAgent, R::kDepartmentHandler}), Of({R::kDepartmentHandler})},
    PolicyRule{"agent.queue",
               "see the agent queue and take a waiting conversation; one's presence and the "
               "desk's canned replies",
               false, Of({R::kSupervisor, R::kAgent}), 0},
    PolicyRule{"staff.events",
               "the console's live events: queue changes, watched conversations, presence, "
               "work orders' deadlines, campaigns' progress (to campaign.manage holders)",
               false, Of({R::kSupervisor, R::kAgent, R::kDepartmentHandler}), 0},
    PolicyRule{"conversation.write",
               "reply in, close, transfer and correct the summary of a conversation one holds",
               false, Of({R::kSupervisor, R::kAgent}), 0, Of({R::kSupervisor, R::kAgent})},
    PolicyRule{"conversation.takeover", "take over a conversation another agent holds (audited)",
               false, Of({R::kSupervisor}), 0},
    PolicyRule{"callback.work",
               "list the call-back tasks callers left while queued and mark them done (audited)",
               false, Of({R::kSupervisor, R::kAgent}), 0},
    PolicyRule{"ticket.read", "read work orders", false,
               Of({R::kSupervisor, R::kAgent, R::kDepartmentHandler, R::kIntegration}),
               Of({R::kDepartmentHandler, R::kIntegration})},
    PolicyRule{"ticket.write",
               "confirm or correct the auto-filled fields of a work order (topic, place, tier...)",
               false, Of({R::kSupervisor, R::kAgent, R::kDepartmentHandler, R::kIntegration}),
               Of({R::kDepartmentHandler, R::kIntegration})},
    // Work orders, by who does what in DOMAIN.md: the 12345 centre's agents are its
    // dispatchers; departments (handlers, their systems through an integration key) work their
    // own tasks; supervisors decide extensions and can do everything the floor does.
    PolicyRule{"ticket.create", "register a work order (any channel, the agent's form, an API)",
               false, Of({R::kSupervisor, R::kAgent, R::kIntegration}), 0},
    PolicyRule{"ticket.dispatch",
               "dispatch (派单), re-dispatch (改派), uphold a returned task, merge (并单) and undo",
               false, Of({R::kSupervisor, R::kAgent}), 0},
    PolicyRule{
        "ticket.handle",
        "a department's task: accept (签收), return (退单), ask an extension, resolve (办结)",
        false, Of({R::kSupervisor, R::kDepartmentHandler, R::kIntegration}),
        Of({R::kDepartmentHandler, R::kIntegration})},
    PolicyRule{"ticket.extension", "approve or refuse an extension (延期) a department asked for",
               false, Of({R::kSupervisor}), 0},
    PolicyRule{"ticket.visit", "record the return visit (回访): the citizen's answer, or none",
               false, Of({R::kSupervisor, R::kAgent}), 0},
    PolicyRule{"ticket.figures",
               "the rates (响应率, 按时办结率, 解决率, 满意率) and hotspots of work orders; a "
               "department handler's are its own department's",
               false, Of({R::kSupervisor, R::kDepartmentHandler}), Of({R::kDepartmentHandler})},
    PolicyRule{"pii.read_full", "see names, phone and ID numbers, addresses unmasked (audited)",
               false, Of({R::kSupervisor, R::kAgent, R::kDepartmentHandler}),
               Of({R::kDepartmentHandler})},
    PolicyRule{"recording.read", "list call recordings and export one to listen to (audited)",
               false, Of({R::kSupervisor}), 0},
    PolicyRule{"campaign.manage", "create and run outbound campaigns (targets hold personal data)",
               false, Of({R::kSupervisor}), 0},
    // The knowledge base (issue 14): an editor drafts, another person of the team reviews and
    // publishes (an administrator may publish alone, audited); agents test what citizens ask.
    PolicyRule{"kb.edit",
               "write knowledge drafts and phrasings, import policy documents, work the "
               "unanswered questions (citizens' words, masked)",
               false, Of({R::kSupervisor, R::kEditor}), 0},
    PolicyRule{"kb.review",
               "approve, reject and publish submitted knowledge versions (never one's own)", false,
               Of({R::kAdmin, R::kSupervisor, R::kEditor}), 0},
    PolicyRule{"kb.test", "hit test and batch test questions (published, drafts, as of a date)",
               false, Of({R::kAdmin, R::kSupervisor, R::kAgent, R::kEditor}), 0},
    PolicyRule{"kb.manage", "export the knowledge base and read its versions and review queue",
               false, Of({R::kAdmin, R::kSupervisor, R::kEditor}), 0},
    PolicyRule{"stats.read",
               "the dashboard (数据看板): volumes, 智能服务占比, the rates, hotspots, portraits",
               false, Of({R::kSupervisor}), 0},
    PolicyRule{"report.export", "export statistics and work-order reports", false,
               Of({R::kSupervisor}), 0},
    PolicyRule{"metrics.read", "read operational metrics (no personal data)", false,
               Of({R::kAdmin, R::kSupervisor}), 0},
    // System administration (no citizen data).
    PolicyRule{"user.manage", "add, disable and unlock users; reset passwords", false,
               Of({R::kAdmin}), 0},
    PolicyRule{"apikey.manage", "create and revoke integration API keys", false, Of({R::kAdmin}),
               0},
    PolicyRule{"keys.manage", "initialise, rotate and re-encrypt with the data keys", false,
               Of({R::kAdmin}), 0},
    PolicyRule{"config.read", "read the effective configuration and route table (no secrets)",
               false, Of({R::kAdmin}), 0},
    PolicyRule{"retention.run", "run the retention job", false, Of({R::kAdmin}), 0},
    // Audit.
    PolicyRule{"audit.read", "read the audit log: who saw which citizen's data, when, why", false,
               Of({R::kAuditor}), 0},
    PolicyRule{"audit.verify", "verify the audit log's hash chain", false,
               Of({R::kAuditor, R::kAdmin}), 0},
};

}  // namespace

std::span<const PolicyRule> PolicyTable() { return kTable; }

const PolicyRule* FindPermission(Permission permission) {
  for (const auto& r : kTable)
    if (r.permission == permission) return &r;
  return nullptr;
}

bool MayUse(Role role, Permission permission) {
  const PolicyRule* r = FindPermission(permission);
  if (!r) return false;
  return r->open || (r->roles & Bit(role)) != 0;
}

bool Allowed(const Principal& who, Permission permission, const Scope& resource) {
  const PolicyRule* r = FindPermission(permission);
  if (!r) return false;
  if (r->open) return true;
  if (!who.authenticated() || (r->roles & Bit(who.role)) == 0) return false;
  if ((r->scoped_roles & Bit(who.role)) == 0) return true;
  if (who.role == Role::kDepartmentHandler && who.scope.department.empty()) return false;
  return ScopeCovers(who.scope, resource);
}

bool AllowedOn(const Principal& who, Permission permission, const RecordScope& record) {
  const PolicyRule* r = FindPermission(permission);
  if (!r) return false;
  if (r->open) return true;
  if (!who.authenticated() || (r->roles & Bit(who.role)) == 0) return false;
  if ((r->holder_roles & Bit(who.role)) != 0 && (who.id.empty() || record.holder != who.id))
    return false;
  if ((r->scoped_roles & Bit(who.role)) == 0) return true;
  if (who.role == Role::kDepartmentHandler && who.scope.department.empty()) return false;
  auto among = [](const std::string& mine, const std::vector<std::string>& theirs) {
    return mine.empty() || std::find(theirs.begin(), theirs.end(), mine) != theirs.end();
  };
  return among(who.scope.department, record.departments) &&
         among(who.scope.district, record.districts);
}

Status AuthorizeRecord(const Principal& who, Permission permission, const RecordScope& record) {
  const PolicyRule* r = FindPermission(permission);
  if (!r)
    return Internal("permission '" + std::string(permission) + "' is not in the policy table");
  if (AllowedOn(who, permission, record)) return Status::Ok();
  if (!who.authenticated()) return {Code::kUnauthenticated, "log in first"};
  if (!MayUse(who.role, permission))
    return {Code::kPermissionDenied, "your role (" + std::string(RoleName(who.role)) +
                                         ") does not have the permission " +
                                         std::string(permission)};
  if ((r->holder_roles & Bit(who.role)) != 0)
    return {Code::kPermissionDenied, record.holder.empty()
                                         ? "no agent has taken this conversation; take it first"
                                         : "another agent holds this conversation"};
  return {Code::kPermissionDenied, "outside your department or district"};
}

Status Authorize(const Principal& who, Permission permission, const Scope& resource) {
  if (!FindPermission(permission))
    return Internal("permission '" + std::string(permission) + "' is not in the policy table");
  if (Allowed(who, permission, resource)) return Status::Ok();
  if (!who.authenticated()) return {Code::kUnauthenticated, "log in first"};
  if (MayUse(who.role, permission))
    return {Code::kPermissionDenied, "outside your department or district"};
  return {Code::kPermissionDenied, "your role (" + std::string(RoleName(who.role)) +
                                       ") does not have the permission " + std::string(permission)};
}

Status AuthorizeRoute(const Principal& who, Permission permission) {
  if (!FindPermission(permission))
    return Internal("permission '" + std::string(permission) + "' is not in the policy table");
  if (MayUse(who.role, permission) && (who.authenticated() || FindPermission(permission)->open))
    return Status::Ok();
  if (!who.authenticated()) return {Code::kUnauthenticated, "log in first"};
  return {Code::kPermissionDenied, "your role (" + std::string(RoleName(who.role)) +
                                       ") does not have the permission " + std::string(permission)};
}

}  // namespace zx::security
