#include "http/conversation_routes.h"

#include "http/errors.h"
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

std::string Who(const Request& req) {
  return req.principal.name.empty() ? req.principal.id : req.principal.name;
}

}  // namespace

json ViewJson(const dialogue::ConversationView& v, bool masked) {
  json turns = json::array();
  for (const auto& t : v.turns) {
    json turn = {{"seq", t.seq},
                 {"role", t.role},
                 {"text", masked ? text::MaskText(t.text) : t.text},
                 {"at_ms", t.at_ms}};
    if (!t.meta.is_null()) turn["meta"] = t.meta;
    turns.push_back(std::move(turn));
  }
  return {{"id", v.id},
          {"channel", v.channel},
          {"state", v.state},
          {"topic", v.topic ? json(*v.topic) : json(nullptr)},
          {"slots", v.slots},
          {"emotion", v.emotion},
          {"agent", v.agent.empty() ? json(nullptr) : json(v.agent)},
          {"queue_position", v.queue_position},
          {"turns", turns},
          {"summary", v.summary},
          {"summary_corrected", v.summary_corrected}};
}

void AddConversationRoutes(Router& router, dialogue::DialogueService& service, Metrics& metrics) {
  auto& turns = metrics.AddCounter("zhixian_dialogue_turns_total",
                                   "Citizen turns, by outcome of the reply.", {"outcome"});
  auto& handoffs =
      metrics.AddCounter("zhixian_dialogue_handoffs_total",
                         "Conversations handed over to agents, by reason.", {"reason"});
  dialogue::DialogueService* s = &service;

  router.Add("POST", "/api/v1/conversations", "chat", [s](const Request& req) {
    auto body = ParseObject(req, true);
    if (!body.ok()) return Error(body.status());
    std::string channel = body->value("channel", "web");
    if (channel.size() > 32) return Error(InvalidArgument("channel is too long"));
    auto v = s->Start(channel);
    if (!v.ok()) return Error(v.status());
    return Response::Json(201, ViewJson(*v, false));
  });
  router.Add("GET", "/api/v1/conversations/{id}", "conversation.own", [s](const Request& req) {
    auto v = s->Get(std::string(req.PathParam("id")));
    if (!v.ok()) return Error(v.status());
    return Response::Json(200, ViewJson(*v, false));
  });
  router.Add("POST", "/api/v1/conversations/{id}/messages", "conversation.own",
             [s, &turns, &handoffs](const Request& req) {
               auto body = ParseObject(req, false);
               if (!body.ok()) return Error(body.status());
               auto text = TextField(*body);
               if (!text.ok()) return Error(text.status());
               auto r = s->Say(std::string(req.PathParam("id")), *text);
               if (!r.ok()) return Error(r.status());
               bool handoff = r->value("handoff", false);
               turns
                   .With({handoff                   ? "handoff"
                          : (*r)["topic"].is_null() ? "asked_back"
                                                    : "answered"})
                   .Inc();
               if (handoff) handoffs.With({r->value("handoff_reason", "other")}).Inc();
               return Response::Json(200, *r);
             });
  router.Add("POST", "/api/v1/conversations/{id}/end", "conversation.own", [s](const Request& req) {
    auto r = s->End(std::string(req.PathParam("id")));
    if (!r.ok()) return Error(r.status());
    return Response::Json(200, *r);
  });

  router.Add("GET", "/api/v1/agent/queue", "agent.queue", [s](const Request&) {
    json queue = json::array();
    for (const auto& item : s->Queue())
      queue.push_back({{"id", item.id},
                       {"position", item.position},
                       {"waiting_since_ms", item.waiting_since_ms},
                       {"reason", item.reason},
                       {"summary", item.summary},
                       {"slots", item.slots}});
    return Response::Json(200, {{"queue", queue}});
  });
  router.Add("GET", "/api/v1/agent/conversations/{id}", "conversation.read",
             [s](const Request& req) {
               auto v = s->Get(std::string(req.PathParam("id")));
               if (!v.ok()) return Error(v.status());
               return Response::Json(200, ViewJson(*v, true));
             });
  router.Add("POST", "/api/v1/agent/conversations/{id}/take", "agent.queue",
             [s](const Request& req) {
               auto v = s->Take(std::string(req.PathParam("id")), Who(req));
               if (!v.ok()) return Error(v.status());
               return Response::Json(200, ViewJson(*v, true));
             });
  router.Add("POST", "/api/v1/agent/conversations/{id}/messages", "agent.queue",
             [s](const Request& req) {
               auto body = ParseObject(req, false);
               if (!body.ok()) return Error(body.status());
               auto text = TextField(*body);
               if (!text.ok()) return Error(text.status());
               Status st = s->AgentSay(std::string(req.PathParam("id")), Who(req), *text);
               if (!st.ok()) return Error(st);
               Response r;
               r.status = 204;
               return r;
             });
  router.Add("PUT", "/api/v1/agent/conversations/{id}/summary", "agent.queue",
             [s](const Request& req) {
               auto body = ParseObject(req, false);
               if (!body.ok()) return Error(body.status());
               Status st = s->CorrectSummary(std::string(req.PathParam("id")), Who(req), *body);
               if (!st.ok()) return Error(st);
               Response r;
               r.status = 204;
               return r;
             });
}

}  // namespace zx::http
