// The work-order routes (http/ticket_routes.h) behind the real auth middleware, over the real
// work-order service (an in-memory database, a fake clock, tickets::testing::ClockSla): every
// route for every role inside and outside its scope, the 东城区/西城区 case (403, audited), a
// department handler's list restricted to its department and district, 409 on an illegal move,
// 400 on bad bodies, personal data masked unless pii.read_full is given a purpose (audited).
#include "http/ticket_routes.h"

#include "http/ticket_report_routes.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "http/testing/route_test_fixture.h"
#include "security/keys.h"
#include "security/policy.h"
#include "tickets/testing/clock_sla.h"

namespace zx::http {
namespace {

using nlohmann::json;
using security::Role;

constexpr int64_t kStart = 1764900000000;  // 2025-12-05 10:00 China time
constexpr char kPhone[] = "13812345678";

class TicketRoutesTest : public testing::RouteTestBase {
 protected:
  TicketRoutesTest() : RouteTestBase(kStart) {
    auto cipher = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(f_.clock)));
    orders_ = std::move(tickets::WorkOrders::Open(*f_.db, cipher, sla_, f_.clock)).value();
    AddTicketRoutes(router_, *orders_, *f_.audit);
    AddTicketReportRoutes(router_, *orders_, *f_.db, *f_.audit, f_.clock);
    InstallAuth();
    east_ = Create("东城区", "幸福路", {{"cgj", tickets::Role::kLead}});
    west_ = Create("西城区", "解放路", {{"cgj", tickets::Role::kLead}});
  }

  std::string Create(const std::string& district, const std::string& place,
                     std::vector<tickets::Assignment> departments,
                     const std::string& topic = "ts.road_damage") {
    tickets::NewOrder n;
    n.text = place + "上井盖丢了，我电话" + kPhone;
    n.summary = place + "井盖缺失";
    n.topic = topic;
    n.district = district;
    n.place = place;
    n.departments = std::move(departments);
    n.contact = kPhone;
    n.name = "张三";
    f_.clock.Advance(std::chrono::minutes(1));
    return orders_->Create(n, "u:seed").value().id;
  }

  std::string KeyOf(const std::string& name, security::Scope scope = {}) {
    return f_.api_keys->Create(name, scope).value().key;
  }

