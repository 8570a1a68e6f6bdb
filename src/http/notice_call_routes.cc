#include "http/notice_call_routes.h"

#include "campaigns/notice_call_store.h"

#include "http/auth.h"
#include "http/errors.h"
#include "http/record_access.h"
#include "http/utf8.h"

namespace zx::http {
namespace {

using campaigns::NoticeCall;
using campaigns::NoticeOutcome;
using campaigns::NoticeRequest;
using nlohmann::json;

constexpr const char* kExample =
    R"({"number": "13812345678", "text": "您的社保卡已制作完成……确认收到请按1，重听请按9", )"
    R"("attempt_id": "notice-2025-001"})";

Status Field(const std::string& name, const std::string& why) {
  return InvalidArgument("field \"" + name + "\" " + why);
}

Result<std::string> StringField(const json& j, const char* name, bool required,
                                std::string fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) return Field(name, "is required");
    return fallback;
  }
  if (!it->is_string()) return Field(name, "must be a string");
  return it->get<std::string>();
}

Result<int> IntField(const json& j, const char* name, int fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) return Field(name, "must be a whole number");
  int64_t v = it->get<int64_t>();
  if (v < -1000000 || v > 1000000) return Field(name, "is out of range");
  return static_cast<int>(v);
}

}  // namespace

Result<NoticeRequest> ParseNoticeRequest(std::string_view body) {
  if (body.empty()) return InvalidArgument(std::string("send a JSON object like ") + kExample);
  if (FindInvalidUtf8(body)) return InvalidArgument("request body is not valid UTF-8");
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return InvalidArgument(std::string("request body is not valid JSON; send e.g. ") + kExample);
  if (!j.is_object())
    return InvalidArgument(std::string("request body must be a JSON object like ") + kExample);
  static const char* const kKnown[] = {"number",        "text",          "attempt_id",
                                       "confirm_keys",  "repeat_keys",   "max_plays",
                                       "key_timeout_s", "ring_timeout_s"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known)
      return InvalidArgument("unknown field \"" + key.substr(0, 64) +
                             "\"; the fields are number, text, attempt_id, confirm_keys, "
                             "repeat_keys, max_plays, key_timeout_s, ring_timeout_s");
  }
  NoticeRequest r;
  ZX_ASSIGN_OR_RETURN(r.number, StringField(j, "number", true, ""));
  ZX_ASSIGN_OR_RETURN(r.text, StringField(j, "text", true, ""));
  ZX_ASSIGN_OR_RETURN(r.attempt_id, StringField(j, "attempt_id", true, ""));
  ZX_ASSIGN_OR_RETURN(r.confirm_keys, StringField(j, "confirm_keys", false, r.confirm_keys));
  ZX_ASSIGN_OR_RETURN(r.repeat_keys, StringField(j, "repeat_keys", false, r.repeat_keys));
  ZX_ASSIGN_OR_RETURN(r.max_plays, IntField(j, "max_plays", r.max_plays));
  ZX_ASSIGN_OR_RETURN(r.key_timeout_s, IntField(j, "key_timeout_s", r.key_timeout_s));
  ZX_ASSIGN_OR_RETURN(r.ring_timeout_s, IntField(j, "ring_timeout_s", r.ring_timeout_s));
  if (j.contains("ring_timeout_s") && r.ring_timeout_s == 0)
    return Field("ring_timeout_s", "must be 5-300 seconds");  // 0 is only the "default" inside
  ZX_RETURN_IF_ERROR(campaigns::ValidateNoticeRequest(r));
  return r;
}

json NoticeCallJson(const NoticeCall& c) {
  const NoticeRequest& o = c.options;
  json events = json::parse(campaigns::NoticeEventsJson(c.events));
  return {{"id", c.id},
          {"attempt_id", c.attempt_id},
          {"number", c.number_masked},
          {"state", campaigns::NoticeStateName(c.state)},
          {"outcome", c.outcome == NoticeOutcome::kNone
                          ? json(nullptr)
                          : json(campaigns::NoticeOutcomeName(c.outcome))},
          {"sip_code", c.sip_code},
          {"digits", c.digits},
          {"plays", c.plays},
          {"notice_ms", c.notice_ms},
          {"events", std::move(events)},
          {"created_ms", c.created_ms},
          {"ended_ms", c.ended_ms ? json(c.ended_ms) : json(nullptr)},
          {"options",
           {{"confirm_keys", o.confirm_keys},
            {"repeat_keys", o.repeat_keys},
            {"max_plays", o.max_plays},
            {"key_timeout_s", o.key_timeout_s},
            {"ring_timeout_s", o.ring_timeout_s}}}};
}

void AddNoticeCallRoutes(Router& router, campaigns::NoticeCalls& calls, security::AuditLog& audit) {
  router.Add("POST", "/api/v1/calls", "campaign.manage", [&calls, &audit](const Request& req) {
    auto request = ParseNoticeRequest(req.body);
    if (!request.ok()) return ErrorResponse(request.status());
    auto started = calls.Start(*request);
    if (!started.ok()) {
      Response res = ErrorResponse(started.status());
      if (res.status == 429) res.headers.emplace_back("Retry-After", "10");
      return res;
    }
    const NoticeCall& call = started->call;
    std::string purpose(req.Header(kPurposeHeader).substr(0, 256));
    security::AuditEvent e =
        security::AuditEventBy(req.principal, "notice_call.start", "notice_call", call.id, purpose);
    e.remote = std::string(ClientAddress(req.remote_address));
    e.details_json = json{{"attempt_id", call.attempt_id},
                          {"number", call.number_masked},
                          {"created", started->created},
                          {"text_bytes", request->text.size()}}
                         .dump(-1, ' ', false, json::error_handler_t::replace);
    // Retrying with the same attempt id is safe, so an unrecorded start is answered as
    // an error.
    auto appended = audit.Append(std::move(e));
    if (!appended.ok()) return ErrorResponse(appended.status());
    return Response::Json(started->created ? 202 : 200, NoticeCallJson(call));
  });

  // A read of a citizen's call (masked number, outcome, keys) is audited like any read of
  // personal data: "who looked at this call" is one audit query by the call's id.
  auto guard = std::make_shared<const RecordGuard>(&audit);
  router.Add("GET", "/api/v1/calls/{id}", "campaign.manage", [&calls, guard](const Request& req) {
    std::string id(req.PathParam("id"));
    auto call = calls.Get(id);
    if (!call.ok()) return ErrorResponse(call.status());
    Status recorded = guard->Record(req, "notice_call.read", "notice_call", id);
    if (!recorded.ok()) return ErrorResponse(recorded);
    return Response::Json(200, NoticeCallJson(*call));
  });
}

}  // namespace zx::http
