// The campaign routes (http/campaign_routes.h) behind the real auth middleware, over the real
// engine (a SQLite database in a temporary directory, a FakeClock, the fake gateway of
// campaigns/testing/fake_voice.h): every route for every role, a campaign made from an uploaded
// target file, a file that is not one (400 naming the column or the line), the state moves and
// 409 for a wrong one, targets and drill-down masked (no number, name or ID number of the file in
// any answer), the export as CSV and XLSX, the engine's change notices behind the live figures
// (the staff event stream's "campaign"), the audit.
#include "http/campaign_routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "base/testing/temp_dir.h"
#include "campaigns/campaign_metrics.h"
#include "campaigns/campaign_text.h"
#include "campaigns/testing/fake_voice.h"
#include "http/campaign_json.h"
#include "http/testing/route_test_fixture.h"
#include "security/keys.h"
#include "security/policy.h"
#include "storage/testing/test_database.h"
#include "text/table_reader.h"
#include "tickets/testing/clock_sla.h"

namespace zx::http {
namespace {

using nlohmann::json;
using security::Role;

constexpr int64_t kStart = 1796608800000;  // Monday 2026-12-07 10:00 China time
constexpr char kCsv[] = "text/csv";
const std::string kTargets = std::string(ZX_SOURCE_DIR) + "/tests/campaigns/targets.csv";

// What the file holds that must never come back: numbers, names and ID numbers of its people.
const char* const kPersonal[] = {"13812345678",
                                 "13900001111",
                                 "13900007777",
                                 "13900008888",
                                 "13900009999",
                                 "张三",
                                 "李四",
                                 "吴十",
                                 "郑一",
                                 "冯二",
                                 "110101199003078515",
                                 "44030419851231002",
                                 "110101198501010017",
                                 "330106199203150027",
                                 "51010719951001042"};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The message of a JSON error answer ("" for anything else).
std::string MessageOf(const Response& r) {
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return "";
  return j["error"].value("message", "");
}

class CampaignRoutesTest : public testing::RouteTestBase {
 protected:
  CampaignRoutesTest() : RouteTestBase(kStart) {
    db_ = std::move(
        storage::OpenDatabase(storage::testing::TestDatabasePlace(dir_.File("zhixian.db")).value())
            .value());
    auto cipher = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(f_.clock)));
    calls_ = std::move(campaigns::NoticeCalls::Open(*db_, cipher, f_.clock).value());
    EXPECT_TRUE(calls_->Attach(&gateway_, &tts_).ok());
    scenarios_ =
        campaigns::ScenarioTable::Load(std::string(ZX_SOURCE_DIR) + "/kb/campaigns/scenarios.toml")
            .value();
    auto policy = campaigns::CampaignPolicyFrom(campaigns::CampaignConfig{});
    EXPECT_TRUE(policy.ok()) << policy.status().message();
    campaigns_ = std::move(campaigns::Campaigns::Open(*db_, cipher, *calls_, nullptr, scenarios_,
                                                      sla_, f_.clock, *policy)
                               .value());
    AddCampaignRoutes(router_, *campaigns_, *f_.audit, dir_.path());
    InstallAuth();
    supervisor_ = TokenOf("sup1", Role::kSupervisor);
  }
  ~CampaignRoutesTest() override { calls_->Detach(); }

