#include "security/policy.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace zx::security {
namespace {

Principal As(Role role, Scope scope = {}) {
  Principal p;
  p.kind = role == Role::kIntegration ? Principal::Kind::kApiClient : Principal::Kind::kUser;
  p.role = role;
  p.name = std::string(RoleName(role));
  p.scope = std::move(scope);
  return p;
}

TEST(Policy, TableIsWellFormed) {
  std::set<std::string_view> names;
  for (const auto& r : PolicyTable()) {
    EXPECT_TRUE(names.insert(r.permission).second) << "duplicate " << r.permission;
    EXPECT_FALSE(r.meaning.empty()) << r.permission;
    EXPECT_EQ(r.scoped_roles & ~r.roles, 0u) << r.permission;
    EXPECT_EQ(r.holder_roles & ~r.roles, 0u) << r.permission;
    EXPECT_TRUE(r.open || r.roles != 0) << r.permission << " is held by nobody";
    EXPECT_EQ(r.roles & (1u << int(Role::kAnonymous)), 0u) << "use open for " << r.permission;
  }
  for (const char* p : {"kb.read", "ask", "conversation.own", "conversation.read", "agent.queue",
                        "ticket.read", "ticket.write", "pii.read_full", "audit.read", "user.manage",
                        "metrics.read", "campaign.manage"})
    EXPECT_NE(FindPermission(p), nullptr) << p;
}

// The whole matrix, written out: a change to the table must change this test too.
TEST(Policy, RoleByPermissionMatrix) {
  // Columns: anonymous admin supervisor agent handler auditor integration editor.
  const std::map<std::string, std::string> expected = {
      {"kb.read", "11111111"},
      {"ask", "11111111"},
      {"chat", "11111111"},
      {"conversation.own", "11111111"},
      {"auth.login", "11111111"},
      {"system.health", "11111111"},
      {"session.self", "01111111"},
      {"conversation.read", "00111000"},
      {"conversation.search", "00111000"},
      {"agent.queue", "00110000"},
      {"staff.events", "00111000"},
      {"ticket.read", "00111010"},
      {"conversation.write", "00110000"},
      {"callback.work", "00110000"},
      {"conversation.takeover", "00100000"},
      {"ticket.write", "00111010"},
      {"ticket.create", "00110010"},
      {"ticket.dispatch", "00110000"},
      {"ticket.handle", "00101010"},
      {"ticket.extension", "00100000"},
      {"ticket.visit", "00110000"},
      {"ticket.figures", "00101000"},
      {"pii.read_full", "00111000"},
      {"recording.read", "00100000"},
      {"campaign.manage", "00100000"},
      {"kb.edit", "00100001"},
      {"kb.review", "01100001"},
      {"kb.test", "01110001"},
      {"kb.manage", "01100001"},
      {"stats.read", "00100000"},
      {"report.export", "00100000"},
      {"metrics.read", "01100000"},
      {"user.manage", "01000000"},
      {"apikey.manage", "01000000"},
      {"keys.manage", "01000000"},
      {"config.read", "01000000"},
      {"retention.run", "01000000"},
      {"audit.read", "00000100"},
      {"audit.verify", "01000100"},
  };
  EXPECT_EQ(expected.size(), PolicyTable().size());
  for (const auto& [perm, row] : expected) {
    for (size_t i = 0; i < kAllRoles.size(); ++i) {
      Role role = kAllRoles[i];
      EXPECT_EQ(MayUse(role, perm), row[i] == '1') << perm << " x " << RoleName(role);
    }
  }
}

TEST(Policy, AnonymousGetsOnlyOpenPermissions) {
  Principal anon = Principal::Anonymous();
  EXPECT_TRUE(Allowed(anon, "ask"));
  EXPECT_TRUE(Allowed(anon, "kb.read"));
  EXPECT_FALSE(Allowed(anon, "ticket.read"));
  EXPECT_EQ(Authorize(anon, "ticket.read").code(), Code::kUnauthenticated);
  EXPECT_EQ(AuthorizeRoute(anon, "ticket.read").code(), Code::kUnauthenticated);
  EXPECT_TRUE(AuthorizeRoute(anon, "chat").ok());
}

TEST(Policy, DepartmentHandlerOnlyWithinScope) {
  Principal h = As(Role::kDepartmentHandler, {"rsj", "330102"});
  EXPECT_TRUE(Allowed(h, "ticket.read", {"rsj", "330102"}));
  EXPECT_FALSE(Allowed(h, "ticket.read", {"rsj", "330106"}));
  EXPECT_FALSE(Allowed(h, "ticket.read", {"ybj", "330102"}));
  EXPECT_FALSE(Allowed(h, "ticket.read", {}));  // unknown owner: not theirs
  EXPECT_TRUE(Allowed(h, "pii.read_full", {"rsj", "330102"}));
  EXPECT_FALSE(Allowed(h, "pii.read_full", {"ybj", "330102"}));
  EXPECT_FALSE(Allowed(h, "agent.queue", {"rsj", "330102"}));
  Status s = Authorize(h, "ticket.write", {"ybj", "330102"});
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("department or district"), std::string::npos);

