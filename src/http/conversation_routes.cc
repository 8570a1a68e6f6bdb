#include "http/conversation_routes.h"

#include <charconv>

#include "http/dialogue_json.h"
#include "http/errors.h"
#include "http/record_access.h"
#include "text/pii.h"

namespace zx::http {
namespace {

using nlohmann::json;

// The body as a JSON object; an error response when it is not one.
Result<json> ParseObject(const Request& req, bool allow_empty) {
  if (req.body.empty() && allow_empty) return json::object();
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded())
    return InvalidArgument(
        "request body is not valid JSON; send an object like "
        "{\"text\": \"社保卡丢了怎么办\"}");
  if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
  return j;
}

Result<std::string> TextField(const json& j) {
  auto it = j.find("text");
  if (it == j.end()) return InvalidArgument("field \"text\" is required");
  if (!it->is_string()) return InvalidArgument("field \"text\" must be a string");
  return it->get<std::string>();
}

Response Error(const Status& s) {
  return ErrorResponse(s, s.code() == Code::kResourceExhausted ? 413 : HttpStatusFor(s.code()));
}

dialogue::StaffRef Staff(const Request& req) { return {req.principal.id, req.principal.name}; }

// Enough of a view to check the record: no transcript, no summary.
constexpr dialogue::TurnPage kScopeOnly{-1, 1, false};

security::RecordScope ScopeOf(const dialogue::ConversationView& v) {
  return {v.departments, v.districts, v.agent_id};
}

// ?after=SEQ&limit=N, checked.
Result<dialogue::TurnPage> PageOf(const Request& req) {
  dialogue::TurnPage page{-1, 100};
  auto number = [&](std::string_view name, int64_t min, int64_t max, int64_t* out) -> Status {
    auto v = req.Query(name);
    if (!v) return Status::Ok();
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), *out);
    if (ec != std::errc() || end != v->data() + v->size() || *out < min || *out > max)
      return InvalidArgument("query parameter " + std::string(name) + " must be a whole number " +
                             std::to_string(min) + "-" + std::to_string(max));
    return Status::Ok();
  };
  int64_t limit = page.limit;
  ZX_RETURN_IF_ERROR(number("after", -1, INT64_MAX, &page.after_seq));
  ZX_RETURN_IF_ERROR(number("limit", 1, 500, &limit));
  page.limit = static_cast<int>(limit);
  return page;
}

// The citizen's conversation: the token must match (404 otherwise, like an unknown id).
Status CheckCitizen(const dialogue::DialogueService& s, const Request& req, const std::string& id) {
  return s.CheckToken(id, req.Header(kConversationTokenHeader));
}

}  // namespace

Counter& ChannelTurns(Metrics& metrics, std::string_view channel) {
  return metrics
      .AddCounter("zhixian_turns_total",
                  "Citizen turns answered, by channel (api, websocket, voice).", {"channel"})
      .With({channel});
}

json ViewJson(const dialogue::ConversationView& v, Audience audience) {
  const bool staff = audience == Audience::kStaff;
  json turns = json::array();
  for (const auto& t : v.turns) {
    json turn = {
        {"seq", t.seq}, {"role", t.role}, {"text", text::MaskText(t.text)}, {"at_ms", t.at_ms}};
    if (!t.meta.empty()) {
      json meta = json::parse(t.meta, nullptr, false);
      if (!staff && meta.is_object()) meta.erase("agent");
      turn["meta"] = std::move(meta);
    }
    turns.push_back(std::move(turn));
  }
  json out = {{"id", v.id},
              {"channel", v.channel},
              {"state", v.state},
              {"topic", v.topic ? json(*v.topic) : json(nullptr)},
              {"slots", ToJson(v.slots)},
              {"emotion", ToJson(v.emotion)},
              {"queue_position", v.queue_position},
              {"turns", turns},
              {"turns_total", v.turns_total},
              {"next_after", v.next_after >= 0 ? json(v.next_after) : json(nullptr)},
              // The summary as made; an agent's correction (with who made it) is for staff.
              {"summary", ToJson(v.summary)}};
  if (staff) {
    out["agent"] = v.agent.empty() ? json(nullptr) : json(v.agent);
    out["agent_id"] = v.agent_id.empty() ? json(nullptr) : json(v.agent_id);
    out["departments"] = v.departments;
    out["districts"] = v.districts;
    out["summary_corrected"] = v.summary_corrected.empty()
                                   ? json(nullptr)
                                   : json::parse(v.summary_corrected, nullptr, false);
  } else {
    out["agent"] = nullptr;  // citizens are told a person answers, never which login
  }
  return out;
}

