// The operator's commands over an in-memory database: what each prints, what it audits (as the
// command line, with the permission it exercises), and the clear errors of bad arguments.
#include "admin/commands.h"

#include <gtest/gtest.h>

#include <sstream>

#include "security/testing/fixtures.h"

namespace zx::admin {
namespace {

struct AdminTest : ::testing::Test {
  AdminTest() {
    stores.users = std::move(f.users);
    stores.sessions = std::move(f.sessions);
    stores.api_keys = std::move(f.api_keys);
    stores.audit = std::move(f.audit);
    session.os_user = "operator";
    session.data_dir = "/nonexistent/var";
    session.new_password = [](const std::string&) -> Result<std::string> {
      return std::string("a long enough password 1");
    };
  }

  // The newest audit entry.
  security::AuditEntry LastAudit() {
    auto entries = stores.audit->Query({});  // oldest first
    EXPECT_TRUE(entries.ok() && !entries->empty());
    return entries->back();
  }

  security::testing::SecurityFixture f;
  security::SecurityStores stores;
  std::ostringstream out, err;
  Session session{*f.db, stores, f.clock, out, err};
};

TEST_F(AdminTest, UserAddListAndDisableAreAuditedAsTheCommandLine) {
  Args add;
  add.name = "sup1";
  add.role = "supervisor";
  ASSERT_EQ(*UserAdd(session, add), 0);
  EXPECT_NE(out.str().find("added user sup1 (role supervisor"), std::string::npos) << out.str();

  out.str("");
  ASSERT_EQ(*UserList(session, {}), 0);
  EXPECT_NE(out.str().find("\"name\":\"sup1\""), std::string::npos) << out.str();
  EXPECT_EQ(LastAudit().event.action, "user.list");

  out.str("");
  Args disable;
  disable.name = "sup1";
  ASSERT_EQ(*UserDisable(session, disable), 0);
  EXPECT_EQ(out.str(), "disabled user sup1\n");
  security::AuditEntry e = LastAudit();
  EXPECT_EQ(e.event.action, "user.disable");
  EXPECT_EQ(e.event.actor, "cli:operator");
  EXPECT_EQ(e.event.remote, "cli");
  EXPECT_NE(e.event.details_json.find("sup1"), std::string::npos);
}

TEST_F(AdminTest, BadArgumentsAreClearErrors) {
  Args bad_role;
  bad_role.name = "x";
  bad_role.role = "root";
  EXPECT_EQ(UserAdd(session, bad_role).status().code(), Code::kInvalidArgument);
  Args no_approver;
  no_approver.name = "x";
  EXPECT_EQ(UserApprove(session, no_approver).status().code(), Code::kInvalidArgument);
  Args staff_key;
  staff_key.name = "crm";
  staff_key.role = "agent";
  EXPECT_EQ(ApiKeyCreate(session, staff_key).status().code(), Code::kInvalidArgument);
  Args limit;
  limit.limit = 0;
  EXPECT_EQ(AuditQuery(session, limit).status().code(), Code::kInvalidArgument);
  Args no_reason;
  EXPECT_EQ(AuditReseal(session, no_reason).status().code(), Code::kInvalidArgument);
  Args unknown;
  unknown.name = "nobody";
  EXPECT_EQ(UserDisable(session, unknown).status().code(), Code::kNotFound);
  // Recordings are only ever sealed: without the key file there is nothing to read them with.
  EXPECT_EQ(RecordingsList(session, {}).status().code(), Code::kFailedPrecondition);
}

TEST_F(AdminTest, ApiKeyIsShownOnceOnStdoutAndNeverListed) {
  Args create;
  create.name = "crm";
  create.role = "integration";
  ASSERT_EQ(*ApiKeyCreate(session, create), 0);
  std::string key = out.str();
  ASSERT_GT(key.size(), 20u);
  EXPECT_NE(err.str().find("shown once"), std::string::npos);
  EXPECT_EQ(LastAudit().event.action, "apikey.create");
  EXPECT_EQ(LastAudit().event.details_json.find(key.substr(0, key.size() - 1)), std::string::npos);

  out.str("");
  ASSERT_EQ(*ApiKeyList(session, {}), 0);
  EXPECT_NE(out.str().find("crm"), std::string::npos);
  EXPECT_EQ(out.str().find(key.substr(0, key.size() - 1)), std::string::npos);
}

TEST_F(AdminTest, AuditVerifyReportsAnUnkeyedChainAndQueryFilters) {
  ASSERT_EQ(*AuditVerify(session, {}), 0);
  EXPECT_NE(err.str().find("UNKEYED"), std::string::npos);
  EXPECT_EQ(LastAudit().event.action, "audit.verify");

  out.str("");
  Args q;
  q.action = "audit.";
  ASSERT_EQ(*AuditQuery(session, q), 0);
  EXPECT_NE(out.str().find("\"audit.verify\""), std::string::npos) << out.str();
  EXPECT_EQ(LastAudit().event.action, "audit.read");
}

TEST_F(AdminTest, RetentionIsAuditedBeforeItRuns) {
  std::string seen_before;
  session.run_retention = [&]() -> Result<security::RetentionReport> {
    seen_before = LastAudit().event.action;
    return security::RetentionReport{};
  };
  ASSERT_EQ(*RetentionRun(session, {}), 0);
  EXPECT_EQ(seen_before, "retention.run");
  EXPECT_FALSE(out.str().empty());
}

}  // namespace
}  // namespace zx::admin
