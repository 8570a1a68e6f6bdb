#include "http/staff_event_routes.h"

#include <map>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "http/errors.h"
#include "http/record_access.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/policy.h"
#include "text/pii.h"

namespace zx::http {

using nlohmann::json;

struct StaffEvents::Tab {
  using Steady = std::chrono::steady_clock;
  const security::Principal who;  // as the stream was opened
  const bool agent;               // holds agent.queue: hears the queue and presence
  const bool campaigns;           // holds campaign.manage: hears campaigns
  const std::set<std::string> watch;
  std::mutex mu;
  std::string pending;  // SSE text not yet sent; guarded by mu
  bool queue = false;   // coalesced notices; guarded by mu
  bool presence = false;
  std::set<std::string> changed;                   // campaigns to tell; guarded by mu
  std::map<std::string, Steady::time_point> told;  // when each was last told; guarded by mu

  Tab(const security::Principal& p, std::set<std::string> w)
      : who(p),
        agent(security::AllowedOn(p, "agent.queue", {})),
        campaigns(security::AllowedOn(p, "campaign.manage", {})),
        watch(std::move(w)) {}
  // What to send now ("" nothing), and nothing pending afterwards but the campaigns told less
  // than `campaign_every` ago (they follow once it has passed: the last change is never lost).
  std::string Take(std::chrono::milliseconds campaign_every) {
    std::lock_guard lock(mu);
    std::string out = std::move(pending);
    pending.clear();
    if (queue) out += SseEvent("queue", "{}");
    if (presence) out += SseEvent("presence", "{}");
    queue = presence = false;
    const auto now = Steady::now();
    for (auto it = changed.begin(); it != changed.end();) {
      auto last = told.find(*it);
      if (last != told.end() && now - last->second < campaign_every) {
        ++it;
        continue;
      }
      out += SseEvent("campaign", nlohmann::json{{"id", *it}}.dump());
      told[*it] = now;
      it = changed.erase(it);
    }
    return out;
  }
};

namespace {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The kind of change a dialogue event is for a screen that shows the conversation, and whether
// it changes the queue or who holds what.
std::pair<std::string, bool> KindOf(const dialogue::Event& event) {
  using namespace dialogue;
  if (std::holds_alternative<CitizenSaid>(event)) return {"citizen", false};
  if (const auto* e = std::get_if<TurnAnswered>(&event)) return {"reply", e->reply.handoff};
  if (std::holds_alternative<HandedOver>(event)) return {"state", true};
  if (std::holds_alternative<StateChanged>(event)) return {"state", true};
  if (std::holds_alternative<AgentSaid>(event)) return {"agent", false};
  if (std::holds_alternative<ConversationEnded>(event)) return {"ended", true};
  if (std::holds_alternative<SummaryReady>(event)) return {"summary", false};
  return {"", false};
}

}  // namespace

StaffEvents::StaffEvents(dialogue::DialogueService& service, ClusterFrames* cluster,
                         storage::Notifications* bus, StaffEventOptions options)
    : service_(service),
      cluster_(cluster),
      bus_(bus),
      options_(options),
      origin_(security::HexEncode(security::RandomBytes(8))) {
  events_ = service_.Subscribe("", [this](const dialogue::Event& event) {
    if (const auto* e = std::get_if<dialogue::CitizenSpeaking>(&event))
      return Partial(e->conversation_id, e->text);
    auto [kind, queue] = KindOf(event);
    if (!kind.empty()) Conversation(dialogue::ConversationOf(event), kind, queue);
  });
  // Another node's conversations: the chat frames it published (ClusterFrames).
  if (cluster_)
    frames_ = cluster_->SubscribeAll([this](const std::string& id, const json& frame) {
      const std::string type = frame.value("type", "");
      if (type == "citizen" || type == "agent" || type == "summary")
        Conversation(id, type, type == "summary");
      else if (type == "reply")
        Conversation(id, "reply", frame.value("handoff", false));
      else if (type == "state")
        Conversation(id, "state", true);
      else if (type == "partial" && frame.contains("text") && frame["text"].is_string())
        Partial(id, frame["text"].get<std::string>());
    });
  if (bus_)
    bus_->Listen("staff", [this](const std::string& payload) {
      json m = json::parse(payload, nullptr, false);
      if (!m.is_object() || m.value("origin", "") == origin_) return;
      if (m.value("kind", "") == "presence") Presence();
      if (m.value("kind", "") == "ticket" && m.contains("ticket")) Ticket(m["ticket"]);
      if (m.value("kind", "") == "campaign") Campaign(m.value("campaign", ""));
    });
}

StaffEvents::~StaffEvents() {
  if (bus_) bus_->Listen("staff", {});
  if (cluster_) cluster_->Unsubscribe(frames_);
  service_.Unsubscribe(events_);
}

std::shared_ptr<StaffEvents::Tab> StaffEvents::Open(const security::Principal& who,
                                                    std::set<std::string> watch) {
  auto tab = std::make_shared<Tab>(who, std::move(watch));
  std::lock_guard lock(mu_);
  for (auto it = tabs_.begin(); it != tabs_.end();)  // streams that ended
    it = it->second.expired() ? tabs_.erase(it) : std::next(it);
  tabs_[++next_] = tab;
  return tab;
}

std::vector<std::shared_ptr<StaffEvents::Tab>> StaffEvents::Tabs() {
  std::vector<std::shared_ptr<Tab>> tabs;
  std::lock_guard lock(mu_);
  for (const auto& [n, weak] : tabs_)
    if (auto t = weak.lock()) tabs.push_back(std::move(t));
  return tabs;
}

void StaffEvents::Conversation(const std::string& id, const std::string& kind, bool queue_changed) {
  std::vector<std::shared_ptr<Tab>> tabs = Tabs();
  const std::string notice = SseEvent("conversation", Dump({{"id", id}, {"kind", kind}}));
  for (const auto& t : tabs) {
    const bool watched = t->watch.contains(id);
    if (!watched && !(queue_changed && t->agent)) continue;
    std::lock_guard lock(t->mu);
    if (watched) t->pending += notice;
    if (queue_changed && t->agent) t->queue = true;
  }
}

// Only to tabs that watch the conversation: their watch passed conversation.read on its scope
// and was audited when the stream opened. Masked as the transcript is without a purpose, and a
// number still being said shows no more than its first three digits (MaskUnfinishedText).
void StaffEvents::Partial(const std::string& id, const std::string& text) {
  std::string event;  // made once, for the first tab that watches
  for (const auto& t : Tabs()) {
    if (!t->watch.contains(id)) continue;
    if (event.empty())
      event = SseEvent(
          "conversation",
          Dump({{"id", id}, {"kind", "partial"}, {"text", text::MaskUnfinishedText(text)}}));
    std::lock_guard lock(t->mu);
    t->pending += event;
  }
}

void StaffEvents::Presence() {
  for (const auto& t : Tabs())
    if (t->agent) {
      std::lock_guard tab_lock(t->mu);
      t->presence = true;
    }
}

// Only to tabs whose ticket.read covers the task's department and the order's district.
void StaffEvents::Ticket(const json& notice) {
  security::RecordScope scope;
  scope.departments = {notice.value("department", "")};
  if (const std::string d = notice.value("district", ""); !d.empty()) scope.districts = {d};
  const std::string event =
      SseEvent("ticket", Dump({{"id", notice.value("id", "")},
                               {"kind", notice.value("kind", "")},
                               {"department", notice.value("department", "")}}));
  for (const auto& t : Tabs())
    if (security::AllowedOn(t->who, "ticket.read", scope)) {
      std::lock_guard tab_lock(t->mu);
      t->pending += event;
    }
}

void StaffEvents::TicketMarked(const std::string& order_id, const std::string& kind,
                               const std::string& department, const std::string& district) {
  json notice = {
      {"id", order_id}, {"kind", kind}, {"department", department}, {"district", district}};
  Ticket(notice);
  if (!bus_) return;
  if (Status s = bus_->Publish("staff",
                               Dump({{"origin", origin_}, {"kind", "ticket"}, {"ticket", notice}}));
      !s.ok())
    log::Warn("staff.ticket_not_published error=\"{}\"", s.message());
}

void StaffEvents::Campaign(const std::string& id) {
  if (id.empty()) return;
  for (const auto& t : Tabs())
    if (t->campaigns) {
      std::lock_guard tab_lock(t->mu);
      t->changed.insert(id);
    }
}

void StaffEvents::CampaignChanged(const std::string& campaign_id) {
  Campaign(campaign_id);
  if (!bus_) return;
  if (Status s = bus_->Publish(
          "staff", Dump({{"origin", origin_}, {"kind", "campaign"}, {"campaign", campaign_id}}));
      !s.ok())
    log::Warn("staff.campaign_not_published error=\"{}\"", s.message());
}

void StaffEvents::PresenceChanged() {
  Presence();
  if (!bus_) return;
  if (Status s = bus_->Publish("staff", Dump({{"origin", origin_}, {"kind", "presence"}})); !s.ok())
    log::Warn("staff.presence_not_published error=\"{}\"", s.message());
}

void AddStaffEventRoutes(Router& router, StaffEvents& events, security::AuditLog* audit) {
  auto guard = std::make_shared<const RecordGuard>(audit);
  router.Add("GET", "/api/v1/staff/events", "staff.events", [&events, guard](const Request& req) {
    std::set<std::string> watch;
    if (auto w = req.Query("watch"); w && !w->empty()) {
      size_t from = 0;
      while (from <= w->size()) {
        size_t comma = w->find(',', from);
        std::string id(w->substr(from, comma == std::string_view::npos ? w->npos : comma - from));
        if (!id.empty()) watch.insert(id.substr(0, 128));
        if (comma == std::string_view::npos) break;
        from = comma + 1;
      }
    }
    constexpr size_t kMaxWatched = 10;
    if (watch.size() > kMaxWatched)
      return ErrorResponse(InvalidArgument("watch at most 10 conversations in one stream"));
    for (const auto& id : watch) {
      auto v = events.service_.Get(id, {-1, 1, false});
      if (!v.ok()) return ErrorResponse(v.status());
      Status ok =
          guard->Check(req, "conversation.read", {v->departments, v->districts, v->agent_id},
                       "conversation", id, "conversation.watch");
      if (!ok.ok()) return ErrorResponse(ok);
    }
    auto tab = events.Open(req.principal, std::move(watch));
    auto stream = std::make_shared<EventStream>();
    stream->every = events.options_.poll;
    const int64_t poll_ms = events.options_.poll.count();
    const int64_t heartbeat_ms = events.options_.heartbeat.count();
    stream->next = [tab, quiet_ms = int64_t{-1}, poll_ms, heartbeat_ms,
                    campaign_every =
                        events.options_.campaign_every]() mutable -> std::optional<std::string> {
      if (quiet_ms < 0) {  // the first call: the screen loads again what it shows
        quiet_ms = 0;
        return SseEvent("hello",
                        Dump({{"at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count()}}));
      }
      std::string out = tab->Take(campaign_every);
      if (!out.empty()) {
        quiet_ms = 0;
      } else if ((quiet_ms += poll_ms) >= heartbeat_ms) {
        out = SseComment("heartbeat");
        quiet_ms = 0;
      }
      return out;
    };
    Response r = Response::Stream(std::move(stream));
    r.headers.emplace_back("X-Accel-Buffering", "no");  // a reverse proxy must not hold events
    return r;
  });
}

}  // namespace zx::http
