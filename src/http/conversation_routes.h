// Conversation and agent routes over the dialogue service (the REST side of the web chat; the
// WebSocket is in conversation_ws). Citizens reach their own conversation by its id, which is an
// unguessable capability; agents need the agent.queue permission.
//
//   POST /api/v1/conversations                      chat              → 201 view
//   GET  /api/v1/conversations/{id}                 conversation.own  → view
//   POST /api/v1/conversations/{id}/messages        conversation.own  → reply
//   POST /api/v1/conversations/{id}/end             conversation.own  → {"summary"}
//   GET  /api/v1/agent/queue                        agent.queue       → {"queue": [...]}
//   GET  /api/v1/agent/conversations/{id}           conversation.read → view (masked)
//   POST /api/v1/agent/conversations/{id}/take      agent.queue       → view
//   POST /api/v1/agent/conversations/{id}/messages  agent.queue       → 204
//   PUT  /api/v1/agent/conversations/{id}/summary   agent.queue       → 204
#pragma once

#include <nlohmann/json.hpp>

#include "base/metrics.h"
#include "dialogue/service.h"
#include "http/router.h"

namespace zx::http {

void AddConversationRoutes(Router& router, dialogue::DialogueService& service, Metrics& metrics);

// The view as JSON; `masked` masks phone and ID numbers in the transcript.
nlohmann::json ViewJson(const dialogue::ConversationView& view, bool masked);

}  // namespace zx::http