  Response Call(const std::string& method, const std::string& target, const std::string& token,
                const std::string& body = "", const std::string& content_type = "") {
    Fields headers;
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    Response r = RouteTestBase::Call(method, target, token, body, headers);
    answers_ += r.body;
    return r;
  }
  json Ok(const std::string& method, const std::string& target, const std::string& body = "",
          int status = 200, const std::string& content_type = "") {
    Response r = Call(method, target, supervisor_, body, content_type);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  // A campaign of targets.csv (5 people to call: 张三's two notices merged into one call).
  std::string Create(const std::string& name = "十二月通知") {
    json j = Ok("POST", "/api/v1/campaigns?name=" + name + "&as_of=2026-12-01&file=targets.csv",
                ReadFile(kTargets), 201, kCsv);
    return j["campaign"]["id"].get<std::string>();
  }
  // No personal datum of the file in anything answered so far.
  void ExpectNothingPersonal() {
    for (const char* p : kPersonal) EXPECT_EQ(answers_.find(p), std::string::npos) << p;
  }

  zx::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  campaigns::testing::FakeGateway gateway_;
  campaigns::testing::FakeSynthesizer tts_;
  std::unique_ptr<campaigns::NoticeCalls> calls_;
  campaigns::ScenarioTable scenarios_;
  tickets::testing::ClockSla sla_;
  std::unique_ptr<campaigns::Campaigns> campaigns_;
  std::string supervisor_;
  std::string answers_;  // every body answered
};

struct RouteCase {
  std::string method, pattern;
};
const std::vector<RouteCase>& AllRoutes() {
  static const std::vector<RouteCase> routes = {
      {"POST", "/api/v1/campaigns"},
      {"GET", "/api/v1/campaigns"},
      {"GET", "/api/v1/campaigns/rules"},
      {"GET", "/api/v1/campaigns/{id}"},
      {"POST", "/api/v1/campaigns/{id}/files"},
      {"POST", "/api/v1/campaigns/{id}/start"},
      {"POST", "/api/v1/campaigns/{id}/pause"},
      {"POST", "/api/v1/campaigns/{id}/resume"},
      {"POST", "/api/v1/campaigns/{id}/cancel"},
      {"PUT", "/api/v1/campaigns/{id}/rules"},
      {"GET", "/api/v1/campaigns/{id}/targets"},
      {"GET", "/api/v1/campaigns/{id}/targets/{seq}"},
      {"GET", "/api/v1/campaigns/{id}/export"},
  };
  return routes;
}

TEST_F(CampaignRoutesTest, EveryRouteNamesItsPermission) {
  std::set<std::string> registered, expected;
  for (const RouteInfo& r : router_.Routes()) {
    EXPECT_NE(security::FindPermission(r.permission), nullptr) << r.pattern;
    EXPECT_EQ(r.permission, r.pattern.ends_with("/export") ? "report.export" : "campaign.manage")
        << r.method << " " << r.pattern;
    registered.insert(r.method + " " + r.pattern);
  }
  for (const auto& c : AllRoutes()) expected.insert(c.method + " " + c.pattern);
  EXPECT_EQ(registered, expected);
}

// A department's target file is larger than an ordinary request: the two upload routes take
// up to max_upload_bytes, every other route keeps the server's limit.
TEST_F(CampaignRoutesTest, UploadRoutesTakeLargerBodies) {
  EXPECT_EQ(router_.BodyLimit("POST", "/api/v1/campaigns"), 32u << 20);
  EXPECT_EQ(router_.BodyLimit("POST", "/api/v1/campaigns/CP2026-1201-001/files"), 32u << 20);
  EXPECT_EQ(router_.BodyLimit("POST", "/api/v1/campaigns/CP2026-1201-001/start"), 0u);
  EXPECT_EQ(router_.BodyLimit("GET", "/api/v1/campaigns"), 0u);
}

// Supervisors only (the policy table): every other role is refused by the policy, audited.
TEST_F(CampaignRoutesTest, RouteByRoleMatrix) {
  std::string id = Create();
  struct Who {
    std::string label;
    Role role;
    std::string token;
  };
  std::vector<Who> who = {
      {"anonymous", Role::kAnonymous, ""},
      {"admin", Role::kAdmin, TokenOf("admin1", Role::kAdmin)},
      {"supervisor", Role::kSupervisor, supervisor_},
      {"agent", Role::kAgent, TokenOf("agent1", Role::kAgent)},
      {"handler", Role::kDepartmentHandler,
       TokenOf("h1", Role::kDepartmentHandler, {"rsj", "东城区"})},
      {"auditor", Role::kAuditor, TokenOf("aud1", Role::kAuditor)},
      {"integration", Role::kIntegration, f_.api_keys->Create("rsj", {"rsj", ""}).value().key},
  };
  int checked = 0;
  for (const auto& c : AllRoutes()) {
    std::string path = c.pattern;
    if (auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id);
    if (auto at = path.find("{seq}"); at != std::string::npos) path.replace(at, 5, "1");
    for (const auto& w : who) {
      std::string where = c.method + " " + c.pattern + " as " + w.label;
      bool may = w.role == Role::kSupervisor;
      EXPECT_EQ(security::MayUse(
                    w.role, c.pattern.ends_with("/export") ? "report.export" : "campaign.manage"),
                may)
          << where;
      // Control moves as the last route of their kind would leave it: use pause (409 on a draft)
      // so that the campaign stays a draft for the routes after it.
      std::string p = path;
      if (c.pattern.ends_with("/start") || c.pattern.ends_with("/cancel"))
        p = p.substr(0, p.rfind('/')) + "/pause";
      Response r = Call(c.method, p, w.token, "{}", "application/json");
      if (!may) {
        EXPECT_EQ(r.status, w.role == Role::kAnonymous ? 401 : 403) << where << ": " << r.body;
      } else {
        EXPECT_NE(r.status, 401) << where << ": " << r.body;
        EXPECT_NE(r.status, 403) << where << ": " << r.body;
        EXPECT_LT(r.status, 500) << where << ": " << r.body;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 13 * 7);
  EXPECT_FALSE(Entries("http.denied").empty());
  ExpectNothingPersonal();
}

// What the console shows before a file is uploaded: the scenarios and the rules in force.
TEST_F(CampaignRoutesTest, RulesNameTheScenariosAndTheWindowsAndCaps) {
  json j = Ok("GET", "/api/v1/campaigns/rules");
  ASSERT_EQ(j["scenarios"].size(), scenarios_.scenarios().size()) << j.dump();
  const json* overdue = nullptr;
  for (const json& s : j["scenarios"])
    if (s["id"] == "ob.overdue") overdue = &s;
  ASSERT_NE(overdue, nullptr) << j.dump();
  EXPECT_EQ((*overdue)["name"], scenarios_.Find("ob.overdue")->name);
  EXPECT_EQ((*overdue)["needs"].get<std::vector<std::string>>(),
            scenarios_.Find("ob.overdue")->needs);
  const json& r = j["rules"];
  EXPECT_EQ(r["hours"], json({"09:00-12:00", "14:00-20:00"}));
  EXPECT_EQ(r["retry_after_min"], json({30, 120}));
  EXPECT_EQ(r["max_attempts"], 3);
  EXPECT_EQ(r["per_number_day"], 1);
  EXPECT_EQ(r["campaign_concurrent"], 10);
  EXPECT_EQ(r["working_days_only"], true);
  // Monday 10:00 is inside the morning window: the next window is now.
  EXPECT_EQ(j["in_window"], true);
  EXPECT_EQ(j["next_window_ms"], kStart);
  f_.clock.Advance(std::chrono::hours(3));           // 13:00, the lunch break: next at 14:00
  supervisor_ = TokenOf("sup2", Role::kSupervisor);  // the first session idled out meanwhile
  j = Ok("GET", "/api/v1/campaigns/rules");
  EXPECT_EQ(j["in_window"], false);
  EXPECT_EQ(j["next_window_ms"], kStart + 4 * 3600 * 1000);
}

// A campaign's own rules (issue 16): set at creation as query parameters, shown with the
// campaign, changed while draft or paused (409 once running), wider than the configuration
// refused naming the field, and supervisors only.
TEST_F(CampaignRoutesTest, ACampaignsOwnRulesAreSetShownAndChanged) {
  json made = Ok("POST",
                 "/api/v1/campaigns?name=十二月通知&as_of=2026-12-01&file=targets.csv"
                 "&hours=10:00-11:30,14:00-16:00&max_attempts=2&retry_after_min=60&concurrent=2"
                 "&pace_per_s=0.5",
                 ReadFile(kTargets), 201, kCsv);
  const std::string id = made["campaign"]["id"];
  const json& rules = made["campaign"]["rules"];
  EXPECT_EQ(rules["own"], true) << rules.dump();
  EXPECT_EQ(rules["hours"], json({"10:00-11:30", "14:00-16:00"}));
  EXPECT_EQ(rules["max_attempts"], 2);
  EXPECT_EQ(rules["retry_after_min"], json({60}));
  EXPECT_EQ(rules["concurrent"], 2);
  EXPECT_EQ(rules["pace_per_s"], 0.5);
  EXPECT_EQ(rules["working_days_only"], true);
  EXPECT_EQ(Ok("GET", "/api/v1/campaigns/" + id)["campaign"]["rules"], rules);

  // Wider than the deployment's hours: refused, naming the field and the hours allowed.
  Response wide = Call("POST", "/api/v1/campaigns?name=x&file=targets.csv&hours=08:00-12:00",
                       supervisor_, ReadFile(kTargets), kCsv);
  EXPECT_EQ(wide.status, 400) << wide.body;
  EXPECT_NE(MessageOf(wide).find("\"hours\""), std::string::npos) << wide.body;
  EXPECT_NE(MessageOf(wide).find("09:00-12:00,14:00-20:00"), std::string::npos) << wide.body;
  Response slow = Call("PUT", "/api/v1/campaigns/" + id + "/rules", supervisor_,
                       R"({"retry_after_min": [5]})", "application/json");
  EXPECT_EQ(slow.status, 400) << slow.body;
  EXPECT_NE(MessageOf(slow).find("\"retry_after_min\""), std::string::npos) << slow.body;

  // Without campaign.manage: refused by the policy.
  for (const std::string& token : {TokenOf("agent1", Role::kAgent),
                                   TokenOf("h1", Role::kDepartmentHandler, {"rsj", "东城区"})}) {
    Response r = Call("PUT", "/api/v1/campaigns/" + id + "/rules", token,
                      R"({"hours": "09:00-12:00"})", "application/json");
    EXPECT_EQ(r.status, 403) << r.body;
  }

  json put = Ok("PUT", "/api/v1/campaigns/" + id + "/rules",
                R"({"hours": ["14:00-16:00"], "working_days_only": true, "concurrent": 1})");
  EXPECT_EQ(put["campaign"]["rules"]["hours"], json({"14:00-16:00"})) << put.dump();
  EXPECT_EQ(put["campaign"]["rules"]["concurrent"], 1);
  EXPECT_EQ(put["campaign"]["rules"]["max_attempts"], 3);  // left out: the configuration's
  EXPECT_FALSE(Entries("campaign.rules").empty());

  Ok("POST", "/api/v1/campaigns/" + id + "/start");
  Response running = Call("PUT", "/api/v1/campaigns/" + id + "/rules", supervisor_,
                          R"({"hours": "09:00-12:00"})", "application/json");
  EXPECT_EQ(running.status, 409) << running.body;
  Ok("POST", "/api/v1/campaigns/" + id + "/pause");
  json cleared = Ok("PUT", "/api/v1/campaigns/" + id + "/rules", "{}");
  EXPECT_EQ(cleared["campaign"]["rules"]["own"], false);
  EXPECT_EQ(cleared["campaign"]["rules"]["hours"], json({"09:00-12:00", "14:00-20:00"}));
  Response unknown = Call("PUT", "/api/v1/campaigns/" + id + "/rules", supervisor_,
                          R"({"hour": "09:00-12:00"})", "application/json");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
}

TEST_F(CampaignRoutesTest, CreatesACampaignFromAnUploadedTargetFile) {
  json made = Ok("POST", "/api/v1/campaigns?name=十二月通知&as_of=2026-12-01&file=targets.csv",
                 ReadFile(kTargets), 201, kCsv);
  std::string id = made["campaign"]["id"];
  EXPECT_EQ(id.rfind("CP", 0), 0u) << id;
  EXPECT_EQ(made["campaign"]["name"], "十二月通知");
  EXPECT_EQ(made["campaign"]["state"], "draft");
  EXPECT_EQ(made["campaign"]["standing"], false);  // a file's campaign finishes
  EXPECT_EQ(made["campaign"]["as_of"], "2026-12-01");
  EXPECT_EQ(made["import"]["records"], 20);
  EXPECT_EQ(made["import"]["people"], 5);
  EXPECT_EQ(made["import"]["calls"], 5);  // no do-not-call list here
  EXPECT_EQ(made["import"]["rejected"].size(), 9u);
  EXPECT_EQ(made["import"]["merged"], json::parse(R"([{"lines": [2, 3]}, {"lines": [13, 14]}])"));
  EXPECT_EQ(made["added"], 5);
  // The upload is gone once imported.
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir_.File("tmp"), ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    ADD_FAILURE() << "left behind: " << it->path();
  ASSERT_EQ(Entries("campaign.create", id).size(), 1u);

  json one = Ok("GET", "/api/v1/campaigns/" + id);
  EXPECT_EQ(one["campaign"]["id"], id);
  EXPECT_EQ(one["figures"]["targets"], 5);
  EXPECT_EQ(one["figures"]["waiting"], 5);
  EXPECT_EQ(one["figures"]["confirmed"], 0);
  json list = Ok("GET", "/api/v1/campaigns");
  ASSERT_EQ(list["campaigns"].size(), 1u);
  EXPECT_EQ(list["campaigns"][0]["id"], id);

  // The same file again adds nothing: every notice is planned already.
  json again = Ok("POST", "/api/v1/campaigns/" + id + "/files?as_of=2026-12-01", ReadFile(kTargets),
                  200, kCsv);
  EXPECT_EQ(again["added"], 0);
  EXPECT_EQ(Ok("GET", "/api/v1/campaigns/" + id)["figures"]["targets"], 5);
  EXPECT_EQ(
      Call("POST", "/api/v1/campaigns/CP2026-1207-999/files", supervisor_, ReadFile(kTargets), kCsv)
          .status,
      404);
  ExpectNothingPersonal();
}

TEST_F(CampaignRoutesTest, RefusesWhatIsNotATargetFileNamingTheColumnOrLine) {
  auto error = [&](const std::string& target, const std::string& body, const std::string& type,
                   int status) {
    Response r = Call("POST", target, supervisor_, body, type);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    std::string message = MessageOf(r);
    EXPECT_EQ(message.find("campaign-upload"), std::string::npos) << message;
    EXPECT_EQ(message.find(dir_.path()), std::string::npos) << message;
    return message;
  };
  const std::string ok = "/api/v1/campaigns?name=x&file=bad.csv";
  EXPECT_NE(error(ok, "场景,姓名,身份证号\nob.card_ready,张三,110101199003078515\n", kCsv, 400)
                .find("手机号"),
            std::string::npos);
  EXPECT_NE(error(ok, "场景,姓名,手机号,身份证号\nob.card_ready,\"张三,13812345678\n", kCsv, 400)
                .find("bad.csv:2"),
            std::string::npos);
  EXPECT_NE(error("/api/v1/campaigns?file=a.csv", ReadFile(kTargets), kCsv, 400).find("name"),
            std::string::npos);
  EXPECT_NE(
      error("/api/v1/campaigns?name=x&as_of=2026-13", ReadFile(kTargets), kCsv, 400).find("as_of"),
      std::string::npos);
  EXPECT_NE(error(ok, "", kCsv, 400).find("body"), std::string::npos);
  EXPECT_NE(error(ok, ReadFile(kTargets), "application/json", 415).find("text/csv"),
            std::string::npos);
  EXPECT_EQ(Ok("GET", "/api/v1/campaigns")["campaigns"].size(), 0u);
  ExpectNothingPersonal();
}

TEST_F(CampaignRoutesTest, StateMovesAnd409ForAWrongOne) {
  std::string id = Create();
  const std::string base = "/api/v1/campaigns/" + id;
  auto code = [&](const std::string& action) {
    Response r = Call("POST", base + "/" + action, supervisor_);
    json j = json::parse(r.body, nullptr, false);
    if (r.status == 200) return std::string(j["campaign"]["state"]);
    EXPECT_EQ(r.status, 409) << action << ": " << r.body;
    return std::to_string(r.status) + " " + std::string(j["error"]["code"]);
  };
  EXPECT_EQ(code("pause"), "409 failed_precondition");
  EXPECT_EQ(code("resume"), "409 failed_precondition");
  EXPECT_EQ(code("start"), "running");
  EXPECT_EQ(code("start"), "409 failed_precondition");
  EXPECT_EQ(code("resume"), "409 failed_precondition");
  EXPECT_EQ(code("pause"), "paused");
  EXPECT_EQ(code("pause"), "409 failed_precondition");
  EXPECT_EQ(code("resume"), "running");
  EXPECT_EQ(code("cancel"), "cancelled");
  EXPECT_EQ(code("cancel"), "409 failed_precondition");
  EXPECT_EQ(code("start"), "409 failed_precondition");
  EXPECT_EQ(Call("POST", "/api/v1/campaigns/CP2026-1207-999/start", supervisor_).status, 404);
  // Each move recorded before it was made, the refused ones too (with the state they found).
  EXPECT_EQ(Entries("campaign.start", id).size(), 3u);
  EXPECT_EQ(Entries("campaign.pause", id).size(), 3u);
  EXPECT_EQ(Entries("campaign.cancel", id).size(), 2u);
  // Nobody was called: every target ends cancelled.
  ASSERT_TRUE(campaigns_->Tick().ok());
  json figures = Ok("GET", base)["figures"];
  EXPECT_EQ(figures["done"], 5) << figures.dump();
  EXPECT_EQ(figures["outcomes"].value("cancelled", 0), 5) << figures.dump();
  ExpectNothingPersonal();
}

TEST_F(CampaignRoutesTest, TargetsAndDrillDownAreMasked) {
  std::string id = Create();
  const std::string base = "/api/v1/campaigns/" + id;
  Ok("POST", base + "/start");
  auto ticked = campaigns_->Tick();
  ASSERT_TRUE(ticked.ok()) << ticked.status().message();
  calls_->Sync();

  json page = Ok("GET", base + "/targets?limit=2");
  EXPECT_EQ(page["total"], 5);
  ASSERT_EQ(page["rows"].size(), 2u);
  EXPECT_EQ(page["rows"][0]["seq"], 1);
  EXPECT_EQ(page["rows"][1]["seq"], 2);
  json all = Ok("GET", base + "/targets?offset=0&limit=1000");
  ASSERT_EQ(all["rows"].size(), 5u);
  int64_t called = 0;
  for (const auto& t : all["rows"]) {
    std::string phone = t["phone"];
    EXPECT_NE(phone.find("****"), std::string::npos) << phone;
    EXPECT_NE(std::string(t["salutation"]).find('*'), std::string::npos) << t.dump();
    EXPECT_FALSE(t["scenarios"].empty());
    if (t["attempts"].get<int>() > 0 && called == 0) called = t["seq"];
  }
  EXPECT_EQ(all["rows"][0]["scenarios"], json::parse(R"(["ob.overdue", "ob.card_ready"])"));
  ASSERT_GT(called, 0) << "a started campaign in its window calls someone at the first tick";
  json one = Ok("GET", base + "/targets/" + std::to_string(called));
  EXPECT_EQ(one["target"]["seq"], called);
  ASSERT_FALSE(one["attempts"].empty());
  const json& a = one["attempts"][0];
  EXPECT_EQ(a["n"], 1);
  ASSERT_TRUE(a["call_id"].is_string()) << a.dump();
  EXPECT_EQ(a["call"], "/api/v1/calls/" + a["call_id"].get<std::string>());
  EXPECT_EQ(a["attempt_id"].get<std::string>().rfind("cp:" + id + ":", 0), 0u) << a.dump();
  EXPECT_EQ(Entries("campaign.target.read", id + ":" + std::to_string(called)).size(), 1u);
  EXPECT_EQ(Entries("campaign.targets", id).size(), 2u);

  // Filters and their errors.
  json calling = Ok("GET", base + "/targets?state=calling");
  for (const auto& t : calling["rows"]) EXPECT_EQ(t["state"], "calling");
  EXPECT_EQ(Call("GET", base + "/targets?state=lost", supervisor_).status, 400);
  EXPECT_EQ(Call("GET", base + "/targets?limit=0", supervisor_).status, 400);
  EXPECT_EQ(Call("GET", base + "/targets?offset=-1", supervisor_).status, 400);
  EXPECT_EQ(Call("GET", base + "/targets?outcome=a;b", supervisor_).status, 400);
  EXPECT_EQ(Call("GET", base + "/targets/6", supervisor_).status, 404);
  EXPECT_EQ(Call("GET", base + "/targets/0", supervisor_).status, 400);
  EXPECT_EQ(Call("GET", base + "/targets/x", supervisor_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/campaigns/CP2026-1207-999/targets", supervisor_).status, 404);
  ExpectNothingPersonal();
}

TEST_F(CampaignRoutesTest, ExportsOneRowPerTargetAsCsvAndXlsx) {
  std::string id = Create();
  const std::string base = "/api/v1/campaigns/" + id;
  Response csv = Call("GET", base + "/export?format=csv", supervisor_);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_NE(csv.Header("Content-Disposition").find(id + "-targets.csv"), std::string::npos);
  auto table = text::ParseDelimited(csv.body, ',', "export.csv");
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(table->header, (std::vector<std::string>{"序号", "号码", "称呼", "场景", "状态",
                                                     "尝试次数", "结果", "短信", "更新时间"}));
  ASSERT_EQ(table->rows.size(), 5u);
  EXPECT_EQ(table->rows[0].fields[0], "1");
  EXPECT_NE(table->rows[0].fields[1].find("****"), std::string::npos);
  EXPECT_EQ(table->rows[0].fields[3], "ob.overdue,ob.card_ready");

  Response xlsx = Call("GET", base + "/export", supervisor_);
  ASSERT_EQ(xlsx.status, 200) << xlsx.body;
  EXPECT_EQ(xlsx.content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  std::string path = dir_.File("export.xlsx");
  std::ofstream(path, std::ios::binary) << xlsx.body;
  auto sheet = text::ReadXlsx(path);
  ASSERT_TRUE(sheet.ok()) << sheet.status().message();
  EXPECT_EQ(sheet->header, table->header);
  ASSERT_EQ(sheet->rows.size(), 5u);
  EXPECT_EQ(sheet->rows[4].fields[1], table->rows[4].fields[1]);
  EXPECT_EQ(Call("GET", base + "/export?format=pdf", supervisor_).status, 400);
  EXPECT_EQ(Entries("campaign.export", id).size(), 2u);
  ExpectNothingPersonal();
  for (const char* p : kPersonal) EXPECT_EQ(ReadFile(path).find(p), std::string::npos) << p;
}

// The live figures: each move and each tick that changed a campaign tells the engine's hook
// (app wires it to the staff event stream), once a campaign a tick; the old per-campaign stream
// is gone.
TEST_F(CampaignRoutesTest, MovesAndTicksTellTheChangeHook) {
  std::vector<std::string> told;
  campaigns_->OnChange([&](const std::string& id) { told.push_back(id); });
  std::string id = Create();
  const std::string base = "/api/v1/campaigns/" + id;
  EXPECT_EQ(told, std::vector<std::string>{id});  // the file added
  Ok("POST", base + "/start");
  EXPECT_EQ(told.size(), 2u);
  ASSERT_TRUE(campaigns_->Tick().ok());  // calls placed: one notice for the whole tick
  EXPECT_EQ(told.size(), 3u);
  EXPECT_EQ(told.back(), id);
  EXPECT_EQ(Call("POST", base + "/start", supervisor_).status, 409);  // refused: nothing told
  EXPECT_EQ(told.size(), 3u);
  Ok("POST", base + "/cancel");
  EXPECT_EQ(told.size(), 4u);
  EXPECT_NE(Call("GET", base + "/events", supervisor_).status, 200);
  campaigns_->OnChange({});
}

TEST_F(CampaignRoutesTest, GaugesAndTextOfARunningCampaign) {
  std::string id = Create();
  Ok("POST", "/api/v1/campaigns/" + id + "/start");
  ASSERT_TRUE(campaigns_->Tick().ok());
  Metrics metrics;
  ASSERT_TRUE(campaigns::UpdateCampaignGauges(*campaigns_, metrics).ok());
  std::string text = metrics.RenderText();
  EXPECT_NE(text.find("zhixian_campaign_targets{campaign=\"" + id + "\",state=\"waiting\"}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("zhixian_campaign_running 1"), std::string::npos) << text;
  EXPECT_NE(text.find("zhixian_campaign_rate{campaign=\"" + id + "\",rate=\"success\"} 0"),
            std::string::npos);
  auto c = campaigns_->Get(id).value();
  auto f = campaigns_->Figures(id).value();
  std::string readable = campaigns::FormatCampaign(c, f);
  EXPECT_NE(readable.find(id), std::string::npos);
  EXPECT_NE(readable.find("targets 5"), std::string::npos) << readable;
  EXPECT_NE(readable.find("success rate 0.0%"), std::string::npos) << readable;
  for (const char* p : kPersonal) EXPECT_EQ(readable.find(p), std::string::npos) << p;
  EXPECT_NE(CampaignReportOutput(c, f, true).find("\"figures\":{\"targets\":5"), std::string::npos);
}

}  // namespace
}  // namespace zx::http
