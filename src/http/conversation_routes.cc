#include "http/conversation_routes.h"

#include <charconv>
#include <chrono>

#include "security/policy.h"

#include "http/auth.h"
#include "http/dialogue_json.h"
#include "http/errors.h"
#include "http/record_access.h"
#include "http/utf8.h"
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
  Response res =
      ErrorResponse(s, s.code() == Code::kResourceExhausted ? 413 : HttpStatusFor(s.code()));
  // A message that names the field it is about ('field "诉求类型" must be ...') says so in the
  // body too, for forms to mark the field.
  constexpr std::string_view kField = "field \"";
  if (s.code() == Code::kInvalidArgument && s.message().starts_with(kField)) {
    size_t end = s.message().find('"', kField.size());
    json body = json::parse(res.body, nullptr, false);
    if (end != std::string::npos && body.is_object() && body.contains("error")) {
      body["error"]["field"] = s.message().substr(kField.size(), end - kField.size());
      res.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  return res;
}

dialogue::StaffRef Staff(const Request& req) {
  return {req.principal.id, req.principal.name, req.principal.display_name};
}

// Optional string field `name` of at most `max` bytes ("" when absent).
Result<std::string> OptionalString(const json& j, const char* name, size_t max) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return InvalidArgument(std::string("field \"") + name + "\" must be a string");
  if (it->get_ref<const std::string&>().size() > max)
    return InvalidArgument(std::string("field \"") + name + "\" is too long");
  return it->get<std::string>();
}

// ?date=YYYY-MM-DD as [since, until) in China Standard Time (UTC+8).
Result<std::pair<int64_t, int64_t>> DayRange(std::string_view date) {
  int y = 0;
  unsigned m = 0, d = 0;
  auto num = [&](size_t at, size_t len, auto* out) {
    auto [end, ec] = std::from_chars(date.data() + at, date.data() + at + len, *out);
    return ec == std::errc() && end == date.data() + at + len;
  };
  using namespace std::chrono;
  if (date.size() != 10 || date[4] != '-' || date[7] != '-' || !num(0, 4, &y) || !num(5, 2, &m) ||
      !num(8, 2, &d) || !year_month_day(year(y), month(m), day(d)).ok())
    return InvalidArgument("field \"date\" must be a date like 2026-12-05");
  const int64_t start =
      duration_cast<milliseconds>(sys_days(year_month_day(year(y), month(m), day(d))) - hours(8) -
                                  sys_days())
          .count();
  return std::pair<int64_t, int64_t>{start, start + 24 * 3600 * 1000};
}

// The 受理编号 of an ended conversation ("" when it cannot be read).
std::string ReferenceOf(const dialogue::DialogueService& s, const std::string& id) {
  auto v = s.Get(id, dialogue::TurnPage{-1, 1, false});
  return v.ok() ? v->reference : "";
}

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
  const bool staff = audience != Audience::kCitizen;
  json turns = json::array();
  for (const auto& t : v.turns) {
    json turn = {{"seq", t.seq},
                 {"role", t.role},
                 {"text", audience == Audience::kStaffOpened ? t.text : text::MaskText(t.text)},
                 {"at_ms", t.at_ms}};
    // A citizen turn's meta (the feeling and risks heard, the knowledge pushed) is for staff.
    if (!t.meta.empty() && (staff || t.role != "citizen")) {
      json meta = json::parse(t.meta, nullptr, false);
      // Citizens see the display name an administrator chose (meta "display"), never the login.
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
              {"summary", ToJson(v.summary)},
              {"reference", v.reference.empty() ? json(nullptr) : json(v.reference)},
              {"satisfaction", v.satisfaction.empty() ? json(nullptr) : json(v.satisfaction)}};
  if (staff) {
    out["agent"] = v.agent.empty() ? json(nullptr) : json(v.agent);
    out["agent_id"] = v.agent_id.empty() ? json(nullptr) : json(v.agent_id);
    out["agent_display"] = v.agent_display.empty() ? json(nullptr) : json(v.agent_display);
    out["queue"] = v.queue;
    out["created_ms"] = v.created_ms;
    out["ended_ms"] = v.ended_ms > 0 ? json(v.ended_ms) : json(nullptr);
    out["departments"] = v.departments;
    out["districts"] = v.districts;
    out["summary_corrected"] = v.summary_corrected.empty()
                                   ? json(nullptr)
                                   : json::parse(v.summary_corrected, nullptr, false);
    // The calculator the citizen started: its title and each slot's label, in asking order.
    json labels = json::array();
    for (const auto& [name, label] : v.slot_labels)
      labels.push_back({{"slot", name}, {"label", label}});
    out["calculator"] = v.calculator.empty() ? json(nullptr) : json(v.calculator);
    out["slot_labels"] = std::move(labels);
  } else {
    // Citizens are told a person answers by the display name or 工号, never the login.
    out["agent"] = v.agent_display.empty() ? json(nullptr) : json(v.agent_display);
  }
  return out;
}

