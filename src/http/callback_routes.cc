#include "http/callback_routes.h"

#include <charconv>
#include <memory>

#include "http/dialogue_json.h"
#include "http/errors.h"
#include "http/record_access.h"
#include "http/utf8.h"
#include "security/policy.h"

namespace zx::http {
namespace {

using nlohmann::json;

constexpr char kPermission[] = "callback.work";

security::RecordScope ScopeOf(const dialogue::Callback& c) {
  return {c.departments, c.districts, ""};
}

Result<int64_t> LimitOf(const Request& req) {
  auto v = req.Query("limit");
  if (!v) return 100;
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || out < 1 || out > 500)
    return InvalidArgument("query parameter limit must be a whole number 1-500");
  return out;
}

Response Error(const Status& s) { return ErrorResponse(s); }

}  // namespace

json CallbackJson(const dialogue::Callback& c) {
  return {{"id", c.id},
          {"conversation_id", c.conversation_id},
          {"channel", c.channel},
          {"reason", c.reason},
          {"state", c.state},
          {"phone_masked", c.phone_masked},
          {"summary", ToJson(c.summary)},
          {"departments", c.departments},
          {"districts", c.districts},
          {"created_ms", c.created_ms},
          {"done_ms", c.done_ms},
          {"done_by", c.done_by},
          {"note", c.note}};
}

void AddCallbackRoutes(Router& router, dialogue::CallbackStore& callbacks,
                       security::AuditLog& audit) {
  dialogue::CallbackStore* store = &callbacks;
  auto guard = std::make_shared<const RecordGuard>(&audit);

  router.Add("GET", "/api/v1/callbacks", kPermission, [store, guard](const Request& req) {
    dialogue::CallbackQuery q;
    if (auto state = req.Query("state")) {
      if (*state != dialogue::kCallbackOpen && *state != dialogue::kCallbackDone)
        return Error(InvalidArgument("query parameter state must be open or done"));
      q.state = std::string(*state);
    }
    if (auto phone = req.Query("phone")) q.phone = std::string(*phone);
    auto limit = LimitOf(req);
    if (!limit.ok()) return Error(limit.status());
    q.limit = static_cast<int>(*limit);
    auto list = store->List(q);
    if (!list.ok()) return Error(list.status());
    json out = json::array();
    json ids = json::array();
    for (const auto& c : *list) {
      // Scoped principals (none hold callback.work today) see only their records.
      if (!security::AllowedOn(req.principal, kPermission, ScopeOf(c))) continue;
      out.push_back(CallbackJson(c));
      ids.push_back(c.id);
    }
    // The read is recorded before anything is shown: which tasks, and whether a number was
    // looked up (never the number itself).
    Status recorded = guard->Record(
        req, "callback.list", "callback", "",
        json{{"ids", ids}, {"state", q.state}, {"by_phone", !q.phone.empty()}}.dump());
    if (!recorded.ok()) return Error(recorded);
    return Response::Json(200, {{"callbacks", out}});
  });

  router.Add("GET", "/api/v1/callbacks/{id}", kPermission, [store, guard](const Request& req) {
    std::string id(req.PathParam("id"));
    bool full = security::Allowed(req.principal, "pii.read_full");
    auto c = store->Get(id, full);
    if (!c.ok()) return Error(c.status());
    Status ok = guard->Check(req, kPermission, ScopeOf(*c), "callback", id, "callback.read",
                             json{{"phone_full", full && !c->phone.empty()}}.dump());
    if (!ok.ok()) return Error(ok);
    json j = CallbackJson(*c);
    j["phone"] = c->phone.empty() ? json(nullptr) : json(c->phone);
    return Response::Json(200, j);
  });

  router.Add(
      "POST", "/api/v1/callbacks/{id}/done", kPermission, [store, guard](const Request& req) {
        std::string id(req.PathParam("id"));
        std::string note;
        if (!req.body.empty()) {
          if (FindInvalidUtf8(req.body))
            return Error(InvalidArgument("request body is not valid UTF-8"));
          json body = json::parse(req.body, nullptr, false);
          if (!body.is_object())
            return Error(
                InvalidArgument("request body must be a JSON object like {\"note\": \"已回拨\"}"));
          if (auto it = body.find("note"); it != body.end() && !it->is_null()) {
            if (!it->is_string()) return Error(InvalidArgument("field \"note\" must be a string"));
            note = it->get<std::string>();
          }
        }
        auto before = store->Get(id);
        if (!before.ok()) return Error(before.status());
        if (before->state == dialogue::kCallbackDone)
          return Error(FailedPrecondition("the call-back is already done"));
        Status ok =
            guard->Check(req, kPermission, ScopeOf(*before), "callback", id, "callback.done");
        if (!ok.ok()) return Error(ok);
        Status done = store->MarkDone(id, req.principal.id, note);
        if (!done.ok()) return Error(done);
        auto after = store->Get(id);
        if (!after.ok()) return Error(after.status());
        return Response::Json(200, CallbackJson(*after));
      });
}

}  // namespace zx::http
