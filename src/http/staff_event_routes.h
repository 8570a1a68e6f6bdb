// The live event stream of the staff console (one per browser tab): what an agent's or a
// supervisor's screen waits for, as Server-Sent Events, so that it never polls.
//
//   GET /api/v1/staff/events?watch=ID,ID   staff.events
//     event "hello"        {"at_ms"}            first on every connection, also after a drop:
//                                               the screen loads what it shows again (the
//                                               database holds it all; nothing is replayed)
//     event "queue"        {}                   the agents' queue or who holds what changed
//                                               (agent.queue holders only)
//     event "conversation" {"id", "kind"}      a watched conversation changed: "citizen",
//                                               "reply", "agent", "state", "summary", "ended"
//           {"id", "kind": "partial", "text"}  what the caller of a watched phone call is
//                                               saying right now (the recogniser's partial
//                                               text, masked; "" when the utterance ended
//                                               without words); the next "citizen" replaces it
//     event "presence"     {}                   an agent's presence changed (agent.queue)
//     event "ticket"       {"id", "kind", "department"}  a work order's task was marked
//                                               "warned" (预警) or "overdue" (超时): to those
//                                               whose ticket.read covers its department and
//                                               district (a handler hears only her own)
//     event "campaign"     {"id"}               a campaign's figures or state changed: to
//                                               campaign.manage holders, at most once a
//                                               `campaign_every` a campaign (the screen reads
//                                               it again through GET /api/v1/campaigns/{id})
//     ": heartbeat"                             a comment every heartbeat when nothing happened
// Each watched id (at most 10) must be a conversation the caller may read (conversation.read
// on its scope; audited "conversation.watch"); 403/404 otherwise, before the stream starts.
// Events are notices, not data: the screen reads what changed through the audited routes,
// masked as everywhere. The one exception is "partial", which carries its text because there
// is no route to read it from: it is ephemeral (dialogue::CitizenSpeaking, never stored, a few
// a second while the caller speaks, superseded by the stored turn), it goes only to tabs that
// watch the conversation (a watch that passed conversation.read on the conversation's scope
// and was audited as "conversation.watch" when the stream opened), and it is masked
// (text::MaskUnfinishedText: as the transcript is shown without a purpose, and of a number not
// yet whole no more than three digits). Never logged.
// Several nodes: conversation events (partial text too, like the citizen's turns) come from
// the other nodes through ClusterFrames; presence changes, order marks and campaign changes
// through the notifications channel "staff".
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialogue/service.h"
#include "http/conversation_ws.h"
#include "http/router.h"
#include "security/audit.h"
#include "security/roles.h"
#include "storage/notifications.h"

namespace zx::http {

struct StaffEventOptions {
  std::chrono::milliseconds poll{100};  // how often a stream sends what is pending
  std::chrono::milliseconds heartbeat{15000};
  // A campaign's notices to one tab at most this often: a running campaign changes every tick,
  // and each notice costs the screen a read.
  std::chrono::milliseconds campaign_every{1000};
};

class StaffEvents {
 public:
  // `service` must outlive it; `cluster` and `bus` (both null on one node) too.
  StaffEvents(dialogue::DialogueService& service, ClusterFrames* cluster,
              storage::Notifications* bus, StaffEventOptions options = {});
  ~StaffEvents();
  StaffEvents(const StaffEvents&) = delete;
  StaffEvents& operator=(const StaffEvents&) = delete;

  // An agent's presence changed on this node (told to the other nodes too).
  void PresenceChanged();
  // A work order's task was marked 预警 ("warned") or 超时 ("overdue") on this node (told to the
  // other nodes too).
  void TicketMarked(const std::string& order_id, const std::string& kind,
                    const std::string& department, const std::string& district);
  // A campaign's figures or state changed on this node (told to the other nodes too); the
  // engine tells at most once a campaign a tick (campaigns::Campaigns::OnChange).
  void CampaignChanged(const std::string& campaign_id);

  struct Tab;  // one open stream

 private:
  friend void AddStaffEventRoutes(Router& router, StaffEvents& events, security::AuditLog* audit);
  std::shared_ptr<Tab> Open(const security::Principal& who, std::set<std::string> watch);
  std::vector<std::shared_ptr<Tab>> Tabs();
  void Conversation(const std::string& id, const std::string& kind, bool queue_changed);
  void Partial(const std::string& id, const std::string& text);
  void Presence();
  void Ticket(const nlohmann::json& notice);
  void Campaign(const std::string& id);

  dialogue::DialogueService& service_;
  ClusterFrames* cluster_;
  storage::Notifications* bus_;
  const StaffEventOptions options_;
  const std::string origin_;  // this process, to drop its own notifications
  int events_ = 0;
  int frames_ = 0;
  std::mutex mu_;
  std::map<int, std::weak_ptr<Tab>> tabs_;  // guarded by mu_
  int next_ = 0;                            // guarded by mu_
};

// `events` and `audit` (may be null in tests) must outlive the router.
void AddStaffEventRoutes(Router& router, StaffEvents& events, security::AuditLog* audit);

}  // namespace zx::http
