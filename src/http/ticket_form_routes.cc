#include "http/ticket_form_routes.h"

#include <algorithm>
#include <set>

#include "http/errors.h"
#include "http/ticket_json.h"
#include "http/utf8.h"
#include "text/pii.h"

namespace zx::http {
namespace {

using nlohmann::json;

// The fields a person sets on the form, as WorkOrders::ConfirmField names them.
constexpr const char* kFormFields[] = {"topic", "category", "district", "place", "sla", "summary"};

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Result<std::string> Text(const json& j, const char* name, size_t max) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return InvalidArgument(std::string("field \"") + name + "\" must be a string");
  if (it->get_ref<const std::string&>().size() > max)
    return InvalidArgument(std::string("field \"") + name + "\" is longer than " +
                           std::to_string(max) + " bytes");
  return it->get<std::string>();
}

Result<json> ObjectOf(const Request& req) {
  if (FindInvalidUtf8(req.body)) return InvalidArgument("request body is not valid UTF-8");
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return InvalidArgument(
        "request body must be a JSON object like {\"conversation_id\": \"c...\"} or "
        "{\"text\": \"...\"}");
  return j;
}

json Filled(const std::optional<std::string>& value, double confidence) {
  return {{"value", value ? json(*value) : json(nullptr)}, {"confidence", confidence}};
}

}  // namespace

Result<tickets::IntakeRequest> OrderForm::RequestOf(const Request& req, const json& body,
                                                    std::string_view action,
                                                    std::string* existing) const {
  ZX_ASSIGN_OR_RETURN(std::string conversation, Text(body, "conversation_id", 128));
  ZX_ASSIGN_OR_RETURN(std::string text, Text(body, "text", 8000));
  tickets::IntakeRequest in;
  in.channel = "agent";
  if (!conversation.empty()) {
    ZX_ASSIGN_OR_RETURN(auto view, dialogue_.Get(conversation, {-1, 1, false}));
    ZX_RETURN_IF_ERROR(guard_.Check(req, "conversation.read",
                                    {view.departments, view.districts, view.agent_id},
                                    "conversation", conversation, action));
    ZX_ASSIGN_OR_RETURN(dialogue::ActionRequest facts, dialogue_.WorkOrderFacts(conversation));
    in.conversation_id = conversation;
    in.channel = facts.channel == "voice" ? "voice" : "chat";
    in.text = facts.text;
    in.contact = facts.contact;
    in.address = facts.address;
    in.districts = facts.districts;
    in.danger = facts.danger;
    if (existing) {
      *existing = facts.ticket;
      if (existing->empty()) {  // an order an agent registered from the form before
        tickets::OrderQuery q;
        q.conversation = conversation;
        q.limit = 1;
        q.descending = false;
        ZX_ASSIGN_OR_RETURN(tickets::OrderPage made, orders_.List(q));
        if (!made.rows.empty()) *existing = made.rows.front().id;
      }
    }
  }
  if (!TrimBlank(text).empty()) in.text = text;  // what the agent wrote stands for the words
  if (TrimBlank(in.text).empty())
    return InvalidArgument(conversation.empty()
                               ? "field \"text\" is required: what the citizen said (or give "
                                 "\"conversation_id\")"
                               : "field \"text\" is required: the conversation holds no words "
                                 "of the citizen");
  return in;
}

