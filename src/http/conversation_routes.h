// Conversation and agent routes over the dialogue service (the REST side of the web chat; the
// WebSocket is in conversation_ws).
//
// Citizens reach their own conversation with the token they got when it started (header
// X-Conversation-Token), never with the id alone: ids appear in logs and in the audit log, the
// token nowhere. A wrong or missing token answers 404 like an unknown id. What citizens see is
// masked (phone and ID numbers) and names no staff login.
// Staff routes check the record (http/record_access.h): its departments and districts for
// department handlers, its holder for writes; every read of a transcript is audited with the
// conversation id as object id.
//
//   POST /api/v1/conversations                        chat                   → 201 view + token
//   GET  /api/v1/conversations/{id}                   conversation.own       → view (masked)
//   POST /api/v1/conversations/{id}/messages          conversation.own       → reply
//   POST /api/v1/conversations/{id}/end               conversation.own       → {"summary"}
//   GET  /api/v1/agent/queue                          agent.queue            → {"queue": [...]}
//   GET  /api/v1/agent/conversations/{id}             conversation.read      → view (masked)
//   POST /api/v1/agent/conversations/{id}/take        agent.queue            → view
//   POST /api/v1/agent/conversations/{id}/takeover    conversation.takeover  → view
//   POST /api/v1/agent/conversations/{id}/messages    conversation.write     → 204 (holder only)
//   PUT  /api/v1/agent/conversations/{id}/summary     conversation.write     → 204 (holder only)
// Views page the transcript: ?after=SEQ&limit=N (default 100, at most 500); "next_after" is
// the `after` of the next page, null on the last.
#pragma once

#include <nlohmann/json.hpp>

#include "base/metrics.h"
#include "dialogue/service.h"
#include "http/router.h"
#include "security/audit.h"

namespace zx::http {

inline constexpr std::string_view kConversationTokenHeader = "X-Conversation-Token";

// zhixian_turns_total{channel}: citizen turns answered, by the way they came in: "api" (these
// routes), "websocket" (the chat page, conversation_ws.h), "voice" (calls; counted by app from
// the dialogue's events). One family for every channel, so a dashboard sums or splits them.
Counter& ChannelTurns(Metrics& metrics, std::string_view channel);

// `audit` (may be null in tests) records staff reads and refusals.
void AddConversationRoutes(Router& router, dialogue::DialogueService& service, Metrics& metrics,
                           security::AuditLog* audit = nullptr);

// Who a view is for: the citizen (masked, no staff names, no staff corrections) or staff
// (masked transcript, holder and correction shown).
enum class Audience { kCitizen, kStaff };
nlohmann::json ViewJson(const dialogue::ConversationView& view, Audience audience);

}  // namespace zx::http
