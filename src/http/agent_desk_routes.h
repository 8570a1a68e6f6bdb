// The agent desk's own routes (坐席工作台, beside the conversation routes): presence and the
// desk's reference data.
//
//   GET /api/v1/agent/desk       agent.queue  -> {"canned": [{"code", "title", "text"}],
//                                                 "queues": [{"code", "name"}]}
//   GET /api/v1/agent/presence   agent.queue  -> {"me": {"state", "since_ms"}, "agents":
//        [{"name", "display", "state", "since_ms"}]}: every agent and supervisor account that
//        may hold conversations, online first (for transfers and the supervisor's overview)
//   PUT /api/v1/agent/presence   agent.queue  {"state": "online" | "break" | "offline"} ->
//        {"state", "since_ms"}; audited "agent.presence"; the staff event stream says
//        "presence" to every desk
#pragma once

#include <functional>
#include <vector>

#include "dialogue/desk.h"
#include "dialogue/service.h"
#include "http/router.h"
#include "security/audit.h"
#include "security/users.h"

namespace zx::http {

struct AgentDeskOptions {
  dialogue::DeskData desk;
  // The accounts that may hold conversations (enabled, approved agents and supervisors).
  std::function<Result<std::vector<dialogue::StaffRef>>()> agents;
  // Called after a presence change (StaffEvents::PresenceChanged); may be empty.
  std::function<void()> presence_changed;
};

// The agents of `users` (which must outlive the routes).
std::function<Result<std::vector<dialogue::StaffRef>>()> AgentsOf(security::UserStore& users);

// `presence` and `audit` must outlive the router.
void AddAgentDeskRoutes(Router& router, dialogue::Presence& presence, security::AuditLog& audit,
                        AgentDeskOptions options);

}  // namespace zx::http