Response OrderForm::Draft(const Request& req) const {
  auto body = ObjectOf(req);
  if (!body.ok()) return ErrorResponse(body.status());
  std::string existing;
  auto in = RequestOf(req, *body, "ticket.draft", &existing);
  if (!in.ok()) return ErrorResponse(in.status());
  tickets::Draft d = intake_.MakeDraft(*in);
  json departments = json::array();
  for (const auto& a : d.departments.value)
    departments.push_back({{"code", a.code},
                           {"name", intake_.DepartmentName(a.code)},
                           {"role", tickets::RoleCode(a.role)}});
  const std::string tier(tickets::TierName(d.tier.value));
  json fields = {{"topic", Filled(d.topic.value, d.topic.confidence)},
                 {"category", Filled(d.category.value, d.category.confidence)},
                 {"district", Filled(d.district.value, d.district.confidence)},
                 {"place", Filled(d.place.value, d.place.confidence)},
                 {"sla", Filled(tier, d.tier.confidence)},
                 {"summary", Filled(d.summary.value, d.summary.confidence)},
                 {"contact", Filled(d.MaskedContact(), d.contact.confidence)}};
  return Response::Json(200, {{"existing", existing.empty() ? json(nullptr) : json(existing)},
                              {"text", text::MaskText(in->text)},
                              {"fields", std::move(fields)},
                              {"departments", std::move(departments)},
                              {"matter", d.matter},
                              {"dangers", d.dangers},
                              {"confidence", d.confidence}});
}

Response OrderForm::Departments() const {
  json list = json::array();
  for (const auto& [code, name] : intake_.Departments())
    list.push_back({{"code", code}, {"name", name}});
  return Response::Json(200, {{"departments", std::move(list)}});
}

Response OrderForm::Create(const Request& req, const json& body) const {
  static const std::set<std::string> kKnown = {"autofill", "conversation_id", "text",     "channel",
                                               "topic",    "category",        "district", "place",
                                               "sla",      "summary",         "contact",  "name",
                                               "address",  "departments",     "urgent"};
  for (const auto& [key, value] : body.items())
    if (!kKnown.count(key))
      return ErrorResponse(InvalidArgument(
          "unknown field \"" + key.substr(0, 64) +
          "\"; with autofill the fields are conversation_id, text, topic, category, district, "
          "place, sla, summary, contact, name, address"));
  if (body.contains("departments") || body.contains("urgent"))
    return ErrorResponse(InvalidArgument(
        "with autofill the departments and urgency come from the dispatch catalogue; dispatch "
        "the order afterwards to change them"));
  auto in = RequestOf(req, body, "", nullptr);
  if (!in.ok()) return ErrorResponse(in.status());
  for (auto [name, target] : {std::pair{"contact", &in->contact}, std::pair{"name", &in->name},
                              std::pair{"address", &in->address}}) {
    auto v = Text(body, name, 400);
    if (!v.ok()) return ErrorResponse(v.status());
    if (!TrimBlank(*v).empty()) *target = *v;
  }
  std::vector<std::pair<std::string, std::string>> person;
  for (const char* name : kFormFields) {
    auto v = Text(body, name, 1000);
    if (!v.ok()) return ErrorResponse(v.status());
    if (body.contains(name) && !body[name].is_null()) person.emplace_back(name, *v);
  }
  if (auto sla = std::find_if(person.begin(), person.end(),
                              [](const auto& p) { return p.first == "sla"; });
      sla != person.end() && !tickets::ParseTier(sla->second))
    return ErrorResponse(InvalidArgument("field \"sla\" must be 2h, 24h, 7d or 15d"));
  auto created = intake_.Create(*in, req.principal.id);
  if (!created.ok()) return ErrorResponse(created.status());
  std::string id = created->id;
  for (const auto& [name, value] : person) {
    auto set = orders_.ConfirmField(id, name, value, req.principal.id);
    if (!set.ok()) return ErrorResponse(set.status());
  }
  auto o = orders_.Get(id);
  if (!o.ok()) return ErrorResponse(o.status());
  json confirmed = json::array();
  for (const auto& [name, value] : person) confirmed.push_back(name);
  Status recorded = guard_.Record(req, "ticket.create", "ticket", o->id,
                                  Dump({{"channel", o->channel},
                                        {"conversation", in->conversation_id},
                                        {"autofill", true},
                                        {"person_fields", confirmed},
                                        {"departments", o->Departments()},
                                        {"district", o->district},
                                        {"merged_into", o->merged_into},
                                        {"contact", !in->contact.empty()}}));
  if (!recorded.ok()) return ErrorResponse(recorded);
  return Response::Json(201, TicketJson(*o));
}

}  // namespace zx::http
