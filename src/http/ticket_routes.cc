#include "http/ticket_routes.h"

#include <charconv>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/auth.h"
#include "http/errors.h"
#include "http/record_access.h"
#include "http/ticket_json.h"
#include "http/utf8.h"
#include "security/policy.h"

namespace zx::http {
namespace {

using nlohmann::json;
using tickets::Order;
using tickets::WorkOrders;

// The permissions of these routes (security/policy.cc).
constexpr char kCreate[] = "ticket.create";
constexpr char kRead[] = "ticket.read";
constexpr char kWrite[] = "ticket.write";
constexpr char kDispatch[] = "ticket.dispatch";
constexpr char kHandle[] = "ticket.handle";
constexpr char kExtension[] = "ticket.extension";
constexpr char kVisit[] = "ticket.visit";
constexpr char kPiiFull[] = "pii.read_full";

constexpr char kObject[] = "ticket";

Response Error(const Status& s) { return ErrorResponse(s); }

Status Field(const std::string& name, const std::string& why) {
  return InvalidArgument("field \"" + name + "\" " + why);
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// An order's scope as the policy sees it: the departments of its live or returned tasks and its
// district (none when not stated: then only callers without a district scope cover it).
security::RecordScope ScopeOf(const Order& o) {
  security::RecordScope s;
  s.departments = o.Departments();
  if (!o.district.empty()) s.districts = {o.district};
  return s;
}

// The JSON object of an action's body; an empty body is {}. Keys outside `known` are refused.
Result<json> BodyOf(const Request& req, std::initializer_list<const char*> known) {
  if (TrimBlank(req.body).empty()) return json::object();
  if (FindInvalidUtf8(req.body)) return InvalidArgument("request body is not valid UTF-8");
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return InvalidArgument("request body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    std::string names;
    for (const char* k : known) {
      ok = ok || key == k;
      names += (names.empty() ? "" : ", ") + std::string(k);
    }
    if (!ok)
      return InvalidArgument("unknown field \"" + key.substr(0, 64) + "\"; the fields are " +
                             (names.empty() ? std::string("none") : names));
  }
  return j;
}

Result<std::string> Str(const json& j, const char* name, bool required, size_t max = 4000) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) return Field(name, "is required");
    return std::string();
  }
  if (!it->is_string()) return Field(name, "must be a string");
  std::string v = it->get<std::string>();
  if (required && TrimBlank(v).empty()) return Field(name, "must not be empty");
  if (v.size() > max) return Field(name, "is longer than " + std::to_string(max) + " bytes");
  return v;
}

Result<bool> Bool(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return Field(name, "is required (true or false)");
  if (!it->is_boolean()) return Field(name, "must be true or false");
  return it->get<bool>();
}

// The department a department action is about: the body's, else the caller's own (a scoped
// caller), else the order's only department.
Result<std::string> TaskDepartment(const Request& req, const json& body, const Order& o) {
  ZX_ASSIGN_OR_RETURN(std::string d, Str(body, "department", false, 64));
  if (!d.empty()) return d;
  if (!req.principal.scope.department.empty()) return req.principal.scope.department;
  std::vector<std::string> departments = o.Departments();
  if (departments.size() == 1) return departments[0];
  return Field("department", departments.empty()
                                 ? "is required: the order has no department yet"
                                 : "is required: the order has tasks of several departments");
}

class TicketRoutes {
 public:
  TicketRoutes(WorkOrders& orders, security::AuditLog& audit) : orders_(orders), guard_(&audit) {}

  // Loads the order and checks the caller's scope covers it for `permission`; a refusal is
  // audited (record.denied). With `action`, the allowed access is audited too.
  Result<Order> Load(const Request& req, std::string_view permission, std::string_view action,
                     const json& details = json::object()) const {
    std::string id(req.PathParam("id"));
    ZX_ASSIGN_OR_RETURN(Order o, orders_.Get(id));
    ZX_RETURN_IF_ERROR(
        guard_.Check(req, permission, ScopeOf(o), kObject, id, action, Dump(details)));
    return o;
  }

  // A department action: the order's scope, then the task's own (its department and the
  // order's district): a handler acts only on its department's task.
  Result<std::pair<Order, std::string>> LoadTask(const Request& req, std::string_view permission,
                                                 std::string_view action, const json& body,
                                                 json details) const {
    ZX_ASSIGN_OR_RETURN(Order o, Load(req, permission, ""));
    ZX_ASSIGN_OR_RETURN(std::string department, TaskDepartment(req, body, o));
    security::RecordScope task;
    task.departments = {department};
    if (!o.district.empty()) task.districts = {o.district};
    details["department"] = department;
    ZX_RETURN_IF_ERROR(guard_.Check(req, permission, task, kObject, o.id, action, Dump(details)));
    return std::pair<Order, std::string>{std::move(o), std::move(department)};
  }

