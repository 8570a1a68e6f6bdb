// The call-back routes (http/callback_routes.h) behind the real auth middleware: agents and
// supervisors list and close the tasks callers left, every other role is refused, every read is
// audited, and the full number is shown only in the view of one task.
#include "http/callback_routes.h"

#include <gtest/gtest.h>

#include "http/testing/route_test_fixture.h"
#include "security/keys.h"

namespace zx::http {
namespace {

using nlohmann::json;
using security::Role;

class CallbackRoutesTest : public testing::RouteTestBase {
 protected:
  CallbackRoutesTest() : RouteTestBase(1700000000000, 1000) {
    auto cipher = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(f_.clock)));
    store_ = std::move(dialogue::CallbackStore::Open(*f_.db, cipher, f_.clock)).value();
    AddCallbackRoutes(router_, *store_, *f_.audit);
    InstallAuth();
    dialogue::NewCallback cb;
    cb.conversation_id = "c-queued";
    cb.phone = "13812345678";
    cb.reason = dialogue::kCallbackHungUp;
    dialogue::Summary s;
    s.request_type = "咨询";
    cb.summary = s;
    cb.departments = {"rsj"};
    id_ = store_->Add(cb).value();
    f_.clock.Advance(std::chrono::seconds(5));
    cb.conversation_id = "c-other";
    cb.phone = "13900001111";
    cb.reason = dialogue::kCallbackAsked;
    other_ = store_->Add(cb).value();
  }

  std::unique_ptr<dialogue::CallbackStore> store_;
  std::string id_, other_;
};

TEST_F(CallbackRoutesTest, AnAgentListsMaskedReadsOneInFullAndClosesIt) {
  std::string agent = TokenOf(Role::kAgent);
  Response list = Call("GET", "/api/v1/callbacks?state=open", agent);
  ASSERT_EQ(list.status, 200) << list.body;
  json j = json::parse(list.body);
  ASSERT_EQ(j["callbacks"].size(), 2u);
  EXPECT_EQ(j["callbacks"][0]["id"], other_);  // newest first
  EXPECT_EQ(j["callbacks"][1]["conversation_id"], "c-queued");
  EXPECT_EQ(j["callbacks"][1]["phone_masked"], "138****5678");
  EXPECT_EQ(j["callbacks"][1]["reason"], "hung_up_in_queue");
  EXPECT_EQ(j["callbacks"][1]["summary"]["诉求类型"], "咨询");
  EXPECT_EQ(list.body.find("13812345678"), std::string::npos);  // never in a list
  ASSERT_EQ(Entries("callback.list").size(), 1u);
  EXPECT_EQ(Entries("callback.list")[0].event.details_json.find("13812345678"), std::string::npos);

  // By number (blind index), in any usual form.
  Response found = Call("GET", "/api/v1/callbacks?phone=%2B86%20138-1234-5678", agent);
  ASSERT_EQ(found.status, 200) << found.body;
  ASSERT_EQ(json::parse(found.body)["callbacks"].size(), 1u);
  EXPECT_EQ(json::parse(found.body)["callbacks"][0]["id"], id_);

  Response one = Call("GET", "/api/v1/callbacks/" + id_, agent);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json::parse(one.body)["phone"], "13812345678");
  auto reads = Entries("callback.read");
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].event.object_id, id_);

  Response done =
      Call("POST", "/api/v1/callbacks/" + id_ + "/done", agent, R"({"note": "已回拨"})");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(json::parse(done.body)["state"], "done");
  EXPECT_EQ(json::parse(done.body)["note"], "已回拨");
  EXPECT_EQ(Call("POST", "/api/v1/callbacks/" + id_ + "/done", agent).status, 409);
  EXPECT_EQ(Call("POST", "/api/v1/callbacks/cbnope/done", agent).status, 404);
  EXPECT_EQ(Entries("callback.done").size(), 1u);
  Response open = Call("GET", "/api/v1/callbacks?state=open", agent);
  EXPECT_EQ(json::parse(open.body)["callbacks"].size(), 1u);
  EXPECT_EQ(Call("GET", "/api/v1/callbacks?state=later", agent).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/callbacks?limit=0", agent).status, 400);
}

TEST_F(CallbackRoutesTest, SupervisorsToo) {
  std::string sup = TokenOf(Role::kSupervisor);
  EXPECT_EQ(Call("GET", "/api/v1/callbacks", sup).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/callbacks/" + other_, sup).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/callbacks/" + other_ + "/done", sup).status, 200);
}

TEST_F(CallbackRoutesTest, EveryOtherRoleIsRefusedAndNothingIsShown) {
  // A department handler of the very department the task belongs to is still outside: call-backs
  // are the hotline's own work.
  for (auto [role, scope] :
       {std::pair{Role::kDepartmentHandler, security::Scope{"rsj", ""}},
        std::pair{Role::kAdmin, security::Scope{}}, std::pair{Role::kAuditor, security::Scope{}},
        std::pair{Role::kIntegration, security::Scope{}}}) {
    if (role == Role::kIntegration) continue;  // API clients are keys, not logins
    std::string token = TokenOf(role, scope);
    for (auto [method, path] : {std::pair<std::string, std::string>{"GET", "/api/v1/callbacks"},
                                {"GET", "/api/v1/callbacks/" + id_},
                                {"POST", "/api/v1/callbacks/" + id_ + "/done"}}) {
      Response r = Call(method, path, token);
      EXPECT_EQ(r.status, 403) << security::RoleName(role) << " " << method << " " << path;
      EXPECT_EQ(r.body.find("138"), std::string::npos);
    }
  }
  EXPECT_EQ(Call("GET", "/api/v1/callbacks", "").status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/callbacks/" + id_ + "/done", "").status, 401);
  EXPECT_EQ(store_->Get(id_)->state, dialogue::kCallbackOpen);
  EXPECT_TRUE(Entries("callback.read").empty());
}

}  // namespace
}  // namespace zx::http
