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
//   POST /api/v1/conversations/{id}/end               conversation.own       → {"summary",
//        "reference"} (受理编号)
//   POST /api/v1/conversations/{id}/satisfaction      conversation.own       {"rating"} → 200,
//        after the end, once (409 before the end or when rated)
// A message to an ended conversation starts a new one: 200 with the reply and "conversation":
// {"id", "token"} of the new one, "restarted": true.
//   GET  /api/v1/agent/queue                          agent.queue            → {"queue": [...],
//        "mine": [...]} the waiting conversations and those the caller holds
//   GET  /api/v1/agent/conversations/{id}             conversation.read      → view (masked;
//        opened with X-Access-Purpose for pii.read_full, audited "conversation.read_personal").
//        A citizen turn's meta (staff only): "emotion", "risks" (phrases heard) and, while
//        agents have it, "kb": the knowledge pushed to the agent (topic, title, version, answer,
//        confidence, terms)
//   GET  /api/v1/agent/conversations                  conversation.search    ?reference=
//        &phone=&date=YYYY-MM-DD (China time) | since&until (ms) &limit → {"conversations":
//        [...]} within the caller's scope; audited "conversation.search"
//   POST /api/v1/agent/conversations/{id}/take        agent.queue            → view; 409
//        already_taken when another agent holds it
//   POST /api/v1/agent/conversations/{id}/takeover    conversation.takeover  → view
//   POST /api/v1/agent/conversations/{id}/messages    conversation.write     → 204 (holder only)
//   PUT  /api/v1/agent/conversations/{id}/summary     conversation.write     → 204 (holder only);
//        400 with "field" naming the element that is wrong
//   POST /api/v1/agent/conversations/{id}/close       conversation.write     {"reason"?} →
//        {"summary", "reference"} (holder only; audited)
//   POST /api/v1/agent/conversations/{id}/transfer    conversation.write     {"to_agent":
//        login | "to_queue": name, "reason"} → view (holder only; audited)
// Views page the transcript: ?after=SEQ&limit=N (default 100, at most 500); "next_after" is
// the `after` of the next page, null on the last.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/metrics.h"
#include "dialogue/service.h"
#include "http/router.h"
#include "security/audit.h"
#include "security/users.h"

namespace zx::http {

inline constexpr std::string_view kConversationTokenHeader = "X-Conversation-Token";

// zhixian_turns_total{channel}: citizen turns answered, by the way they came in: "api" (these
// routes), "websocket" (the chat page, conversation_ws.h), "voice" (calls; counted by app from
// the dialogue's events). One family for every channel, so a dashboard sums or splits them.
Counter& ChannelTurns(Metrics& metrics, std::string_view channel);

struct ConversationRouteOptions {
  // The agent a transfer names by login name: an enabled, approved agent or supervisor, with
  // the display name citizens see; not_found otherwise. Unset: transfers go to queues only.
  std::function<Result<dialogue::StaffRef>(std::string_view login)> find_agent;
};

// The options of a deployment: find_agent over its staff accounts (`users` must outlive them).
ConversationRouteOptions ConversationRouteOptionsOver(security::UserStore& users);

// `audit` (may be null in tests) records staff reads and refusals.
void AddConversationRoutes(Router& router, dialogue::DialogueService& service, Metrics& metrics,
                           security::AuditLog* audit = nullptr,
                           ConversationRouteOptions options = {});

// Who a view is for: the citizen (masked, no staff names, no staff corrections), staff
// (masked transcript, holder and correction shown), or staff who opened the personal data with
// a purpose (the transcript as said).
enum class Audience { kCitizen, kStaff, kStaffOpened };
nlohmann::json ViewJson(const dialogue::ConversationView& view, Audience audience);

}  // namespace zx::http