  Principal city_wide = As(Role::kDepartmentHandler, {"rsj", ""});
  EXPECT_TRUE(Allowed(city_wide, "ticket.read", {"rsj", "330106"}));
  EXPECT_FALSE(Allowed(city_wide, "ticket.read", {"ybj", "330106"}));
  Principal broken = As(Role::kDepartmentHandler, {});
  EXPECT_FALSE(Allowed(broken, "ticket.read", {"rsj", "330106"}));
}

// Issue 9: a handler of 医保 must not read a 社保 conversation of another district.
TEST(Policy, RecordOfSeveralDepartmentsAndDistricts) {
  RecordScope sb{{"rsj"}, {"990101"}, ""};
  RecordScope both{{"rsj", "ybj"}, {"990101"}, ""};
  Principal yb = As(Role::kDepartmentHandler, {"ybj", ""});
  Principal yb_east = As(Role::kDepartmentHandler, {"ybj", "990101"});
  Principal yb_west = As(Role::kDepartmentHandler, {"ybj", "990102"});
  EXPECT_FALSE(AllowedOn(yb, "conversation.read", sb));
  EXPECT_TRUE(AllowedOn(yb, "conversation.read", both));
  EXPECT_TRUE(AllowedOn(yb_east, "conversation.read", both));
  EXPECT_FALSE(AllowedOn(yb_west, "conversation.read", both));
  EXPECT_FALSE(AllowedOn(yb, "conversation.read", RecordScope{}));  // nothing known: not theirs
  EXPECT_EQ(AuthorizeRecord(yb, "conversation.read", sb).code(), Code::kPermissionDenied);
  EXPECT_TRUE(AllowedOn(As(Role::kAgent), "conversation.read", sb));
  EXPECT_TRUE(AllowedOn(As(Role::kSupervisor), "conversation.read", RecordScope{}));
  EXPECT_FALSE(AllowedOn(As(Role::kAuditor), "conversation.read", sb));
}

// Issue 9: only the holder writes into a conversation; taking over is a supervisor's.
TEST(Policy, OnlyTheHolderWrites) {
  Principal a = As(Role::kAgent);
  a.id = "u:1";
  Principal b = As(Role::kAgent);
  b.id = "u:2";
  Principal sup = As(Role::kSupervisor);
  sup.id = "u:3";
  RecordScope held_by_a{{}, {}, "u:1"};
  EXPECT_TRUE(AllowedOn(a, "conversation.write", held_by_a));
  EXPECT_FALSE(AllowedOn(b, "conversation.write", held_by_a));
  EXPECT_FALSE(AllowedOn(sup, "conversation.write", held_by_a));
  EXPECT_FALSE(AllowedOn(a, "conversation.write", RecordScope{}));
  Status s = AuthorizeRecord(b, "conversation.write", held_by_a);
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("another agent"), std::string::npos);
  EXPECT_TRUE(AllowedOn(sup, "conversation.takeover", held_by_a));
  EXPECT_FALSE(AllowedOn(b, "conversation.takeover", held_by_a));
  Principal no_id = As(Role::kAgent);  // an id is what binds: none never holds anything
  EXPECT_FALSE(AllowedOn(no_id, "conversation.write", RecordScope{}));
}

