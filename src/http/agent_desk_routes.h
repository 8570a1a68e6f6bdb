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
//   POST /api/v1/agent/cards/brief  agent.queue  {"topic", "question"} -> {"topic", "title",
//        "brief", "written_by"}: a pushed entry in a few sentences for the citizen's words,
//        written by a language model and checked like every model text (docs/llm.md);
//        404 for an unknown topic; 503 "unavailable" when none was written (no engine for
//        [llm] push_cards, every engine out, or the checker refused it): the card stands as it is.
//        GET /api/v1/agent/desk says "briefs": true when the route can write at all.
#pragma once

#include <functional>
#include <vector>

#include "dialogue/desk.h"
#include "dialogue/service.h"
#include "http/router.h"
#include "knowledge/engine.h"
#include "knowledge/written_assistant.h"
#include "security/audit.h"
#include "security/users.h"

namespace zx::http {

struct AgentDeskOptions {
  dialogue::DeskData desk;
  // The accounts that may hold conversations (enabled, approved agents and supervisors).
  std::function<Result<std::vector<dialogue::StaffRef>>()> agents;
  // Called after a presence change (StaffEvents::PresenceChanged); may be empty.
  std::function<void()> presence_changed;
  // The entries of today's knowledge base, and the brief of one for the citizen's words
  // (nullopt: none written). Without `brief`, the brief route answers 503.
  std::function<std::shared_ptr<const knowledge::KnowledgeEngine>()> current;
  std::function<std::optional<knowledge::WrittenText>(std::string_view question,
                                                      const knowledge::Entry& entry)>
      brief;
};

// The agents of `users` (which must outlive the routes).
std::function<Result<std::vector<dialogue::StaffRef>>()> AgentsOf(security::UserStore& users);

// `presence` and `audit` must outlive the router.
void AddAgentDeskRoutes(Router& router, dialogue::Presence& presence, security::AuditLog& audit,
                        AgentDeskOptions options);

}  // namespace zx::http