  // With an X-Access-Purpose header when `purpose` is given.
  Response Call(const std::string& method, const std::string& target, const std::string& token,
                const std::string& body = "", const std::string& purpose = "") {
    if (purpose.empty()) return RouteTestBase::Call(method, target, token, body);
    return RouteTestBase::Call(method, target, token, body, {{"X-Access-Purpose", purpose}});
  }
  json Ok(const std::string& method, const std::string& target, const std::string& token,
          const std::string& body = "", int status = 200) {
    Response r = Call(method, target, token, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  std::vector<std::string> Ids(const json& list) {
    std::vector<std::string> out;
    for (const auto& r : list["rows"]) out.push_back(r["id"]);
    return out;
  }

  tickets::testing::ClockSla sla_;
  std::unique_ptr<tickets::WorkOrders> orders_;
  std::string east_, west_;
};

// Every route of the set, with a body that passes parsing where one is needed.
struct RouteCase {
  std::string method, pattern, body;
};
std::vector<RouteCase> AllRoutes() {
  return {
      {"POST", "/api/v1/tickets", R"({"text": "路灯不亮", "district": "东城区"})"},
      {"GET", "/api/v1/tickets", ""},
      {"GET", "/api/v1/tickets/tabs", ""},
      {"GET", "/api/v1/tickets/{id}", ""},
      {"POST", "/api/v1/tickets/{id}/dispatch", R"({"departments": [{"code": "zjj"}]})"},
      {"POST", "/api/v1/tickets/{id}/redispatch", R"({"to": "zjj", "reason": "属住建"})"},
      {"POST", "/api/v1/tickets/{id}/uphold", R"({"reason": "属城管"})"},
      {"POST", "/api/v1/tickets/{id}/accept", "{}"},
      {"POST", "/api/v1/tickets/{id}/return", R"({"reason": "属地不符"})"},
      {"POST", "/api/v1/tickets/{id}/extension", R"({"days": 2, "reason": "需检测"})"},
      {"POST", "/api/v1/tickets/{id}/extension/decision", R"({"approve": true})"},
      {"POST", "/api/v1/tickets/{id}/resolve", R"({"reply": "已补装井盖"})"},
      {"POST", "/api/v1/tickets/{id}/visit", R"({"solved": true, "satisfaction": 1})"},
      {"POST", "/api/v1/tickets/{id}/visit/unanswered", "{}"},
      {"POST", "/api/v1/tickets/{id}/merge", R"({"into": "GD202512050001"})"},
      {"POST", "/api/v1/tickets/{id}/unmerge", "{}"},
      {"POST", "/api/v1/tickets/{id}/fields/{name}", R"({"value": "幸福路"})"},
      // Figures and exports (http/ticket_report_routes.h).
      {"GET", "/api/v1/tickets/figures", ""},
      {"GET", "/api/v1/tickets/hotspots", ""},
      {"GET", "/api/v1/tickets/figures/export", ""},
      {"GET", "/api/v1/tickets/export", ""},
  };
}
std::string PathOf(const RouteCase& c, const std::string& id) {
  std::string p = c.pattern;
  if (auto at = p.find("{id}"); at != std::string::npos) p.replace(at, 4, id);
  if (auto at = p.find("{name}"); at != std::string::npos) p.replace(at, 6, "place");
  return p;
}

TEST_F(TicketRoutesTest, EveryRouteNamesAPermissionOfThePolicyTable) {
  std::set<std::string> registered;
  for (const RouteInfo& r : router_.Routes()) {
    EXPECT_NE(security::FindPermission(r.permission), nullptr) << r.method << " " << r.pattern;
    EXPECT_TRUE(r.permission.rfind("ticket.", 0) == 0 || r.permission == "report.export")
        << r.pattern;
    registered.insert(r.method + " " + r.pattern);
  }
  std::set<std::string> expected;
  for (const auto& c : AllRoutes()) expected.insert(c.method + " " + c.pattern);
  EXPECT_EQ(registered, expected);
}

// The route x role matrix: every route for every role, on an order inside the caller's scope
// (东城区 cgj) and one outside it (西城区 cgj). A role without the permission is refused by the
// policy (401/403 "does not have the permission"); a role with it is never refused inside its
// scope, and a scoped role is refused outside it (403 "outside your department or district").
// Each case runs on fresh orders, so a state reached by an earlier action never hides a refusal.
TEST_F(TicketRoutesTest, RouteByRoleMatrixInsideAndOutsideTheScope) {
  struct Who {
    std::string label;
    Role role;
    std::string token;
    bool scoped;
  };
  std::vector<Who> who = {
      {"anonymous", Role::kAnonymous, "", false},
      {"admin", Role::kAdmin, TokenOf("admin1", Role::kAdmin), false},
      {"supervisor", Role::kSupervisor, TokenOf("sup1", Role::kSupervisor), false},
      {"agent", Role::kAgent, TokenOf("agent1", Role::kAgent), false},
      {"handler 东城区 cgj", Role::kDepartmentHandler,
       TokenOf("h1", Role::kDepartmentHandler, {"cgj", "东城区"}), true},
      {"auditor", Role::kAuditor, TokenOf("aud1", Role::kAuditor), false},
      {"integration cgj 东城区", Role::kIntegration, KeyOf("cgj-east", {"cgj", "东城区"}), true},
      {"integration city-wide", Role::kIntegration, KeyOf("city"), false},
  };
  int checked = 0;
  for (const auto& c : AllRoutes()) {
    std::string permission;
    for (const RouteInfo& r : router_.Routes())
      if (r.method == c.method && r.pattern == c.pattern) permission = r.permission;
    ASSERT_FALSE(permission.empty()) << c.pattern;
    for (const auto& w : who) {
      // Places of their own, so that no case's order is merged (并单) into another's.
      std::string n = std::to_string(checked);
      std::string inside = Create("东城区", "幸福路" + n + "号", {{"cgj", tickets::Role::kLead}});
      std::string outside = Create("西城区", "解放路" + n + "号", {{"cgj", tickets::Role::kLead}});
      bool may = security::MayUse(w.role, permission);
      std::string where = c.method + " " + c.pattern + " as " + w.label;
      Response in = Call(c.method, PathOf(c, inside), w.token, c.body);
      if (!may) {
        EXPECT_EQ(in.status, w.role == Role::kAnonymous ? 401 : 403) << where << ": " << in.body;
        if (w.role != Role::kAnonymous) {
          EXPECT_NE(in.body.find("does not have the permission"), std::string::npos) << where;
        }
      } else {
        EXPECT_NE(in.status, 401) << where << ": " << in.body;
        EXPECT_NE(in.status, 403) << where << ": " << in.body;
        EXPECT_LT(in.status, 500) << where << ": " << in.body;
      }
      ++checked;
      if (c.pattern.find("{id}") == std::string::npos) continue;
      Response out = Call(c.method, PathOf(c, outside), w.token, c.body);
      if (!may) {
        EXPECT_EQ(out.status, w.role == Role::kAnonymous ? 401 : 403) << where;
      } else if (w.scoped) {
        EXPECT_EQ(out.status, 403) << where << " outside: " << out.body;
        EXPECT_NE(out.body.find("outside your department or district"), std::string::npos)
            << where << " outside: " << out.body;
        EXPECT_FALSE(Entries("record.denied", outside).empty()) << where;
        EXPECT_EQ(out.body.find(kPhone), std::string::npos);
      } else {
        EXPECT_NE(out.status, 403) << where << " outside: " << out.body;
        EXPECT_NE(out.status, 401) << where << " outside: " << out.body;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 21 * 8 + 14 * 8);  // 21 routes, 14 of them on one order
}

// Issue 12: a handler of 东城区 cannot read or act on a 西城区 order of its own department: 403,
// audited under the order's id; the order is unchanged and absent from the handler's lists.
TEST_F(TicketRoutesTest, AnEastHandlerNeitherReadsNorActsOnAWestOrder) {
  std::string h = TokenOf("east.cgj", Role::kDepartmentHandler, {"cgj", "东城区"});
  Response read = Call("GET", "/api/v1/tickets/" + west_, h);
  EXPECT_EQ(read.status, 403);
  EXPECT_EQ(read.body.find(kPhone), std::string::npos);
  EXPECT_EQ(read.body.find("解放路"), std::string::npos);
  Response accept = Call("POST", "/api/v1/tickets/" + west_ + "/accept", h, "{}");
  EXPECT_EQ(accept.status, 403);
  EXPECT_EQ(orders_->Get(west_)->tasks[0].state, tickets::TaskState::kDispatched);

  auto denied = Entries("record.denied", west_);
  ASSERT_EQ(denied.size(), 2u);
  std::string details;
  for (const auto& e : denied) {
    EXPECT_EQ(e.event.object_type, "ticket");
    EXPECT_EQ(e.event.actor, "east.cgj");
    details += e.event.details_json;
  }
  EXPECT_NE(details.find("ticket.read"), std::string::npos);
  EXPECT_NE(details.find("ticket.handle"), std::string::npos);
  EXPECT_EQ(Entries("http.denied").size(), 2u);  // and the middleware's own entries
  EXPECT_TRUE(Entries("ticket.read", west_).empty());

  // Its own order: read and 签收, both audited.
  EXPECT_EQ(Ok("GET", "/api/v1/tickets/" + east_, h)["id"], east_);
  EXPECT_EQ(Ok("POST", "/api/v1/tickets/" + east_ + "/accept", h, "")["tasks"][0]["state"],
            "accepted");
  EXPECT_EQ(Entries("ticket.read", east_).size(), 1u);
  EXPECT_EQ(Entries("ticket.accept", east_).size(), 1u);

  // A handler with a department but no district covers every district of its department.
  std::string city = TokenOf("all.cgj", Role::kDepartmentHandler, {"cgj", ""});
  EXPECT_EQ(Call("GET", "/api/v1/tickets/" + west_, city).status, 200);
}

TEST_F(TicketRoutesTest, AHandlersListIsRestrictedWhateverItsFilters) {
  std::string zjj_east = Create("东城区", "和平路", {{"zjj", tickets::Role::kLead}});
  std::string shared =
      Create("东城区", "人民路", {{"zjj", tickets::Role::kLead}, {"cgj", tickets::Role::kAssist}});
  std::string h = TokenOf("east.cgj", Role::kDepartmentHandler, {"cgj", "东城区"});
  std::vector<std::string> mine = {shared, east_};  // newest first
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets", h)), mine);
  EXPECT_EQ(
      Ids(Ok("GET", "/api/v1/tickets?department=zjj&district=%E8%A5%BF%E5%9F%8E%E5%8C%BA", h)),
      mine);
  json all = Ok("GET", "/api/v1/tickets?limit=500", h);
  EXPECT_EQ(all["total"], 2);
  // The dispatcher sees every order, and filters as it likes.
  std::string agent = TokenOf("agent", Role::kAgent);
  EXPECT_EQ(Ok("GET", "/api/v1/tickets", agent)["total"], 4);
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets?department=zjj", agent)),
            (std::vector<std::string>{shared, zjj_east}));
  // A department's system (integration key) scoped to zjj sees zjj's orders in every district.
  std::string key = KeyOf("zjj-system", {"zjj", ""});
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets?department=cgj", key)),
            (std::vector<std::string>{shared, zjj_east}));
  // A handler cannot act on the other department's task of an order it shares.
  Response other =
      Call("POST", "/api/v1/tickets/" + shared + "/accept", h, R"({"department": "zjj"})");
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(Ok("POST", "/api/v1/tickets/" + shared + "/accept", h, "{}")["tasks"][1]["state"],
            "accepted");
  // Every list is audited with the ids it showed.
  auto lists = Entries("ticket.list");
  ASSERT_FALSE(lists.empty());
  EXPECT_NE(lists[0].event.details_json.find(east_), std::string::npos);
}

TEST_F(TicketRoutesTest, ListsFilterPageAndSortOnTheServer) {
  std::string agent = TokenOf("agent", Role::kAgent);
  std::string urgent = Create("东城区", "幸福路口", {{"cgj", tickets::Role::kLead}});
  ASSERT_TRUE(orders_->ConfirmField(urgent, "sla", "2h", "u:1").ok());
  std::string pending = Create("高新区", "科技园", {});
  json page = Ok("GET", "/api/v1/tickets?limit=2", agent);
  EXPECT_EQ(page["total"], 4);
  EXPECT_EQ(Ids(page), (std::vector<std::string>{pending, urgent}));
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets?limit=2&offset=2", agent)),
            (std::vector<std::string>{west_, east_}));
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets?order=asc&limit=1", agent)),
            (std::vector<std::string>{east_}));
  EXPECT_EQ(Ok("GET", "/api/v1/tickets?state=dispatched&sort=due&order=asc&limit=1",
               agent)["rows"][0]["id"],
            urgent);
  EXPECT_EQ(Ok("GET", "/api/v1/tickets?state=dispatched&sort=due&order=desc&limit=1",
               agent)["rows"][0]["id"],
            west_);
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets?state=pending_dispatch", agent)),
            (std::vector<std::string>{pending}));
  EXPECT_EQ(Ok("GET", "/api/v1/tickets?district=%E8%A5%BF%E5%9F%8E%E5%8C%BA", agent)["total"], 1);
  EXPECT_EQ(Ok("GET", "/api/v1/tickets?sla=2h", agent)["total"], 1);
  EXPECT_EQ(Ok("GET", "/api/v1/tickets?phone=13812345678", agent)["total"], 4);
  EXPECT_EQ(Ok("GET", "/api/v1/tickets?from=2025-12-06", agent)["total"], 0);
  EXPECT_EQ(Ok("GET", "/api/v1/tickets?until=2025-12-06&from=2025-12-05", agent)["total"], 4);
  EXPECT_EQ(Ok("GET", "/api/v1/tickets?overdue=true", agent)["total"], 0);
  json row = Ok("GET", "/api/v1/tickets?limit=1", agent)["rows"][0];
  EXPECT_EQ(row["state"], "pending_dispatch");
  EXPECT_EQ(row["contact_masked"], "138****5678");
  for (const char* bad : {"limit=0", "limit=501", "offset=-1", "sort=name", "order=up",
                          "state=open", "sla=3d", "from=yesterday", "warned=maybe"})
    EXPECT_EQ(Call("GET", std::string("/api/v1/tickets?") + bad, agent).status, 400) << bad;
}

