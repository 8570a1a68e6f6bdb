// The account rules (accounts.h), the key file as configured (key_file.h) and the audit checks
// outside the log (audit_check.h): the decisions the command line and the server share.
#include "security/accounts.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "security/audit_check.h"
#include "security/key_file.h"
#include "security/keys.h"
#include "security/testing/fixtures.h"
#include "security/testing/temp_dir.h"

namespace zx::security {
namespace {

TEST(AccountsTest, StaffRolesAndScopes) {
  EXPECT_EQ(*ParseStaffRole("auditor"), Role::kAuditor);
  EXPECT_EQ(*ParseStaffRole("admin"), Role::kAdmin);
  for (const char* bad : {"integration", "anonymous", "root", ""}) {
    auto role = ParseStaffRole(bad);
    ASSERT_FALSE(role.ok()) << bad;
    EXPECT_NE(role.status().message().find("apikey create"), std::string::npos);
  }
  EXPECT_EQ(ScopeOf("hr", "d1")->district, "d1");
  EXPECT_TRUE(ScopeOf("", "").ok());
  EXPECT_EQ(ScopeOf("", "d1").status().code(), Code::kInvalidArgument);
}

TEST(AccountsTest, TwoPersonRuleExceptAtBootstrap) {
  testing::SecurityFixture f;
  // No administrator yet: the first one is not held back.
  auto first = ApprovalForNewAccount(*f.users, Role::kAdmin, true);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->personal_data);
  EXPECT_TRUE(first->bootstrap);
  EXPECT_FALSE(first->pending);
  ASSERT_TRUE(f.users->Add("root", Role::kAdmin, "a long enough password 1").ok());
  auto second = ApprovalForNewAccount(*f.users, Role::kSupervisor, true);
  EXPECT_TRUE(second->pending);
  EXPECT_FALSE(second->bootstrap);
  EXPECT_FALSE(ApprovalForNewAccount(*f.users, Role::kSupervisor, false)->pending);
  auto agent = ApprovalForNewAccount(*f.users, Role::kAgent, true);
  EXPECT_EQ(agent->pending, agent->personal_data);  // pending exactly when it sees personal data
}

// The approval the API and the command line share: by someone else than the creator, audited
// with the caller's details and the permission when named, and never twice.
TEST(AccountsTest, ApproveAccountAuditsTheApproval) {
  testing::SecurityFixture f;
  ASSERT_TRUE(
      f.users->Add("sup", Role::kSupervisor, "a long enough password 1", {}, "alice", true).ok());
  AccountChangeBy creator;
  creator.event.actor = "alice";
  creator.event.role = "admin";
  creator.permission = "user.manage";
  EXPECT_EQ(ApproveAccount(*f.users, *f.audit, creator, "sup").status().code(),
            Code::kPermissionDenied);
  AccountChangeBy by = creator;
  by.event.actor = "bob";
  by.event.remote = "cli";
  by.event.details_json = R"({"os_user":"ops"})";
  auto approved = ApproveAccount(*f.users, *f.audit, by, "sup");
  ASSERT_TRUE(approved.ok()) << approved.status().message();
  EXPECT_FALSE(approved->pending);
  EXPECT_EQ(approved->approved_by, "bob");
  AuditQuery q;
  q.action_prefix = "user.approve";
  auto entries = f.audit->Query(q);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  const AuditEvent& e = entries->front().event;
  EXPECT_EQ(e.actor, "bob");
  EXPECT_EQ(e.remote, "cli");
  EXPECT_EQ(e.object_id, "u:" + std::to_string(approved->id));
  EXPECT_EQ(e.details_json,
            R"({"created_by":"alice","name":"sup","os_user":"ops","permission":"user.manage",)"
            R"("role":"supervisor"})");
  EXPECT_EQ(ApproveAccount(*f.users, *f.audit, by, "sup").status().code(),
            Code::kFailedPrecondition);  // not pending any more
}

TEST(AccountsTest, ApproverMustBeAnAdministratorWithTheirPassword) {
  testing::SecurityFixture f;
  ASSERT_TRUE(f.users->Add("root", Role::kAdmin, "a long enough password 1").ok());
  ASSERT_TRUE(f.users->Add("lead", Role::kSupervisor, "a long enough password 2").ok());
  EXPECT_EQ(CheckApprover(*f.users, "root", "a long enough password 1", "")->name, "root");
  auto wrong = CheckApprover(*f.users, "root", "not it", "");
  EXPECT_EQ(wrong.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(wrong.status().message().rfind("--as root: ", 0), 0u);
  auto lead = CheckApprover(*f.users, "lead", "a long enough password 2", "");
  EXPECT_EQ(lead.status().code(), Code::kPermissionDenied);
  EXPECT_NE(lead.status().message().find("not an administrator"), std::string::npos);
}

TEST(AccountsTest, DisablingSignsOutEverywhere) {
  testing::SecurityFixture f;
  auto user = f.users->Add("lead", Role::kSupervisor, "a long enough password 2");
  ASSERT_TRUE(user.ok());
  auto session = f.sessions->Create(user->id, "127.0.0.1");
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(f.sessions->Validate(session->token).ok());
  ASSERT_TRUE(DisableAccount(*f.users, *f.sessions, *user).ok());
  EXPECT_TRUE(f.users->Find("lead")->disabled);
  EXPECT_FALSE(f.sessions->Validate(session->token).ok());
}

TEST(AccountsTest, StateChangesByTheirAuditAction) {
  testing::SecurityFixture f;
  auto user = f.users->Add("clerk", Role::kAgent, "a long enough password 3");
  ASSERT_TRUE(user.ok());
  auto session = f.sessions->Create(user->id, "127.0.0.1");
  ASSERT_TRUE(session.ok());
  auto done = ChangeAccountState(*f.users, *f.sessions, *user, "user.disable");
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(*done, "disabled");
  EXPECT_TRUE(f.users->Find("clerk")->disabled);
  EXPECT_FALSE(f.sessions->Validate(session->token).ok());
  EXPECT_EQ(*ChangeAccountState(*f.users, *f.sessions, *user, "user.enable"), "enabled");
  EXPECT_FALSE(f.users->Find("clerk")->disabled);
  EXPECT_EQ(*ChangeAccountState(*f.users, *f.sessions, *user, "user.unlock"), "unlocked");
  EXPECT_EQ(ChangeAccountState(*f.users, *f.sessions, *user, "user.delete").status().code(),
            Code::kInvalidArgument);
}

TEST(AccountsTest, AnAdministratorActingKeepsAnActiveAdministrator) {
  testing::SecurityFixture f;
  auto root = f.users->Add("root", Role::kAdmin, "a long enough password 4");
  ASSERT_TRUE(root.ok());
  auto kept = ChangeAccountState(*f.users, *f.sessions, *root, "user.disable", true);
  EXPECT_EQ(kept.status().code(), Code::kFailedPrecondition);
  EXPECT_FALSE(f.users->Find("root")->disabled);
  auto other = f.users->Add("other", Role::kAdmin, "a long enough password 5");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(ChangeAccountState(*f.users, *f.sessions, *root, "user.disable", true).ok());
  EXPECT_EQ(DisableAccount(*f.users, *f.sessions, *other, true).code(), Code::kFailedPrecondition);
  // The command line's operator acts as the system: it may.
  EXPECT_TRUE(DisableAccount(*f.users, *f.sessions, *other).ok());
  EXPECT_FALSE(*f.users->HasActiveAdmin());
}

TEST(KeyFileTest, NoKeyFileIsNoCipherAndOneInsideTheDataDirIsRefused) {
  auto none = LoadFieldCipher("", "/tmp");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
  EXPECT_EQ(AuditKeyOfKeyFile("", "/tmp"), "");
  testing::TempDir dir;
  auto inside = LoadFieldCipher(dir.File("keys"), dir.path());
  ASSERT_FALSE(inside.ok());
  EXPECT_EQ(inside.status().message().rfind("security.key_file: ", 0), 0u);
  EXPECT_EQ(AuditKeyOfKeyFile(dir.File("keys"), dir.path()), "");
}

TEST(KeyFileTest, TheAuditOptionsAndTheKeyFileToManage) {
  testing::TempDir data;
  AuditOptions plain = AuditOptionsFor(nullptr, "", data.path(), /*on_disk=*/true);
  EXPECT_EQ(plain.key, "");
  EXPECT_EQ(plain.head_path, data.File("audit.head"));
  EXPECT_EQ(AuditOptionsFor(nullptr, "", data.path(), false).head_path, "");
  testing::TempDir keys;
  ASSERT_TRUE(InitKeyFile(keys.File("keys"), SystemClock::Instance()).ok());
  auto cipher = LoadFieldCipher(keys.File("keys"), data.path());
  ASSERT_TRUE(cipher.ok()) << cipher.status().ToString();
  std::string key = AuditOptionsFor(cipher->get(), "", data.path(), false).key;
  EXPECT_FALSE(key.empty());
  EXPECT_EQ(AuditOptionsFor(nullptr, keys.File("keys"), data.path(), false).key, key);

  EXPECT_EQ(KeyFileToManage("", "", data.path()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(*KeyFileToManage("", keys.File("keys"), data.path()), keys.File("keys"));
  EXPECT_EQ(*KeyFileToManage(keys.File("other"), keys.File("keys"), data.path()),
            keys.File("other"));
  EXPECT_FALSE(KeyFileToManage(data.File("keys"), "", data.path()).ok());  // inside data.dir
}

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    if (old) old_ = old;
    had_ = old != nullptr;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// security.key_file = "auto" (the default): the key file under XDG_CONFIG_HOME (else
// ~/.config), made by EnsureKeyFile with mode 0600 in a 0700 directory, used once it exists.
TEST(KeyFileTest, TheDefaultKeyFileIsMadeOnceOutsideTheDataDir) {
  testing::TempDir xdg, data, home;
  ScopedEnv set_xdg("XDG_CONFIG_HOME", xdg.path().c_str());
  ScopedEnv set_home("HOME", home.path().c_str());
  const std::string path = xdg.File("zhixian/keys");
  EXPECT_EQ(DefaultKeyFilePath(), path);
  EXPECT_EQ(ResolveKeyFile(kAutoKeyFile), "");  // nothing there yet: no key
  EXPECT_EQ(ResolveKeyFile(""), "");
  EXPECT_EQ(ResolveKeyFile("/etc/zhixian/keys"), "/etc/zhixian/keys");
  EXPECT_EQ(*KeyFileToManage("", kAutoKeyFile, data.path()), path);  // keys init makes it there
  auto none = LoadFieldCipher(kAutoKeyFile, data.path());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);

  bool created = false;
  ASSERT_TRUE(EnsureKeyFile(path, data.path(), SystemClock::Instance(), &created).ok());
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(xdg.File("zhixian").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(ResolveKeyFile(kAutoKeyFile), path);
  auto cipher = LoadFieldCipher(kAutoKeyFile, data.path());
  ASSERT_TRUE(cipher.ok()) << cipher.status().ToString();
  ASSERT_NE(*cipher, nullptr);
  EXPECT_FALSE(AuditKeyOfKeyFile(kAutoKeyFile, data.path()).empty());
  // A second start keeps it.
  std::string sealed = (*cipher)->Encrypt("x", "t.c:1");
  ASSERT_TRUE(EnsureKeyFile(path, data.path(), SystemClock::Instance(), &created).ok());
  EXPECT_FALSE(created);
  auto again = LoadFieldCipher(kAutoKeyFile, data.path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->Decrypt(sealed, "t.c:1"), "x");
  // Never inside the data directory.
  EXPECT_FALSE(
      EnsureKeyFile(data.File("zhixian/keys"), data.path(), SystemClock::Instance(), &created)
          .ok());
  EXPECT_FALSE(created);

  // Without XDG_CONFIG_HOME (or with a relative one): ~/.config; without HOME either: none.
  ScopedEnv relative("XDG_CONFIG_HOME", "relative/dir");
  EXPECT_EQ(DefaultKeyFilePath(), home.File(".config/zhixian/keys"));
  ScopedEnv no_xdg("XDG_CONFIG_HOME", nullptr);
  ScopedEnv no_home("HOME", nullptr);
  EXPECT_EQ(DefaultKeyFilePath(), "");
  EXPECT_EQ(ResolveKeyFile(kAutoKeyFile), "");
}

TEST(AuditCheckTest, ParsesAnchors) {
  auto head = ParseAuditAnchor("42:3f2a");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq, 42);
  EXPECT_EQ(head->hash, "3f2a");
  for (const char* bad : {"", "42", "42:", "0:ab", "x:ab", ":ab", "-3:ab"})
    EXPECT_EQ(ParseAuditAnchor(bad).status().code(), Code::kInvalidArgument) << bad;
}

TEST(AuditCheckTest, ASoundLogStarts) {
  testing::SecurityFixture f;
  AuditEvent e;
  e.actor = "t";
  e.action = "test.one";
  ASSERT_TRUE(f.audit->Append(e).ok());
  EXPECT_TRUE(CheckAuditAtStart(*f.audit, true).ok());
  EXPECT_TRUE(CheckAuditAtStart(*f.audit, false).ok());
}

TEST(AuditCheckTest, ABrokenLogRefusesOrIsRecorded) {
  testing::SecurityFixture f;
  AuditEvent e;
  e.actor = "t";
  e.action = "test.one";
  ASSERT_TRUE(f.audit->Append(e).ok());
  ASSERT_TRUE(f.audit->Append(e).ok());
  // Tampering from outside the product: someone with the database file and sqlite3.
  ASSERT_TRUE(testing::DropAuditTriggers(*f.db).ok());
  ASSERT_TRUE(f.db->Exec("UPDATE audit_log SET actor = 'x' WHERE seq = 2").ok());
  Status refused = CheckAuditAtStart(*f.audit, true);
  EXPECT_EQ(refused.code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.message().find("audit_on_broken"), std::string::npos);
  ASSERT_TRUE(CheckAuditAtStart(*f.audit, false).ok());
  AuditQuery q;
  q.action_prefix = "audit.broken";
  auto recorded = f.audit->Query(q);
  ASSERT_TRUE(recorded.ok());
  ASSERT_EQ(recorded->size(), 1u);
  EXPECT_NE((*recorded)[0].event.details_json.find("\"audit_on_broken\":\"warn\""),
            std::string::npos);
}

TEST(AuditCheckTest, TheVerificationReportSaysOkOrTampered) {
  AuditVerification v;
  v.entries = 3;
  v.head.seq = 3;
  v.head.hash = "ab";
  v.notes = {"the head is behind"};
  EXPECT_EQ(VerificationReport(v), "ok: 3 entries; head seq 3 hash ab\nnote: the head is behind\n");
  v.keyed_from = 2;
  EXPECT_EQ(VerificationReport(v),
            "ok: 3 entries; head seq 3 hash ab\nkeyed: HMAC-SM3 under the key file from seq 2\n"
            "note: the head is behind\n");
  v.problem = AuditVerification::Problem::kChanged;
  v.seq = 2;
  v.message = "hash mismatch";
  v.notes.clear();
  EXPECT_EQ(VerificationReport(v), "TAMPERED (changed at seq 2): hash mismatch\n");
}

TEST(AuditCheckTest, AResealRecordsWhatWasFoundAndWhy) {
  testing::SecurityFixture f;
  AuditEvent e;
  e.actor = "t";
  e.action = "test.one";
  ASSERT_TRUE(f.audit->Append(e).ok());
  ASSERT_TRUE(f.audit->Append(e).ok());
  ASSERT_TRUE(testing::DropAuditTriggers(*f.db).ok());
  ASSERT_TRUE(f.db->Exec("UPDATE audit_log SET actor = 'x' WHERE seq = 2").ok());
  AuditEvent by;
  by.actor = "cli:root";
  by.role = "system";
  by.remote = "cli";
  by.purpose = "incident 42 investigated";
  auto resealed = ResealAfterInvestigation(*f.audit, by);
  ASSERT_TRUE(resealed.ok()) << resealed.status().ToString();
  EXPECT_EQ(resealed->found.problem, AuditVerification::Problem::kChanged);
  EXPECT_EQ(resealed->found.seq, 2);
  const AuditEvent& entry = resealed->entry.event;
  EXPECT_EQ(entry.action, "audit.reseal");
  EXPECT_EQ(entry.actor, "cli:root");
  EXPECT_EQ(entry.object_id, "2");
  EXPECT_EQ(entry.purpose, "incident 42 investigated");
  EXPECT_NE(entry.details_json.find("\"problem\":\"changed\""), std::string::npos);
  EXPECT_NE(entry.details_json.find("\"permission\":\"audit.verify\""), std::string::npos);
}

}  // namespace
}  // namespace zx::security