void AddConversationRoutes(Router& router, dialogue::DialogueService& service, Metrics& metrics,
                           security::AuditLog* audit, ConversationRouteOptions options) {
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
               auto before = s->Get(id, kScopeOnly);
               if (!before.ok()) return Error(before.status());
               // After the end a message starts a new conversation instead of vanishing.
               if (before->state == dialogue::kEnded) {
                 // A return visit waiting for its verdict takes the message (Say's late reply).
                 if (auto late = s->Say(id, *text); late.ok())
                   return Response::Json(200, ToJson(*late));
                 else if (late.status().code() != Code::kFailedPrecondition)
                   return Error(late.status());
                 auto c = s->Continue(id, *text);
                 if (!c.ok()) return Error(c.status());
                 turns
                     .With({c->reply.handoff  ? "handoff"
                            : !c->reply.topic ? "asked_back"
                                              : "answered"})
                     .Inc();
                 json out = ToJson(c->reply);
                 out["restarted"] = true;
                 out["conversation"] = {{"id", c->started.id}, {"token", c->started.token}};
                 return Response::Json(200, out);
               }
               auto r = s->Say(id, *text);
               if (!r.ok()) return Error(r.status());
               turns.With({r->handoff ? "handoff" : !r->topic ? "asked_back" : "answered"}).Inc();
               api_turns.Inc();
               if (r->handoff) handoffs.With({r->handoff_reason.value_or("other")}).Inc();
               json out = ToJson(*r);
               if (r->state == dialogue::kEnded) out["reference"] = ReferenceOf(*s, id);
               return Response::Json(200, out);
             });
  router.Add("POST", "/api/v1/conversations/{id}/end", "conversation.own", [s](const Request& req) {
    std::string id(req.PathParam("id"));
    if (Status t = CheckCitizen(*s, req, id); !t.ok()) return Error(t);
    auto r = s->End(id);
    if (!r.ok()) return Error(r.status());
    return Response::Json(200, {{"summary", ToJson(*r)}, {"reference", ReferenceOf(*s, id)}});
  });
  router.Add(
      "POST", "/api/v1/conversations/{id}/satisfaction", "conversation.own",
      [s](const Request& req) {
        std::string id(req.PathParam("id"));
        if (Status t = CheckCitizen(*s, req, id); !t.ok()) return Error(t);
        auto body = ParseObject(req, false);
        if (!body.ok()) return Error(body.status());
        auto rating = OptionalString(*body, "rating", 32);
        if (!rating.ok()) return Error(rating.status());
        Status rated = s->Rate(id, *rating);
        if (!rated.ok()) return Error(rated);
        return Response::Json(200, {{"rating", *rating}, {"reference", ReferenceOf(*s, id)}});
      });

  // --- staff ---------------------------------------------------------------------------------
  // The waiting conversations, and those the caller holds ("mine").
  router.Add("GET", "/api/v1/agent/queue", "agent.queue", [s](const Request& req) {
    json queue = json::array();
    for (const auto& item : s->Queue())
      queue.push_back({{"id", item.id},
                       {"position", item.position},
                       {"waiting_since_ms", item.waiting_since_ms},
                       {"reason", item.reason},
                       {"queue", item.queue},
                       {"channel", item.channel},
                       {"emotion", ToJson(item.emotion)},
                       {"summary", ToJson(item.summary)},
                       {"slots", ToJson(item.slots)},
                       {"key_missing", item.key_missing}});
    auto held = s->HeldBy(req.principal.id);
    if (!held.ok()) return Error(held.status());
    json mine = json::array();
    for (const auto& id : *held) {
      auto v = s->Get(id, kScopeOnly);
      if (!v.ok()) continue;  // ended meanwhile
      mine.push_back({{"id", v->id},
                      {"channel", v->channel},
                      {"state", v->state},
                      {"topic", v->topic ? json(*v->topic) : json(nullptr)},
                      {"emotion", ToJson(v->emotion)},
                      {"created_ms", v->created_ms}});
    }
    return Response::Json(200, {{"queue", queue}, {"mine", mine}});
  });
  // Masked; the citizen's words open only for a role holding pii.read_full on the record that
  // says why (X-Access-Purpose), that read audited on its own with the purpose.
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
               const bool open = !TrimBlank(req.Header(kPurposeHeader)).empty() &&
                                 security::AllowedOn(req.principal, "pii.read_full", ScopeOf(*v));
               if (open) {
                 Status recorded = guard->Record(req, "conversation.read_personal", "conversation",
                                                 id, json{{"fields", {"text"}}}.dump());
                 if (!recorded.ok()) return Error(recorded);
               }
               return Response::Json(
                   200, ViewJson(*v, open ? Audience::kStaffOpened : Audience::kStaff));
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
      if (v.status().code() == Code::kAlreadyExists)
        return ErrorResponse(409, "already_taken", v.status().message());
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

  // Past conversations, for the roles that may (conversation.search) and within the caller's
  // scope; one audit entry per search with its criteria (the phone masked) and what it found.
  router.Add(
      "GET", "/api/v1/agent/conversations", "conversation.search", [s, guard](const Request& req) {
        dialogue::ConversationSearch q;
        auto text = [&](std::string_view name) {
          auto v = req.Query(name);
          return v ? std::string(v->substr(0, 64)) : std::string();
        };
        q.reference = text("reference");
        q.phone = text("phone");
        q.ticket = text("ticket");
        auto number = [&](std::string_view name, int64_t min, int64_t max, int64_t* out) -> Status {
          auto v = req.Query(name);
          if (!v) return Status::Ok();
          auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), *out);
          if (ec != std::errc() || end != v->data() + v->size() || *out < min || *out > max)
            return InvalidArgument("field \"" + std::string(name) + "\" must be a whole number " +
                                   std::to_string(min) + "-" + std::to_string(max));
          return Status::Ok();
        };
        int64_t limit = 50;
        for (const Status& st :
             {number("since", 0, INT64_MAX, &q.since_ms),
              number("until", 0, INT64_MAX, &q.until_ms), number("limit", 1, 200, &limit)})
          if (!st.ok()) return Error(st);
        q.limit = static_cast<int>(limit);
        if (auto date = req.Query("date")) {
          auto range = DayRange(*date);
          if (!range.ok()) return Error(range.status());
          q.since_ms = range->first;
          q.until_ms = range->second;
        }
        auto found = s->Search(q);
        if (!found.ok()) return Error(found.status());
        json list = json::array();
        json ids = json::array();
        for (const auto& v : *found) {
          if (!security::AllowedOn(req.principal, "conversation.search", ScopeOf(v)))
            continue;  // outside the caller's department or district: not shown
          json item = ViewJson(v, Audience::kStaff);
          item.erase("turns");
          item.erase("next_after");
          item.erase("summary_corrected");
          list.push_back(std::move(item));
          ids.push_back(v.id);
        }
        Status audited = guard->Record(
            req, "conversation.search", "conversation", "",
            json{{"reference", q.reference},
                 {"ticket", q.ticket},
                 {"phone", q.phone.empty() ? json(nullptr) : json(text::MaskPhone(q.phone))},
                 {"since_ms", q.since_ms},
                 {"until_ms", q.until_ms},
                 {"found", ids}}
                .dump(-1, ' ', false, json::error_handler_t::replace));
        if (!audited.ok()) return Error(audited);
        return Response::Json(200, {{"conversations", list}});
      });

  router.Add("POST", "/api/v1/agent/conversations/{id}/close", "conversation.write",
             [s, guard](const Request& req) {
               std::string id(req.PathParam("id"));
               auto body = ParseObject(req, true);
               if (!body.ok()) return Error(body.status());
               auto reason = OptionalString(*body, "reason", 1000);
               if (!reason.ok()) return Error(reason.status());
               auto v = s->Get(id, kScopeOnly);
               if (!v.ok()) return Error(v.status());
               Status ok = guard->Check(req, "conversation.write", ScopeOf(*v), "conversation", id,
                                        "conversation.close", json{{"reason", *reason}}.dump());
               if (!ok.ok()) return Error(ok);
               auto summary = s->Close(id, Staff(req), *reason);
               if (!summary.ok()) return Error(summary.status());
               return Response::Json(
                   200, {{"summary", ToJson(*summary)}, {"reference", ReferenceOf(*s, id)}});
             });

  router.Add(
      "POST", "/api/v1/agent/conversations/{id}/transfer", "conversation.write",
      [s, guard, find_agent = options.find_agent](const Request& req) {
        std::string id(req.PathParam("id"));
        auto body = ParseObject(req, false);
        if (!body.ok()) return Error(body.status());
        auto to_agent = OptionalString(*body, "to_agent", 64);
        if (!to_agent.ok()) return Error(to_agent.status());
        auto to_queue = OptionalString(*body, "to_queue", 32);
        if (!to_queue.ok()) return Error(to_queue.status());
        auto reason = OptionalString(*body, "reason", 1000);
        if (!reason.ok()) return Error(reason.status());
        // Checked before the audit entry, so that only transfers that can happen are recorded.
        if (reason->find_first_not_of(" \t\r\n") == std::string::npos)
          return Error(InvalidArgument("field \"reason\" is required"));
        const bool queue = body->contains("to_queue") && !(*body)["to_queue"].is_null();
        if (to_agent->empty() == !queue)
          return Error(InvalidArgument(
              "field \"to_agent\" or \"to_queue\" must be given (one of them), e.g. "
              "{\"to_agent\": \"li.si\", \"reason\": \"需要医保专席\"}"));
        dialogue::TransferTarget target;
        if (!to_agent->empty()) {
          if (!find_agent) return Error(FailedPrecondition("transfers to agents are not wired"));
          auto agent = find_agent(*to_agent);
          if (!agent.ok())
            return Error(InvalidArgument("field \"to_agent\" names no agent who can take it"));
          target.agent = std::move(agent).value();
        } else {
          target.queue = *to_queue;
        }
        auto v = s->Get(id, kScopeOnly);
        if (!v.ok()) return Error(v.status());
        Status ok = guard->Check(req, "conversation.write", ScopeOf(*v), "conversation", id,
                                 "conversation.transfer",
                                 json{{"to_agent", target.agent.id},
                                      {"to_queue", queue ? json(target.queue) : json(nullptr)},
                                      {"reason", *reason}}
                                     .dump(-1, ' ', false, json::error_handler_t::replace));
        if (!ok.ok()) return Error(ok);
        Status moved = s->Transfer(id, Staff(req), target, *reason);
        if (!moved.ok()) return Error(moved);
        auto after = s->Get(id, kScopeOnly);
        if (!after.ok()) return Error(after.status());
        return Response::Json(200, ViewJson(*after, Audience::kStaff));
      });
}

ConversationRouteOptions ConversationRouteOptionsOver(security::UserStore& users) {
  ConversationRouteOptions options;
  options.find_agent = [&users](std::string_view login) -> Result<dialogue::StaffRef> {
    ZX_ASSIGN_OR_RETURN(security::User u, users.Find(login));
    if (u.disabled || u.pending ||
        (u.role != security::Role::kAgent && u.role != security::Role::kSupervisor))
      return NotFound("no agent of that name");
    return dialogue::StaffRef{"u:" + std::to_string(u.id), u.name, u.display_name};
  };
  return options;
}

}  // namespace zx::http