// The tabs of the work-order screens: a handler's count and list are of its department's tasks
// in its district; a supervisor's of the orders. Each row says the time left.
TEST_F(TicketRoutesTest, TabsCountAndListWhatTheScreensShow) {
  std::string h = TokenOf("east.cgj", Role::kDepartmentHandler, {"cgj", "东城区"});
  std::string second = Create("东城区", "幸福路二号", {{"cgj", tickets::Role::kLead}});
  std::string third = Create("东城区", "幸福路三号", {{"cgj", tickets::Role::kLead}});
  std::string zjj_lead =
      Create("东城区", "人民路", {{"zjj", tickets::Role::kLead}, {"cgj", tickets::Role::kAssist}});
  std::string pending = Create("高新区", "科技园", {});
  Ok("POST", "/api/v1/tickets/" + second + "/accept", h, "{}");
  Ok("POST", "/api/v1/tickets/" + third + "/return", h, R"({"reason": "属地不符"})");
  auto tabs = [&](const std::string& token, const std::string& query = "") {
    json t = Ok("GET", "/api/v1/tickets/tabs" + query, token)["tabs"];
    return std::map<std::string, int>{
        {"to_accept", t["to_accept"]},     {"in_progress", t["in_progress"]},
        {"warning", t["warning"]},         {"overdue", t["overdue"]},
        {"to_visit", t["to_visit"]},       {"done", t["done"]},
        {"to_dispatch", t["to_dispatch"]}, {"returned", t["returned"]}};
  };
  using Counts = std::map<std::string, int>;
  // The handler: east_ and zjj_lead's assisting task wait, second is accepted, third returned
  // (and so back with the dispatcher: its only task was returned); west_ (西城区) and zjj's own
  // task are not hers, whatever she asks for.
  const Counts mine = {{"to_accept", 2}, {"in_progress", 1}, {"warning", 0},     {"overdue", 0},
                       {"to_visit", 0},  {"done", 0},        {"to_dispatch", 1}, {"returned", 1}};
  EXPECT_EQ(tabs(h), mine);
  EXPECT_EQ(tabs(h, "?department=zjj&district=%E8%A5%BF%E5%9F%8E%E5%8C%BA"), mine);
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets?tab=to_accept", h)),
            (std::vector<std::string>{zjj_lead, east_}));
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets?tab=in_progress", h)),
            (std::vector<std::string>{second}));
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets?tab=returned", h)), (std::vector<std::string>{third}));
  // The supervisor's view is of orders: third went back to the dispatcher (its only task was
  // returned), pending never left it.
  std::string sup = TokenOf("sup", Role::kSupervisor);
  const Counts orders = {{"to_accept", 3}, {"in_progress", 1}, {"warning", 0},     {"overdue", 0},
                         {"to_visit", 0},  {"done", 0},        {"to_dispatch", 2}, {"returned", 1}};
  EXPECT_EQ(tabs(sup), orders);
  EXPECT_EQ(Ids(Ok("GET", "/api/v1/tickets?tab=to_dispatch", sup)),
            (std::vector<std::string>{pending, third}));
  EXPECT_EQ(tabs(sup, "?department=cgj&district=%E4%B8%9C%E5%9F%8E%E5%8C%BA"), mine);
  EXPECT_EQ(Call("GET", "/api/v1/tickets?tab=soon", sup).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/tickets/tabs?sla=3d", sup).status, 400);
  // 办结 moves the task to done and the order to 待回访; past the deadline a live task is 超时.
  Ok("POST", "/api/v1/tickets/" + second + "/resolve", h, R"({"reply": "已补装井盖"})");
  f_.clock.Advance(std::chrono::hours(30));
  ASSERT_TRUE(orders_->Tick().ok());
  h = TokenOf("east.cgj.later", Role::kDepartmentHandler, {"cgj", "东城区"});  // a new session
  Counts later = tabs(h);
  EXPECT_EQ(later["done"], 1);
  EXPECT_EQ(later["to_visit"], 1);
  EXPECT_EQ(later["overdue"], 2);
  EXPECT_EQ(later["in_progress"], 0);
  // Time left: a 24h task past its deadline is negative and has no working days; a 7d one
  // counts its working days after today.
  json row = Ok("GET", "/api/v1/tickets?tab=overdue&limit=1", h)["rows"][0];
  EXPECT_LT(row["left"]["ms"].get<int64_t>(), 0);
  EXPECT_TRUE(row["left"]["working_days"].is_null());
  std::string slow = Create("东城区", "幸福路四号", {{"cgj", tickets::Role::kLead}});
  ASSERT_TRUE(orders_->ConfirmField(slow, "sla", "7d", "u:1").ok());
  row = Ok("GET", "/api/v1/tickets?tab=to_accept&limit=1", h)["rows"][0];
  ASSERT_EQ(row["id"], slow);
  EXPECT_EQ(row["left"]["working_days"], 7);  // the test calendar works every day
  EXPECT_GT(row["left"]["ms"].get<int64_t>(), 6 * 24 * 3600 * 1000LL);
}