  Response Create(const Request& req) const {
    auto n = ParseNewTicket(req.body);
    if (!n.ok()) return Error(n.status());
    auto created = orders_.Create(*n, req.principal.id);
    if (!created.ok()) return Error(created.status());
    // Answered as stored (the citizen's text with its numbers masked), like every other read.
    auto o = orders_.Get(created->id);
    if (!o.ok()) return Error(o.status());
    Status recorded = guard_.Record(req, "ticket.create", kObject, o->id,
                                    Dump({{"channel", o->channel},
                                          {"departments", o->Departments()},
                                          {"district", o->district},
                                          {"merged_into", o->merged_into},
                                          {"contact", !n->contact.empty()}}));
    if (!recorded.ok()) return Error(recorded);
    return Response::Json(201, TicketJson(*o));
  }

  // The list's filters from the query, narrowed to the caller's department and district
  // whatever it asked for when its role is scoped (a refusal audited).
  Result<tickets::OrderQuery> ScopedQuery(const Request& req) const {
    ZX_ASSIGN_OR_RETURN(tickets::OrderQuery q, ParseTicketQuery(req));
    const security::Principal& who = req.principal;
    if (!security::AllowedOn(who, kRead, {})) {
      if (!who.scope.department.empty()) q.department = who.scope.department;
      if (!who.scope.district.empty()) q.district = who.scope.district;
      security::RecordScope shown;
      shown.departments = {q.department};
      shown.districts = {q.district};
      ZX_RETURN_IF_ERROR(guard_.Check(req, kRead, shown, kObject, ""));
    }
    return q;
  }

  // How many orders each tab of the work-order screens holds (counts only: nothing personal).
  Response Tabs(const Request& req) const {
    auto q = ScopedQuery(req);
    if (!q.ok()) return Error(q.status());
    auto counts = orders_.CountTabs(*q);
    if (!counts.ok()) return Error(counts.status());
    json tabs = json::object();
    for (const auto& [tab, n] : *counts) tabs[tickets::ListTabCode(tab)] = n;
    return Response::Json(200, {{"tabs", std::move(tabs)}});
  }

  Response List(const Request& req) const {
    auto q = ScopedQuery(req);
    if (!q.ok()) return Error(q.status());
    auto page = orders_.List(*q);
    if (!page.ok()) return Error(page.status());
    json rows = json::array();
    json ids = json::array();
    for (const auto& r : page->rows) {
      rows.push_back(TicketRowJson(r));
      ids.push_back(r.id);
    }
    // Recorded before anything is shown: which orders, and whether a number was looked up
    // (never the number itself).
    Status recorded = guard_.Record(req, "ticket.list", kObject, "",
                                    Dump({{"ids", ids},
                                          {"department", q->department},
                                          {"district", q->district},
                                          {"by_phone", !q->phone.empty()},
                                          {"total", page->total}}));
    if (!recorded.ok()) return Error(recorded);
    return Response::Json(200, {{"total", page->total}, {"rows", std::move(rows)}});
  }

  Response Get(const Request& req) const {
    auto o = Load(req, kRead, "ticket.read");
    if (!o.ok()) return Error(o.status());
    // Personal data opens only for a caller holding pii.read_full on this order who says why
    // (X-Access-Purpose); that read is recorded on its own, with the purpose.
    std::string_view purpose = TrimBlank(req.Header(kPurposeHeader));
    bool open = !purpose.empty() && security::AllowedOn(req.principal, kPiiFull, ScopeOf(*o));
    if (open) {
      Status recorded = guard_.Record(req, "ticket.read_personal", kObject, o->id,
                                      Dump({{"fields", {"contact", "name", "address"}}}));
      if (!recorded.ok()) return Error(recorded);
      auto opened = orders_.Get(o->id, /*open_personal=*/true);
      if (!opened.ok()) return Error(opened.status());
      o = std::move(opened);
    }
    auto history = orders_.History(o->id);
    if (!history.ok()) return Error(history.status());
    auto merged = orders_.MergedInto(o->id);
    if (!merged.ok()) return Error(merged.status());
    json j = TicketJson(*o);
    json h = json::array();
    for (const auto& e : *history) h.push_back(TicketHistoryJson(e));
    j["history"] = std::move(h);
    json reporters = json::array();
    for (const auto& mid : *merged) {
      auto m = orders_.Get(mid);
      if (!m.ok()) continue;
      reporters.push_back({{"id", m->id},
                           {"channel", m->channel},
                           {"contact_masked", m->contact_masked},
                           {"created_ms", m->created_ms}});
    }
    j["merged_reporters"] = std::move(reporters);
    j["personal_opened"] = open;
    return Response::Json(200, j);
  }

