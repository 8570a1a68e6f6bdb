#include "http/ticket_json.h"

#include <charconv>
#include <cmath>
#include <set>

#include "http/utf8.h"
#include "tickets/calendar.h"

namespace zx::http {
namespace {

using nlohmann::json;

Result<int64_t> ParseInt(std::string_view v) {
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size()) return InvalidArgument("not a number");
  return out;
}

Result<bool> FlagParam(const Request& req, const char* name) {
  auto v = req.Query(name);
  if (!v) return false;
  if (*v == "" || *v == "1" || *v == "true") return true;
  if (*v == "0" || *v == "false") return false;
  return InvalidArgument(std::string("query parameter ") + name + " must be true or false");
}

using tickets::Order;
using tickets::Task;

constexpr const char* kExample =
    R"({"text": "幸福路上井盖丢了", "topic": "ts.road_damage", "district": "东城区", )"
    R"("place": "幸福路", "sla": "24h", "departments": [{"code": "cgj", "role": "lead"}]})";

Status Field(const std::string& name, const std::string& why) {
  return InvalidArgument("field \"" + name + "\" " + why);
}

json Ms(int64_t ms) { return ms ? json(ms) : json(nullptr); }

Result<std::string> StringField(const json& j, const char* name, size_t max_bytes = 4000) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Field(name, "must be a string");
  std::string v = it->get<std::string>();
  if (v.size() > max_bytes)
    return Field(name, "is longer than " + std::to_string(max_bytes) + " bytes");
  return v;
}

}  // namespace

json TicketTaskJson(const Task& t) {
  return {{"department", t.department},
          {"role", tickets::RoleCode(t.role)},
          {"role_label", tickets::RoleLabel(t.role)},
          {"state", tickets::TaskStateCode(t.state)},
          {"state_label", tickets::TaskStateLabel(t.state)},
          {"dispatched_ms", Ms(t.dispatched_ms)},
          {"accept_by_ms", Ms(t.accept_by_ms)},
          {"accepted_ms", Ms(t.accepted_ms)},
          {"due_ms", Ms(t.due_ms)},
          {"warn_ms", Ms(t.warn_ms)},
          {"warned", t.warned},
          {"overdue", t.overdue},
          {"resolved_ms", Ms(t.resolved_ms)},
          {"reply", t.reply},
          {"return_reason", t.return_reason},
          {"extension",
           {{"state", tickets::ExtensionStateCode(t.extension)},
            {"days", t.extension_days},
            {"reason", t.extension_reason}}}};
}

json TicketFieldJson(const tickets::FilledField& f) {
  return {{"name", f.name},
          {"value", f.value()},
          {"machine_value", f.machine_value},
          {"person_value", f.person_value ? json(*f.person_value) : json(nullptr)},
          {"confidence", f.confidence},
          {"machine", f.machine()},
          {"confirmed_by", f.confirmed_by}};
}

json TicketHistoryJson(const tickets::HistoryEntry& e) {
  return {{"seq", e.seq},       {"at_ms", e.at_ms},           {"actor", e.actor},
          {"action", e.action}, {"department", e.department}, {"from", e.from_state},
          {"to", e.to_state},   {"reason", e.reason}};
}

json TicketJson(const Order& o) {
  json tasks = json::array();
  for (const Task& t : o.tasks) tasks.push_back(TicketTaskJson(t));
  json fields = json::array();
  for (const auto& f : o.fields) fields.push_back(TicketFieldJson(f));
  json personal = nullptr;
  if (o.contact || o.name || o.address) {
    auto opt = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
    personal = {{"contact", opt(o.contact)}, {"name", opt(o.name)}, {"address", opt(o.address)}};
  }
  return {{"id", o.id},
          {"state", tickets::OrderStateCode(o.state)},
          {"state_label", tickets::OrderStateLabel(o.state)},
          {"channel", o.channel},
          {"conversation_id", o.conversation_id},
          {"topic", o.topic},
          {"category", o.category},
          {"summary", o.summary},
          {"text", o.text},
          {"district", o.district},
          {"place", o.place},
          {"sla", tickets::TierName(o.tier)},
          {"urgent", o.urgent},
          {"confidence", o.confidence},
          {"lead_department", o.LeadDepartment()},
          {"departments", o.Departments()},
          {"contact_masked", o.contact_masked},
          {"personal", std::move(personal)},
          {"tasks", std::move(tasks)},
          {"fields", std::move(fields)},
          {"merged_into", o.merged_into.empty() ? json(nullptr) : json(o.merged_into)},
          {"reopened", o.reopened},
          {"visit", tickets::VisitStateCode(o.visit)},
          {"visit_due_ms", Ms(o.visit_due_ms)},
          {"visit_solved", o.visit_solved},
          {"satisfaction", tickets::SatisfactionLabel(o.satisfaction)},
          {"created_ms", o.created_ms},
          {"resolved_ms", Ms(o.resolved_ms)},
          {"closed_ms", Ms(o.closed_ms)},
          {"created_by", o.created_by}};
}