TEST_F(TicketRoutesTest, TheWholeLifeOfAnOrderThroughTheRoutes) {
  std::string agent = TokenOf("agent", Role::kAgent);
  std::string sup = TokenOf("sup", Role::kSupervisor);
  std::string cgj = TokenOf("h.cgj", Role::kDepartmentHandler, {"cgj", "东城区"});
  std::string zjj = TokenOf("h.zjj", Role::kDepartmentHandler, {"zjj", ""});

  json o =
      Ok("POST", "/api/v1/tickets", agent,
         R"({"text": "建设路的路灯坏了一个星期了，电话13900001111", "summary": "建设路路灯不亮",
                  "topic": "ts.streetlight", "district": "东城区", "place": "建设路",
                  "sla": "7d", "channel": "agent", "contact": "13900001111", "name": "李四"})",
         201);
  std::string id = o["id"];
  EXPECT_EQ(o["state"], "pending_dispatch");
  EXPECT_EQ(o["contact_masked"], "139****1111");
  EXPECT_TRUE(o["personal"].is_null());
  EXPECT_EQ(o.dump().find("13900001111"), std::string::npos);
  EXPECT_EQ(Entries("ticket.create", id).size(), 1u);

  // 派单 to cgj; the handler returns it (退单); the dispatcher re-dispatches (改派) to zjj.
  o = Ok("POST", "/api/v1/tickets/" + id + "/dispatch", agent,
         R"({"departments": [{"code": "cgj", "role": "主办"}], "reason": "人工派单"})");
  EXPECT_EQ(o["state"], "dispatched");
  EXPECT_EQ(Call("POST", "/api/v1/tickets/" + id + "/dispatch", agent,
                 R"({"departments": [{"code": "cgj"}]})")
                .status,
            409);  // dispatched already
  EXPECT_EQ(Call("POST", "/api/v1/tickets/" + id + "/return", cgj, "{}").status, 400);
  o = Ok("POST", "/api/v1/tickets/" + id + "/return", cgj, R"({"reason": "职能交叉"})");
  EXPECT_EQ(o["state"], "pending_dispatch");
  EXPECT_EQ(Ok("GET", "/api/v1/tickets?returned=1", agent)["rows"][0]["id"], id);
  // The department that returned it no longer has it: its task is withdrawn by 改派.
  o = Ok("POST", "/api/v1/tickets/" + id + "/redispatch", agent,
         R"({"department": "cgj", "to": "zjj", "reason": "属住建"})");
  EXPECT_EQ(o["lead_department"], "zjj");
  EXPECT_EQ(Call("GET", "/api/v1/tickets/" + id, cgj).status, 403);

  // 签收, 延期 asked and approved, 办结 with the reply.
  EXPECT_EQ(
      Call("POST", "/api/v1/tickets/" + id + "/resolve", zjj, R"({"reply": "已修复"})").status,
      409);  // not accepted yet
  Response early =
      Call("POST", "/api/v1/tickets/" + id + "/resolve", zjj, R"({"reply": "已修复"})");
  EXPECT_NE(json::parse(early.body)["error"]["message"].get<std::string>().find("待签收"),
            std::string::npos);
  Ok("POST", "/api/v1/tickets/" + id + "/accept", zjj, "");
  int64_t due = orders_->Get(id)->tasks.back().due_ms;
  EXPECT_EQ(
      Call("POST", "/api/v1/tickets/" + id + "/extension", zjj, R"({"days": 0, "reason": "x"})")
          .status,
      400);
  Ok("POST", "/api/v1/tickets/" + id + "/extension", zjj, R"({"days": 3, "reason": "需更换线缆"})");
  EXPECT_EQ(
      Call("POST", "/api/v1/tickets/" + id + "/extension/decision", agent, R"({"approve": true})")
          .status,
      403);  // only supervisors decide
  EXPECT_EQ(Call("POST", "/api/v1/tickets/" + id + "/extension/decision", sup, "{}").status, 400);
  o = Ok("POST", "/api/v1/tickets/" + id + "/extension/decision", sup,
         R"({"approve": true, "reason": "同意"})");
  EXPECT_EQ(o["tasks"].back()["due_ms"], due + 3 * tickets::testing::ClockSla::kDay);
  EXPECT_EQ(o["tasks"].back()["extension"]["state"], "approved");
  EXPECT_EQ(Call("POST", "/api/v1/tickets/" + id + "/resolve", zjj, "{}").status, 400);
  o = Ok("POST", "/api/v1/tickets/" + id + "/resolve", zjj, R"({"reply": "已更换路灯"})");
  EXPECT_EQ(o["state"], "resolved");
  EXPECT_EQ(o["visit"], "due");

  // 回访: 不满意 (key 3) reopens once; the second visit archives it.
  EXPECT_EQ(Call("POST", "/api/v1/tickets/" + id + "/visit", agent,
                 R"({"solved": false, "satisfaction": "还行"})")
                .status,
            400);
  o = Ok("POST", "/api/v1/tickets/" + id + "/visit", agent,
         R"({"solved": false, "satisfaction": 3})");
  EXPECT_EQ(o["state"], "dispatched");
  EXPECT_EQ(o["reopened"], 1);
  Ok("POST", "/api/v1/tickets/" + id + "/accept", zjj, "");
  Ok("POST", "/api/v1/tickets/" + id + "/resolve", zjj, R"({"reply": "已再次检修"})");
  o = Ok("POST", "/api/v1/tickets/" + id + "/visit", agent,
         R"({"solved": true, "satisfaction": "基本满意"})");
  EXPECT_EQ(o["state"], "closed");
  EXPECT_EQ(o["satisfaction"], "基本满意");
  EXPECT_EQ(Call("POST", "/api/v1/tickets/" + id + "/visit/unanswered", agent, "").status, 409);

  // The history tells it all, and every action is in the audit log under the order's id.
  json full = Ok("GET", "/api/v1/tickets/" + id, sup);
  std::vector<std::string> actions;
  for (const auto& e : full["history"]) actions.push_back(e["action"]);
  for (const char* a : {"create", "dispatch", "return", "redispatch", "accept", "resolve", "visit"})
    EXPECT_NE(std::find(actions.begin(), actions.end(), a), actions.end()) << a;
  for (const char* a : {"ticket.create", "ticket.dispatch", "ticket.return", "ticket.redispatch",
                        "ticket.accept", "ticket.extension", "ticket.extension.decision",
                        "ticket.resolve", "ticket.visit", "ticket.read"})
    EXPECT_FALSE(Entries(a, id).empty()) << a;
  security::AuditQuery by_zjj;
  by_zjj.actor = "h.zjj";
  by_zjj.action_prefix = "ticket.extension";
  auto asked = f_.audit->Query(by_zjj).value();
  ASSERT_EQ(asked.size(), 1u);  // asked by the zjj handler; decided by the supervisor
  EXPECT_EQ(asked[0].event.object_id, id);
}