  // An action: `prepare` validates the body (400 before anything is recorded) and returns what
  // to do; the order is then loaded, the caller's scope checked and the action audited, and
  // only then done. Actions on one department's task also check the task's department.
  using Act = std::function<Result<Order>(const Order&, const std::string& department)>;
  using Prepare = std::function<Result<Act>(const json& body)>;
  Response Action(const Request& req, std::string_view permission, const std::string& action,
                  bool on_task, std::initializer_list<const char*> fields, const Prepare& prepare,
                  const std::function<json(const json&)>& details = nullptr) const {
    auto body = BodyOf(req, fields);
    if (!body.ok()) return Error(body.status());
    auto act = prepare(*body);
    if (!act.ok()) return Error(act.status());
    json audited = details ? details(*body) : json::object();
    Result<Order> after = [&]() -> Result<Order> {
      if (!on_task) {
        ZX_ASSIGN_OR_RETURN(Order o, Load(req, permission, "ticket." + action, audited));
        return (*act)(o, "");
      }
      ZX_ASSIGN_OR_RETURN(auto t, LoadTask(req, permission, "ticket." + action, *body, audited));
      return (*act)(t.first, t.second);
    }();
    if (!after.ok()) return Error(after.status());
    return Response::Json(200, TicketJson(*after));
  }

  WorkOrders& orders_;
  RecordGuard guard_;
};

using Act = TicketRoutes::Act;

// Satisfaction as words (满意/基本满意/不满意) or the keys 1/2/3, as a string or a number.
Result<tickets::Satisfaction> SatisfactionOf(const json& body) {
  auto it = body.find("satisfaction");
  if (it == body.end() || it->is_null()) return Field("satisfaction", "is required");
  std::string word;
  if (it->is_number_integer())
    word = std::to_string(it->get<int64_t>());
  else if (it->is_string())
    word = it->get<std::string>();
  auto s = tickets::ParseSatisfaction(word);
  if (!s || *s == tickets::Satisfaction::kNone)
    return Field("satisfaction", "must be 满意, 基本满意 or 不满意 (or 1, 2, 3)");
  return *s;
}

}  // namespace

