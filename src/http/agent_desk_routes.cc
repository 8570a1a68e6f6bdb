#include "http/agent_desk_routes.h"

#include <algorithm>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "http/errors.h"
#include "http/record_access.h"

namespace zx::http {
namespace {

using nlohmann::json;

json PresenceJson(const dialogue::PresenceRecord& p) {
  return {{"state", p.state}, {"since_ms", p.since_ms}};
}

}  // namespace

std::function<Result<std::vector<dialogue::StaffRef>>()> AgentsOf(security::UserStore& users) {
  return [&users]() -> Result<std::vector<dialogue::StaffRef>> {
    ZX_ASSIGN_OR_RETURN(std::vector<security::User> all, users.List());
    std::vector<dialogue::StaffRef> out;
    for (const auto& u : all)
      if (!u.disabled && !u.pending &&
          (u.role == security::Role::kAgent || u.role == security::Role::kSupervisor))
        out.push_back({"u:" + std::to_string(u.id), u.name, u.display_name});
    return out;
  };
}

void AddAgentDeskRoutes(Router& router, dialogue::Presence& presence, security::AuditLog& audit,
                        AgentDeskOptions options) {
  auto o = std::make_shared<const AgentDeskOptions>(std::move(options));
  auto guard = std::make_shared<const RecordGuard>(&audit);

  router.Add("GET", "/api/v1/agent/desk", "agent.queue", [o](const Request&) {
    json canned = json::array();
    for (const auto& c : o->desk.canned)
      canned.push_back({{"code", c.code}, {"title", c.title}, {"text", c.text}});
    json queues = json::array();
    for (const auto& q : o->desk.queues) queues.push_back({{"code", q.code}, {"name", q.name}});
    return Response::Json(
        200, {{"canned", canned}, {"queues", queues}, {"briefs", static_cast<bool>(o->brief)}});
  });

  router.Add("POST", "/api/v1/agent/cards/brief", "agent.queue", [o](const Request& req) {
    json body = json::parse(req.body, nullptr, false);
    auto field = [&](const char* name) -> std::string {
      return body.is_object() && body.contains(name) && body[name].is_string()
                 ? body[name].get<std::string>()
                 : std::string();
    };
    std::string topic = field("topic"), question = field("question");
    if (topic.empty() || question.empty())
      return ErrorResponse(InvalidArgument("fields \"topic\" and \"question\" are required"));
    if (question.size() > 2000)
      return ErrorResponse(InvalidArgument("field \"question\" is longer than 2000 bytes"));
    if (!o->brief || !o->current)
      return ErrorResponse(Unavailable("no language model writes briefs here ([llm] push_cards)"));
    auto engine = o->current();
    const knowledge::Entry* entry = engine ? engine->knowledge_base().Find(topic) : nullptr;
    if (!entry) return ErrorResponse(NotFound("no entry " + topic));
    std::optional<knowledge::WrittenText> w = o->brief(question, *entry);
    if (!w)
      return ErrorResponse(
          Unavailable("no brief this time (every engine out, or its text was not grounded)"));
    return Response::Json(200, {{"topic", entry->id},
                                {"title", entry->title},
                                {"brief", w->text},
                                {"written_by", w->written_by}});
  });

  router.Add("GET", "/api/v1/agent/presence", "agent.queue", [o, &presence](const Request& req) {
    auto me = presence.Get(req.principal.id);
    if (!me.ok()) return ErrorResponse(me.status());
    auto all = presence.All();
    if (!all.ok()) return ErrorResponse(all.status());
    std::map<std::string, dialogue::PresenceRecord> by_id;
    for (auto& p : *all) by_id[p.agent_id] = p;
    std::vector<std::pair<dialogue::StaffRef, dialogue::PresenceRecord>> rows;
    if (o->agents) {
      auto agents = o->agents();
      if (!agents.ok()) return ErrorResponse(agents.status());
      for (auto& a : *agents) {
        auto it = by_id.find(a.id);
        rows.emplace_back(a, it != by_id.end()
                                 ? it->second
                                 : dialogue::PresenceRecord{a.id, dialogue::kOffline, 0});
      }
    }
    auto rank = [](const std::string& s) {
      return s == dialogue::kOnline ? 0 : s == dialogue::kOnBreak ? 1 : 2;
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
      return rank(a.second.state) < rank(b.second.state);
    });
    json agents = json::array();
    for (const auto& [a, p] : rows)
      agents.push_back({{"name", a.name},
                        {"display", a.display.empty() ? json(nullptr) : json(a.display)},
                        {"state", p.state},
                        {"since_ms", p.since_ms}});
    return Response::Json(200, {{"me", PresenceJson(*me)}, {"agents", agents}});
  });

  router.Add(
      "PUT", "/api/v1/agent/presence", "agent.queue", [o, &presence, guard](const Request& req) {
        json body = json::parse(req.body, nullptr, false);
        if (!body.is_object() || !body.contains("state") || !body["state"].is_string())
          return ErrorResponse(InvalidArgument(
              "field \"state\" is required: online (在线), break (小休) or offline (离线)"));
        const std::string state = body["state"].get<std::string>();
        auto before = presence.Get(req.principal.id);
        if (!before.ok()) return ErrorResponse(before.status());
        auto set = presence.Set(req.principal.id, state);
        if (!set.ok()) return ErrorResponse(set.status());
        if (before->state != set->state) {
          Status recorded = guard->Record(req, "agent.presence", "agent", req.principal.id,
                                          json{{"from", before->state}, {"to", set->state}}.dump());
          if (!recorded.ok()) return ErrorResponse(recorded);
          if (o->presence_changed) o->presence_changed();
        }
        return Response::Json(200, PresenceJson(*set));
      });
}

}  // namespace zx::http