TEST_F(TicketRoutesTest, MergeUndoAndFieldsByTheDispatcher) {
  std::string agent = TokenOf("agent", Role::kAgent);
  std::string dup = Create("东城区", "幸福路东段", {{"cgj", tickets::Role::kLead}});
  json o = Ok("POST", "/api/v1/tickets/" + dup + "/merge", agent,
              R"({"into": ")" + east_ + R"(", "reason": "同一井盖"})");
  EXPECT_EQ(o["state"], "merged");
  EXPECT_EQ(o["merged_into"], east_);
  json parent = Ok("GET", "/api/v1/tickets/" + east_, agent);
  ASSERT_EQ(parent["merged_reporters"].size(), 1u);
  EXPECT_EQ(parent["merged_reporters"][0]["id"], dup);
  EXPECT_EQ(parent["merged_reporters"][0]["contact_masked"], "138****5678");
  EXPECT_EQ(Call("POST", "/api/v1/tickets/" + dup + "/merge", agent, R"({"into": "GD1"})").status,
            404);
  o = Ok("POST", "/api/v1/tickets/" + dup + "/unmerge", agent, R"({"reason": "并错了"})");
  EXPECT_NE(o["state"], "merged");
  EXPECT_EQ(Call("POST", "/api/v1/tickets/" + dup + "/unmerge", agent, "").status, 409);

  o = Ok("POST", "/api/v1/tickets/" + east_ + "/fields/place", agent,
         R"({"value": "幸福路12号院"})");
  EXPECT_EQ(o["place"], "幸福路12号院");
  EXPECT_EQ(
      Call("POST", "/api/v1/tickets/" + east_ + "/fields/colour", agent, R"({"value": "red"})")
          .status,
      400);
  EXPECT_FALSE(Entries("ticket.field", east_).empty());
}