void AddTicketRoutes(Router& router, tickets::WorkOrders& orders, security::AuditLog& audit,
                     std::shared_ptr<const OrderForm> form) {
  auto routes = std::make_shared<const TicketRoutes>(orders, audit);
  WorkOrders* svc = &orders;
  const std::string base = "/api/v1/tickets";

  router.Add("POST", base, kCreate, [routes, form](const Request& req) {
    if (form) {
      json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      if (body.is_object() && body.value("autofill", false)) return form->Create(req, body);
    }
    return routes->Create(req);
  });
  if (form) {
    router.Add("POST", base + "/draft", kCreate,
               [form](const Request& req) { return form->Draft(req); });
    router.Add("GET", base + "/departments", kRead,
               [form](const Request&) { return form->Departments(); });
  }
  router.Add("GET", base, kRead, [routes](const Request& req) { return routes->List(req); });
  router.Add("GET", base + "/tabs", kRead,
             [routes](const Request& req) { return routes->Tabs(req); });
  router.Add("GET", base + "/{id}", kRead,
             [routes](const Request& req) { return routes->Get(req); });

  // The dispatcher (派单, 改派, upholding a returned task, 并单 and its undo).
  router.Add("POST", base + "/{id}/dispatch", kDispatch, [routes, svc](const Request& req) {
    return routes->Action(
        req, kDispatch, "dispatch", false, {"departments", "reason"},
        [&](const json& body) -> Result<Act> {
          auto it = body.find("departments");
          if (it == body.end() || it->is_null()) return Field("departments", "is required");
          ZX_ASSIGN_OR_RETURN(auto departments, ParseDepartments(*it));
          if (departments.empty()) return Field("departments", "must name a department");
          ZX_ASSIGN_OR_RETURN(std::string reason, Str(body, "reason", false));
          return Act([&req, svc, departments, reason](const Order& o, const std::string&) {
            return svc->Dispatch(o.id, departments, req.principal.id, reason);
          });
        },
        [](const json& body) {
          return json{{"departments", body.value("departments", json())}};
        });
  });
  router.Add("POST", base + "/{id}/redispatch", kDispatch, [routes, svc](const Request& req) {
    return routes->Action(
        req, kDispatch, "redispatch", false, {"department", "to", "reason"},
        [&](const json& body) -> Result<Act> {
          ZX_RETURN_IF_ERROR(Str(body, "department", false, 64).status());
          ZX_ASSIGN_OR_RETURN(std::string to, Str(body, "to", true, 64));
          ZX_ASSIGN_OR_RETURN(std::string reason, Str(body, "reason", true));
          return Act(
              [&req, svc, body, to, reason](const Order& o, const std::string&) -> Result<Order> {
                ZX_ASSIGN_OR_RETURN(std::string from, TaskDepartment(req, body, o));
                return svc->Redispatch(o.id, from, to, req.principal.id, reason);
              });
        },
        [](const json& body) {
          return json{{"department", body.value("department", json())},
                      {"to", body.value("to", json())}};
        });
  });
  router.Add("POST", base + "/{id}/uphold", kDispatch, [routes, svc](const Request& req) {
    return routes->Action(
        req, kDispatch, "uphold", false, {"department", "reason"},
        [&](const json& body) -> Result<Act> {
          ZX_RETURN_IF_ERROR(Str(body, "department", false, 64).status());
          ZX_ASSIGN_OR_RETURN(std::string reason, Str(body, "reason", true));
          return Act(
              [&req, svc, body, reason](const Order& o, const std::string&) -> Result<Order> {
                ZX_ASSIGN_OR_RETURN(std::string department, TaskDepartment(req, body, o));
                return svc->Uphold(o.id, department, req.principal.id, reason);
              });
        },
        [](const json& body) {
          return json{{"department", body.value("department", json())}};
        });
  });
  router.Add("POST", base + "/{id}/merge", kDispatch, [routes, svc](const Request& req) {
    return routes->Action(
        req, kDispatch, "merge", false, {"into", "reason"},
        [&](const json& body) -> Result<Act> {
          ZX_ASSIGN_OR_RETURN(std::string into, Str(body, "into", true, 64));
          ZX_ASSIGN_OR_RETURN(std::string reason, Str(body, "reason", false));
          return Act(
              [&req, svc, into, reason](const Order& o, const std::string&) -> Result<Order> {
                // The order merged into is worked by the same caller: its scope must cover it too.
                ZX_ASSIGN_OR_RETURN(Order target, svc->Get(into));
                ZX_RETURN_IF_ERROR(
                    security::AuthorizeRecord(req.principal, kDispatch, ScopeOf(target)));
                return svc->Merge(o.id, into, req.principal.id, reason);
              });
        },
        [](const json& body) {
          return json{{"into", body.value("into", json())}};
        });
  });
  router.Add("POST", base + "/{id}/unmerge", kDispatch, [routes, svc](const Request& req) {
    return routes->Action(req, kDispatch, "unmerge", false, {"reason"},
                          [&](const json& body) -> Result<Act> {
                            ZX_ASSIGN_OR_RETURN(std::string reason, Str(body, "reason", false));
                            return Act([&req, svc, reason](const Order& o, const std::string&) {
                              return svc->Unmerge(o.id, req.principal.id, reason);
                            });
                          });
  });

  // The department (签收, 退单, 延期 asked, 办结 with its reply).
  router.Add("POST", base + "/{id}/accept", kHandle, [routes, svc](const Request& req) {
    return routes->Action(req, kHandle, "accept", true, {"department"},
                          [&](const json&) -> Result<Act> {
                            return Act([&req, svc](const Order& o, const std::string& d) {
                              return svc->Accept(o.id, d, req.principal.id);
                            });
                          });
  });
  router.Add("POST", base + "/{id}/return", kHandle, [routes, svc](const Request& req) {
    return routes->Action(req, kHandle, "return", true, {"department", "reason"},
                          [&](const json& body) -> Result<Act> {
                            ZX_ASSIGN_OR_RETURN(std::string reason, Str(body, "reason", true));
                            return Act([&req, svc, reason](const Order& o, const std::string& d) {
                              return svc->Return(o.id, d, reason, req.principal.id);
                            });
                          });
  });
  router.Add("POST", base + "/{id}/extension", kHandle, [routes, svc](const Request& req) {
    return routes->Action(
        req, kHandle, "extension", true, {"department", "days", "reason"},
        [&](const json& body) -> Result<Act> {
          auto it = body.find("days");
          if (it == body.end() || !it->is_number_integer() || it->get<int64_t>() < 1 ||
              it->get<int64_t>() > tickets::kMaxExtensionUnits)
            return Field("days", "must be a whole number 1-" +
                                     std::to_string(tickets::kMaxExtensionUnits) +
                                     " (working days; hours for 2h/24h)");
          int days = static_cast<int>(it->get<int64_t>());
          ZX_ASSIGN_OR_RETURN(std::string reason, Str(body, "reason", true));
          return Act([&req, svc, days, reason](const Order& o, const std::string& d) {
            return svc->AskExtension(o.id, d, days, reason, req.principal.id);
          });
        },
        [](const json& body) {
          return json{{"days", body.value("days", json())}};
        });
  });
  router.Add("POST", base + "/{id}/resolve", kHandle, [routes, svc](const Request& req) {
    return routes->Action(req, kHandle, "resolve", true, {"department", "reply"},
                          [&](const json& body) -> Result<Act> {
                            ZX_ASSIGN_OR_RETURN(std::string reply, Str(body, "reply", true, 8000));
                            return Act([&req, svc, reply](const Order& o, const std::string& d) {
                              return svc->Resolve(o.id, d, reply, req.principal.id);
                            });
                          });
  });

  // A supervisor decides an asked extension.
  router.Add("POST", base + "/{id}/extension/decision", kExtension,
             [routes, svc](const Request& req) {
               return routes->Action(
                   req, kExtension, "extension.decision", true, {"department", "approve", "reason"},
                   [&](const json& body) -> Result<Act> {
                     ZX_ASSIGN_OR_RETURN(bool approve, Bool(body, "approve"));
                     ZX_ASSIGN_OR_RETURN(std::string reason, Str(body, "reason", false));
                     return Act([&req, svc, approve, reason](const Order& o, const std::string& d) {
                       return svc->DecideExtension(o.id, d, approve, reason, req.principal.id);
                     });
                   },
                   [](const json& body) {
                     return json{{"approve", body.value("approve", json())}};
                   });
             });

  // 回访: the citizen's answer, or none after the attempts.
  router.Add("POST", base + "/{id}/visit", kVisit, [routes, svc](const Request& req) {
    return routes->Action(
        req, kVisit, "visit", false, {"solved", "satisfaction", "note"},
        [&](const json& body) -> Result<Act> {
          ZX_ASSIGN_OR_RETURN(bool solved, Bool(body, "solved"));
          ZX_ASSIGN_OR_RETURN(tickets::Satisfaction s, SatisfactionOf(body));
          ZX_ASSIGN_OR_RETURN(std::string note, Str(body, "note", false, 1000));
          return Act([&req, svc, solved, s, note](const Order& o, const std::string&) {
            return svc->RecordVisit(o.id, solved, s, req.principal.id, note);
          });
        },
        [](const json& body) {
          return json{{"solved", body.value("solved", json())},
                      {"satisfaction", body.value("satisfaction", json())}};
        });
  });
  router.Add("POST", base + "/{id}/visit/unanswered", kVisit, [routes, svc](const Request& req) {
    return routes->Action(req, kVisit, "visit.unanswered", false, {},
                          [&](const json&) -> Result<Act> {
                            return Act([&req, svc](const Order& o, const std::string&) {
                              return svc->VisitUnanswered(o.id, req.principal.id);
                            });
                          });
  });

  // A person confirms or corrects an auto-filled field.
  router.Add("POST", base + "/{id}/fields/{name}", kWrite, [routes, svc](const Request& req) {
    std::string name(req.PathParam("name"));
    return routes->Action(
        req, kWrite, "field", false, {"value"},
        [&](const json& body) -> Result<Act> {
          static const std::set<std::string> kEditable = {"topic", "category", "district",
                                                          "place", "sla",      "summary"};
          if (!kEditable.count(name))
            return InvalidArgument(
                "the fields a person sets are topic, category, district, place, sla, summary");
          ZX_ASSIGN_OR_RETURN(std::string value, Str(body, "value", true, 400));
          return Act([&req, svc, name, value](const Order& o, const std::string&) {
            return svc->ConfirmField(o.id, name, value, req.principal.id);
          });
        },
        [name](const json&) {
          return json{{"field", name}};
        });
  });
}

}  // namespace zx::http