json TicketRowJson(const tickets::OrderRow& r) {
  return {{"id", r.id},
          {"state", tickets::OrderStateCode(r.state)},
          {"state_label", tickets::OrderStateLabel(r.state)},
          {"topic", r.topic},
          {"category", r.category},
          {"district", r.district},
          {"place", r.place},
          {"summary", r.summary},
          {"contact_masked", r.contact_masked},
          {"merged_into", r.merged_into.empty() ? json(nullptr) : json(r.merged_into)},
          {"sla", tickets::TierName(r.tier)},
          {"lead_department", r.lead_department},
          {"created_ms", r.created_ms},
          {"due_ms", Ms(r.due_ms)},
          {"warned", r.warned},
          {"overdue", r.overdue},
          {"visit", tickets::VisitStateCode(r.visit)},
          {"left",
           {{"ms", r.left_ms ? json(*r.left_ms) : json(nullptr)},
            {"working_days", r.working_days_left ? json(*r.working_days_left) : json(nullptr)}}}};
}

Result<std::vector<tickets::Assignment>> ParseDepartments(const json& value) {
  if (!value.is_array())
    return Field("departments", "must be an array like [{\"code\": \"cgj\", \"role\": \"lead\"}]");
  std::vector<tickets::Assignment> out;
  for (const json& d : value) {
    if (!d.is_object() || !d.contains("code") || !d["code"].is_string() ||
        d["code"].get<std::string>().empty())
      return Field("departments", "must hold objects with a non-empty string \"code\"");
    for (const auto& [key, v] : d.items())
      if (key != "code" && key != "role")
        return Field("departments", "holds an unknown key \"" + key.substr(0, 64) +
                                        "\"; the keys are code and role");
    tickets::Assignment r;
    r.code = d["code"].get<std::string>();
    if (r.code.size() > 64) return Field("departments", "holds a code longer than 64 bytes");
    if (auto it = d.find("role"); it != d.end() && !it->is_null()) {
      if (!it->is_string()) return Field("departments", "role must be a string");
      auto role = tickets::ParseRole(it->get<std::string>());
      if (!role) return Field("departments", "role must be lead (主办) or assist (协办)");
      r.role = *role;
    }
    out.push_back(std::move(r));
  }
  return out;
}

nlohmann::json TicketDraftJson(const tickets::Draft& d) {
  auto opt = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
  json departments = json::array();
  for (const tickets::Assignment& a : d.departments.value)
    departments.push_back({{"code", a.code}, {"role", tickets::RoleLabel(a.role)}});
  return {{"topic", opt(d.topic.value)},
          {"category", opt(d.category.value)},
          {"departments", departments},
          {"department", opt(d.Lead())},
          {"district", opt(d.district.value)},
          {"place", opt(d.place.value)},
          {"sla", tickets::TierName(d.tier.value)},
          {"contact", opt(d.MaskedContact())},
          {"summary", d.summary.value},
          {"confidence", std::round(d.confidence * 1000) / 1000}};
}