void AddConversationRoutes(Router& router, dialogue::DialogueService& service, Metrics& metrics,
                           security::AuditLog* audit) {
  auto& turns = metrics.AddCounter("zhixian_dialogue_turns_total",
                                   "Citizen turns, by outcome of the reply.", {"outcome"});
  auto& handoffs =
      metrics.AddCounter("zhixian_dialogue_handoffs_total",
                         "Conversations handed over to agents, by reason.", {"reason"});
  Counter& api_turns = ChannelTurns(metrics, "api");
  dialogue::DialogueService* s = &service;
  auto guard = std::make_shared<const RecordGuard>(audit);

  // --- citizens ------------------------------------------------------------------------------
  router.Add("POST", "/api/v1/conversations", "chat", [s](const Request& req) {
    auto body = ParseObject(req, true);
    if (!body.ok()) return Error(body.status());
    std::string channel = body->value("channel", "web");
    if (channel.size() > 32) return Error(InvalidArgument("channel is too long"));
    auto v = s->Start(channel);
    if (!v.ok()) return Error(v.status());
    json out = ViewJson(*v, Audience::kCitizen);
    out["token"] = v->token;
    return Response::Json(201, out);
  });
  router.Add("GET", "/api/v1/conversations/{id}", "conversation.own", [s](const Request& req) {
    std::string id(req.PathParam("id"));
    if (Status t = CheckCitizen(*s, req, id); !t.ok()) return Error(t);
    auto page = PageOf(req);
    if (!page.ok()) return Error(page.status());
    auto v = s->Get(id, *page);
    if (!v.ok()) return Error(v.status());
    return Response::Json(200, ViewJson(*v, Audience::kCitizen));
  });
  router.Add("POST", "/api/v1/conversations/{id}/messages", "conversation.own",
             [s, &turns, &handoffs, &api_turns](const Request& req) {
               std::string id(req.PathParam("id"));
               if (Status t = CheckCitizen(*s, req, id); !t.ok()) return Error(t);
               auto body = ParseObject(req, false);
               if (!body.ok()) return Error(body.status());
               auto text = TextField(*body);
               if (!text.ok()) return Error(text.status());
               auto r = s->Say(id, *text);
               if (!r.ok()) return Error(r.status());
               turns.With({r->handoff ? "handoff" : !r->topic ? "asked_back" : "answered"}).Inc();
               api_turns.Inc();
               if (r->handoff) handoffs.With({r->handoff_reason.value_or("other")}).Inc();
               return Response::Json(200, ToJson(*r));
             });
  router.Add("POST", "/api/v1/conversations/{id}/end", "conversation.own", [s](const Request& req) {
    std::string id(req.PathParam("id"));
    if (Status t = CheckCitizen(*s, req, id); !t.ok()) return Error(t);
    auto r = s->End(id);
    if (!r.ok()) return Error(r.status());
    return Response::Json(200, {{"summary", ToJson(*r)}});
  });

  // --- staff ---------------------------------------------------------------------------------
  router.Add("GET", "/api/v1/agent/queue", "agent.queue", [s](const Request&) {
    json queue = json::array();
    for (const auto& item : s->Queue())
      queue.push_back({{"id", item.id},
                       {"position", item.position},
                       {"waiting_since_ms", item.waiting_since_ms},
                       {"reason", item.reason},
                       {"summary", ToJson(item.summary)},
                       {"slots", ToJson(item.slots)},
                       {"key_missing", item.key_missing}});
    return Response::Json(200, {{"queue", queue}});
  });
  router.Add("GET", "/api/v1/agent/conversations/{id}", "conversation.read",
             [s, guard](const Request& req) {
               std::string id(req.PathParam("id"));
               auto page = PageOf(req);
               if (!page.ok()) return Error(page.status());
               auto v = s->Get(id, *page);
               if (!v.ok()) return Error(v.status());
               Status ok = guard->Check(req, "conversation.read", ScopeOf(*v), "conversation", id,
                                        "conversation.read");
               if (!ok.ok()) return Error(ok);
               return Response::Json(200, ViewJson(*v, Audience::kStaff));
             });
  // Taking a waiting conversation, or taking over one another agent holds (supervisors).
  auto take = [s, guard](bool takeover) {
    return [s, guard, takeover](const Request& req) {
      std::string id(req.PathParam("id"));
      auto before = s->Get(id, kScopeOnly);
      if (!before.ok()) return Error(before.status());
      Status ok =
          guard->Record(req, takeover ? "conversation.takeover" : "conversation.take",
                        "conversation", id, json{{"previous_holder", before->agent_id}}.dump());
      if (!ok.ok()) return Error(ok);
      auto v = s->Take(id, Staff(req), takeover);
      if (!v.ok()) return Error(v.status());
      return Response::Json(200, ViewJson(*v, Audience::kStaff));
    };
  };
  router.Add("POST", "/api/v1/agent/conversations/{id}/take", "agent.queue", take(false));
  router.Add("POST", "/api/v1/agent/conversations/{id}/takeover", "conversation.takeover",
             take(true));
  router.Add("POST", "/api/v1/agent/conversations/{id}/messages", "conversation.write",
             [s, guard](const Request& req) {
               std::string id(req.PathParam("id"));
               auto body = ParseObject(req, false);
               if (!body.ok()) return Error(body.status());
               auto text = TextField(*body);
               if (!text.ok()) return Error(text.status());
               auto v = s->Get(id, kScopeOnly);
               if (!v.ok()) return Error(v.status());
               Status ok = guard->Check(req, "conversation.write", ScopeOf(*v), "conversation", id);
               if (!ok.ok()) return Error(ok);
               Status st = s->AgentSay(id, Staff(req), *text);
               if (!st.ok()) return Error(st);
               Response r;
               r.status = 204;
               return r;
             });
  router.Add("PUT", "/api/v1/agent/conversations/{id}/summary", "conversation.write",
             [s, guard](const Request& req) {
               std::string id(req.PathParam("id"));
               auto body = ParseObject(req, false);
               if (!body.ok()) return Error(body.status());
               auto v = s->Get(id, kScopeOnly);
               if (!v.ok()) return Error(v.status());
               Status ok = guard->Check(req, "conversation.write", ScopeOf(*v), "conversation", id,
                                        "conversation.summary_correct");
               if (!ok.ok()) return Error(ok);
               Status st = s->CorrectSummary(id, Staff(req), body->dump());
               if (!st.ok()) return Error(st);
               Response r;
               r.status = 204;
               return r;
             });
}

}  // namespace zx::http