TEST_F(TicketRoutesTest, BadBodiesAnswer400AndUnknownOrders404) {
  std::string agent = TokenOf("agent", Role::kAgent);
  for (const char* body :
       {"", "not json", "[]", R"({"text": ""})", R"({"summary": "no text"})",
        R"({"text": "x", "colour": "red"})", R"({"text": "x", "sla": "3d"})",
        R"({"text": "x", "departments": "cgj"})", R"({"text": "x", "departments": [{"role": 1}]})",
        R"({"text": "x", "departments": [{"code": "cgj", "role": "boss"}]})",
        R"({"text": "x", "channel": "fax"})", R"({"text": 5})", R"({"text": "x", "urgent": "yes"})",
        R"({"text": "x", "departments": [{"code": "cgj"}, {"code": "cgj", "role": "assist"}]})"}) {
    Response r = Call("POST", "/api/v1/tickets", agent, body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "invalid_argument") << body;
  }
  for (const char* body : {"[1]", R"({"departments": []})", R"({"departments": [{"code": "a"}],
                           "extra": 1})"})
    EXPECT_EQ(Call("POST", "/api/v1/tickets/" + east_ + "/dispatch", agent, body).status, 400)
        << body;
  EXPECT_EQ(
      Call("POST", "/api/v1/tickets/" + east_ + "/redispatch", agent, R"({"to": "zjj"})").status,
      400);  // reason required
  EXPECT_EQ(
      Call("POST", "/api/v1/tickets/" + east_ + "/visit", agent, R"({"satisfaction": 1})").status,
      400);  // solved required
  // 延期: 1 to kMaxExtensionUnits, as the service allows (the route said 60 before).
  std::string h = TokenOf("east.cgj", Role::kDepartmentHandler, {"cgj", "东城区"});
  Response long_one = Call("POST", "/api/v1/tickets/" + east_ + "/extension", h,
                           R"({"days": 31, "reason": "需检测"})");
  EXPECT_EQ(long_one.status, 400) << long_one.body;
  EXPECT_NE(long_one.body.find("1-30"), std::string::npos) << long_one.body;
  EXPECT_EQ(Call("GET", "/api/v1/tickets/GD202512059999", agent).status, 404);
  EXPECT_EQ(
      Call("POST", "/api/v1/tickets/GD202512059999/uphold", agent, R"({"reason": "x"})").status,
      404);
  // A visit before 办结 is not legal now: 409 with the service's message.
  Response visit = Call("POST", "/api/v1/tickets/" + east_ + "/visit", agent,
                        R"({"solved": true, "satisfaction": "满意"})");
  EXPECT_EQ(visit.status, 409) << visit.body;
  EXPECT_EQ(json::parse(visit.body)["error"]["code"], "failed_precondition");
}