Result<tickets::NewOrder> ParseNewTicket(std::string_view body) {
  if (body.empty()) return InvalidArgument(std::string("send a JSON object like ") + kExample);
  if (FindInvalidUtf8(body)) return InvalidArgument("request body is not valid UTF-8");
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return InvalidArgument(std::string("request body must be a JSON object like ") + kExample);
  static const std::set<std::string> kKnown = {
      "text",   "summary",     "topic",   "category", "district", "place",   "sla",
      "urgent", "departments", "contact", "name",     "address",  "channel", "conversation_id"};
  for (const auto& [key, value] : j.items())
    if (!kKnown.count(key))
      return InvalidArgument("unknown field \"" + key.substr(0, 64) +
                             "\"; the fields are text, summary, topic, category, district, place, "
                             "sla, urgent, departments, contact, name, address, channel, "
                             "conversation_id");
  tickets::NewOrder n;
  ZX_ASSIGN_OR_RETURN(n.text, StringField(j, "text", 8000));
  if (TrimBlank(n.text).empty()) return Field("text", "is required: what the citizen said");
  ZX_ASSIGN_OR_RETURN(n.summary, StringField(j, "summary", 1000));
  ZX_ASSIGN_OR_RETURN(n.topic, StringField(j, "topic", 200));
  ZX_ASSIGN_OR_RETURN(n.category, StringField(j, "category", 200));
  ZX_ASSIGN_OR_RETURN(n.district, StringField(j, "district", 200));
  ZX_ASSIGN_OR_RETURN(n.place, StringField(j, "place", 400));
  ZX_ASSIGN_OR_RETURN(std::string sla, StringField(j, "sla", 16));
  if (!sla.empty()) {
    auto tier = tickets::ParseTier(sla);
    if (!tier) return Field("sla", "must be 2h, 24h, 7d or 15d");
    n.tier = *tier;
  }
  if (auto it = j.find("urgent"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return Field("urgent", "must be true or false");
    n.urgent = it->get<bool>();
  }
  if (auto it = j.find("departments"); it != j.end() && !it->is_null()) {
    ZX_ASSIGN_OR_RETURN(n.departments, ParseDepartments(*it));
  }
  ZX_ASSIGN_OR_RETURN(n.contact, StringField(j, "contact", 64));
  ZX_ASSIGN_OR_RETURN(n.name, StringField(j, "name", 200));
  ZX_ASSIGN_OR_RETURN(n.address, StringField(j, "address", 400));
  ZX_ASSIGN_OR_RETURN(std::string channel, StringField(j, "channel", 16));
  if (!channel.empty()) {
    if (channel != "chat" && channel != "voice" && channel != "api" && channel != "agent")
      return Field("channel", "must be chat, voice, api or agent");
    n.channel = channel;
  }
  ZX_ASSIGN_OR_RETURN(n.conversation_id, StringField(j, "conversation_id", 128));
  return n;
}

Result<int64_t> ParseTimeParam(const Request& req, const char* name) {
  auto v = req.Query(name);
  if (!v || v->empty()) return 0;
  auto bad = [&] {
    return InvalidArgument(std::string("query parameter ") + name +
                           " must be unix milliseconds or a date YYYY-MM-DD");
  };
  if (v->size() == 10 && (*v)[4] == '-' && (*v)[7] == '-') {
    auto ms = tickets::ParseChinaLocalMinute(std::string(*v) + " 00:00");
    if (!ms.ok()) return bad();
    return *ms;
  }
  auto ms = ParseInt(*v);
  if (!ms.ok() || *ms < 0) return bad();
  return *ms;
}

Result<tickets::OrderQuery> ParseTicketQuery(const Request& req) {
  tickets::OrderQuery q;
  if (auto v = req.Query("state"); v && !v->empty()) {
    auto s = tickets::ParseOrderState(*v);
    if (!s)
      return InvalidArgument(
          "query parameter state must be pending_dispatch, dispatched, resolved, closed or merged");
    q.state = *s;
  }
  if (auto v = req.Query("department")) q.department = std::string(*v);
  if (auto v = req.Query("district")) q.district = std::string(*v);
  if (auto v = req.Query("topic")) q.topic = std::string(*v);
  if (auto v = req.Query("sla"); v && !v->empty()) {
    auto t = tickets::ParseTier(*v);
    if (!t) return InvalidArgument("query parameter sla must be 2h, 24h, 7d or 15d");
    q.tier = *t;
  }
  if (auto v = req.Query("phone")) q.phone = std::string(*v);
  ZX_ASSIGN_OR_RETURN(q.warned, FlagParam(req, "warned"));
  ZX_ASSIGN_OR_RETURN(q.overdue, FlagParam(req, "overdue"));
  ZX_ASSIGN_OR_RETURN(q.returned, FlagParam(req, "returned"));
  if (auto v = req.Query("tab"); v && !v->empty()) {
    q.tab = tickets::ParseListTab(*v);
    if (!q.tab)
      return InvalidArgument(
          "query parameter tab must be to_accept, in_progress, warning, overdue, to_visit, done, "
          "to_dispatch or returned");
  }
  ZX_ASSIGN_OR_RETURN(q.from_ms, ParseTimeParam(req, "from"));
  ZX_ASSIGN_OR_RETURN(q.until_ms, ParseTimeParam(req, "until"));
  if (auto v = req.Query("sort"); v && !v->empty()) {
    if (*v == "created")
      q.sort = tickets::OrderQuery::kCreated;
    else if (*v == "due")
      q.sort = tickets::OrderQuery::kDue;
    else
      return InvalidArgument("query parameter sort must be created or due");
  }
  if (auto v = req.Query("order"); v && !v->empty()) {
    if (*v != "asc" && *v != "desc")
      return InvalidArgument("query parameter order must be asc or desc");
    q.descending = *v == "desc";
  }
  if (auto v = req.Query("limit")) {
    auto n = ParseInt(*v);
    if (!n.ok() || *n < 1 || *n > 500)
      return InvalidArgument("query parameter limit must be a whole number 1-500");
    q.limit = static_cast<int>(*n);
  }
  if (auto v = req.Query("offset")) {
    auto n = ParseInt(*v);
    if (!n.ok() || *n < 0 || *n > 100000000)
      return InvalidArgument("query parameter offset must be a whole number, 0 or more");
    q.offset = static_cast<int>(*n);
  }
  return q;
}

}  // namespace zx::http