TEST(Policy, UnscopedRolesAndIntegration) {
  EXPECT_TRUE(Allowed(As(Role::kAgent), "ticket.read", {"ybj", "330102"}));
  EXPECT_TRUE(Allowed(As(Role::kIntegration), "ticket.write", {"ybj", "330102"}));
  EXPECT_FALSE(Allowed(As(Role::kIntegration, {"rsj", ""}), "ticket.write", {"ybj", "1"}));
  EXPECT_FALSE(Allowed(As(Role::kIntegration), "pii.read_full"));
  EXPECT_FALSE(Allowed(As(Role::kAdmin), "pii.read_full"));  // 三员分立: admin sees no PII
  EXPECT_FALSE(Allowed(As(Role::kAuditor), "conversation.read"));
  EXPECT_TRUE(Allowed(As(Role::kAuditor), "audit.read"));
  Status s = Authorize(As(Role::kAgent), "user.manage");
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("agent"), std::string::npos);
}

// Work orders: department handlers work their own department's orders in their district only;
// the centre's dispatchers (agents) and supervisors work every order.
TEST(Policy, WorkOrderPermissionsFollowTheRecordScope) {
  Principal dongcheng = As(Role::kDepartmentHandler, {"cgj", "东城区"});
  RecordScope west{{"cgj"}, {"西城区"}, ""};
  RecordScope east{{"cgj", "zjj"}, {"东城区"}, ""};
  for (const char* p : {"ticket.read", "ticket.write", "ticket.handle"}) {
    EXPECT_TRUE(AllowedOn(dongcheng, p, east)) << p;
    EXPECT_FALSE(AllowedOn(dongcheng, p, west)) << p;
    EXPECT_EQ(AuthorizeRecord(dongcheng, p, west).code(), Code::kPermissionDenied) << p;
  }
  for (const char* p : {"ticket.create", "ticket.dispatch", "ticket.extension", "ticket.visit"})
    EXPECT_FALSE(AllowedOn(dongcheng, p, east)) << p;
  for (const char* p : {"ticket.dispatch", "ticket.visit"}) {
    EXPECT_TRUE(AllowedOn(As(Role::kAgent), p, west)) << p;
    EXPECT_TRUE(AllowedOn(As(Role::kSupervisor), p, west)) << p;
  }
  EXPECT_FALSE(AllowedOn(As(Role::kAgent), "ticket.handle", west));
  EXPECT_FALSE(AllowedOn(As(Role::kAgent), "ticket.extension", west));
  EXPECT_TRUE(AllowedOn(As(Role::kSupervisor), "ticket.extension", west));
  EXPECT_TRUE(AllowedOn(As(Role::kIntegration, {"cgj", ""}), "ticket.handle", west));
  EXPECT_FALSE(AllowedOn(As(Role::kIntegration, {"zjj", ""}), "ticket.handle", west));
}

TEST(Policy, UnknownPermissionIsDeniedAndABug) {
  EXPECT_FALSE(MayUse(Role::kAdmin, "everything"));
  EXPECT_FALSE(Allowed(As(Role::kAdmin), "everything"));
  EXPECT_EQ(Authorize(As(Role::kAdmin), "everything").code(), Code::kInternal);
}

TEST(Roles, NamesRoundTrip) {
  for (Role r : kAllRoles) EXPECT_EQ(ParseRole(RoleName(r)), r);
  EXPECT_EQ(ParseRole("root"), std::nullopt);
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
}

}  // namespace
}  // namespace zx::security