TEST_F(TicketRoutesTest, PersonalDataOpensOnlyWithPiiReadFullAndAPurposeAndIsAudited) {
  std::string agent = TokenOf("agent", Role::kAgent);
  Response masked = Call("GET", "/api/v1/tickets/" + east_, agent);
  ASSERT_EQ(masked.status, 200) << masked.body;
  json m = json::parse(masked.body);
  EXPECT_TRUE(m["personal"].is_null());
  EXPECT_EQ(m["personal_opened"], false);
  EXPECT_EQ(m["contact_masked"], "138****5678");
  EXPECT_EQ(masked.body.find(kPhone), std::string::npos);  // not in the text either
  EXPECT_EQ(masked.body.find("张三"), std::string::npos);
  EXPECT_TRUE(Entries("ticket.read_personal").empty());

  Response opened = Call("GET", "/api/v1/tickets/" + east_, agent, "", "回电核实 工单" + east_);
  ASSERT_EQ(opened.status, 200);
  json o = json::parse(opened.body);
  EXPECT_EQ(o["personal"]["contact"], kPhone);
  EXPECT_EQ(o["personal"]["name"], "张三");
  auto reads = Entries("ticket.read_personal", east_);
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].event.purpose, "回电核实 工单" + east_);
  EXPECT_EQ(reads[0].event.actor, "agent");
  EXPECT_EQ(reads[0].event.details_json.find(kPhone), std::string::npos);

  // A scoped handler holds pii.read_full within its scope; an integration client never does.
  std::string h = TokenOf("h", Role::kDepartmentHandler, {"cgj", "东城区"});
  EXPECT_EQ(
      json::parse(
          Call("GET", "/api/v1/tickets/" + east_, h, "", "上门处理").body)["personal"]["contact"],
      kPhone);
  std::string key = KeyOf("city");
  Response by_key = Call("GET", "/api/v1/tickets/" + east_, key, "", "同步");
  EXPECT_TRUE(json::parse(by_key.body)["personal"].is_null());
  EXPECT_EQ(Entries("ticket.read_personal", east_).size(), 2u);
  // Lists never carry it.
  Response list = Call("GET", "/api/v1/tickets", agent, "", "查看");
  EXPECT_EQ(list.body.find(kPhone), std::string::npos);
}

// The figures of the period, for the supervisor across departments and for a handler of its own
// department only; the hotspots of a handler's own district.
TEST_F(TicketRoutesTest, FiguresAreScopedToTheHandlersDepartment) {
  std::string sup = TokenOf("sup1", Role::kSupervisor);
  Create("东城区", "和平路", {{"zjj", tickets::Role::kLead}});
  json all = Ok("GET", "/api/v1/tickets/figures", sup);
  EXPECT_EQ(all["total"]["created"], 3);
  EXPECT_EQ(all["total"]["department"], "");
  std::set<std::string> departments;
  for (const auto& d : all["departments"]) departments.insert(d["department"]);
  EXPECT_EQ(departments, (std::set<std::string>{"cgj", "zjj"}));
  EXPECT_EQ(all["total"]["response"]["denominator"], 3);  // three tasks dispatched
  EXPECT_FALSE(Entries("ticket.figures").empty());

  std::string h = TokenOf("h1", Role::kDepartmentHandler, {"zjj", "东城区"});
  json mine = Ok("GET", "/api/v1/tickets/figures?department=cgj", h);
  EXPECT_EQ(mine["total"]["department"], "zjj");  // its own, whatever it asks for
  EXPECT_EQ(mine["total"]["response"]["denominator"], 1);
  EXPECT_TRUE(mine["departments"].empty());
  EXPECT_TRUE(Ok("GET", "/api/v1/tickets/hotspots", h)["hotspots"].is_array());

  Ok("GET", "/api/v1/tickets/figures?from=2025-12-06&until=2025-12-01", sup, "", 400);
  Ok("GET", "/api/v1/tickets/figures?tier=3h", sup, "", 400);
  Ok("GET", "/api/v1/tickets/figures", TokenOf("agent1", Role::kAgent), "", 403);
}

// Exports for the supervisor: the filtered list as CSV (Excel-readable, masked numbers only) and
// XLSX, the figures too; audited with what was exported.
TEST_F(TicketRoutesTest, ExportsAreFilesWithMaskedNumbersOnly) {
  std::string sup = TokenOf("sup1", Role::kSupervisor);
  Response csv = Call("GET", "/api/v1/tickets/export?format=csv&district=东城区", sup);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.body.find(east_), std::string::npos);
  EXPECT_EQ(csv.body.find(west_), std::string::npos);
  EXPECT_EQ(csv.body.find(kPhone), std::string::npos);
  EXPECT_NE(csv.body.find("138****5678"), std::string::npos);
  EXPECT_NE(csv.Header("Content-Disposition").find("tickets.csv"), std::string::npos);
  auto exported = Entries("ticket.export");
  ASSERT_FALSE(exported.empty());
  EXPECT_NE(exported.back().event.details_json.find("\"rows\":1"), std::string::npos);

  Response xlsx = Call("GET", "/api/v1/tickets/export", sup);
  ASSERT_EQ(xlsx.status, 200) << xlsx.body;
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
  Response figures = Call("GET", "/api/v1/tickets/figures/export?format=csv", sup);
  ASSERT_EQ(figures.status, 200) << figures.body;
  EXPECT_NE(figures.body.find("响应率"), std::string::npos);
  EXPECT_NE(figures.body.find("全部"), std::string::npos);

  EXPECT_EQ(Call("GET", "/api/v1/tickets/export?format=pdf", sup).status, 400);
  std::string h = TokenOf("h1", Role::kDepartmentHandler, {"cgj", "东城区"});
  EXPECT_EQ(Call("GET", "/api/v1/tickets/export", h).status, 403);
}

}  // namespace
}  // namespace zx::http
