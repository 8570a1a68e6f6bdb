#include "security/users.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "security/policy.h"
#include "security/testing/fixtures.h"
#include "security/totp.h"

namespace zx::security {
namespace {

using testing::SecurityFixture;
constexpr char kPw[] = "Hotline-12345-ok";

TEST(Users, AddFindListNoDefaults) {
  SecurityFixture f;
  EXPECT_TRUE(f.users->List()->empty());  // no default users
  auto admin = f.users->Add("admin", Role::kAdmin, kPw);
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  EXPECT_EQ(admin->role, Role::kAdmin);
  EXPECT_EQ(admin->created_ms, 1700000000000);
  auto h = f.users->Add("rsj.li", Role::kDepartmentHandler, kPw, {"rsj", "330102"});
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->scope.department, "rsj");
  EXPECT_EQ(f.users->Find("ADMIN")->id, admin->id);  // names ignore case
  EXPECT_EQ(f.users->List()->size(), 2u);
  EXPECT_EQ(f.users->Find("nobody").status().code(), Code::kNotFound);
  // Stored hash is argon2id, never the password.
  auto q = f.db->Prepare("SELECT password_hash FROM sec_users WHERE name = 'admin'");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0).substr(0, 10), "$argon2id$");
}

TEST(Users, AddValidates) {
  SecurityFixture f;
  EXPECT_EQ(f.users->Add("a b", Role::kAgent, kPw).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.users->Add("", Role::kAgent, kPw).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.users->Add("x", Role::kAnonymous, kPw).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.users->Add("x", Role::kIntegration, kPw).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.users->Add("x", Role::kDepartmentHandler, kPw).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(f.users->Add("x", Role::kAgent, kPw, {"rsj", ""}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(f.users->Add("x", Role::kAgent, "short").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.users->Add("x", Role::kAgent, "aaaaaaaaaaaaaaaa").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(f.users->Add("wangwei", Role::kAgent, "my-wangwei-pass").status().code(),
            Code::kInvalidArgument);
  ASSERT_TRUE(f.users->Add("x", Role::kAgent, "x-marks-the-spot").ok());  // short names are ok
  EXPECT_EQ(f.users->Add("X", Role::kAgent, kPw).status().code(), Code::kAlreadyExists);
}

TEST(Users, CheckPassword) {
  SecurityFixture f;
  ASSERT_TRUE(f.users->Add("agent1", Role::kAgent, kPw).ok());
  EXPECT_TRUE(f.users->CheckPassword("agent1", kPw).ok());
  auto wrong = f.users->CheckPassword("agent1", "nope-nope-nope");
  EXPECT_EQ(wrong.status().code(), Code::kUnauthenticated);
  auto unknown = f.users->CheckPassword("ghost", kPw);
  EXPECT_EQ(unknown.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());  // no user enumeration
  ASSERT_TRUE(f.users->SetDisabled("agent1", true).ok());
  EXPECT_EQ(f.users->CheckPassword("agent1", kPw).status().message(), wrong.status().message());
  ASSERT_TRUE(f.users->SetDisabled("agent1", false).ok());
  ASSERT_TRUE(f.users->SetPassword("agent1", "Another-long-pass").ok());
  EXPECT_FALSE(f.users->CheckPassword("agent1", kPw).ok());
  EXPECT_TRUE(f.users->CheckPassword("agent1", "Another-long-pass").ok());
}

// The user a login returns carries its display name, never its password hash in that place
// (the login answer's user and the session's principal are made from it).
TEST(Users, CheckPasswordReturnsTheDisplayNameNotTheHash) {
  SecurityFixture f;
  ASSERT_TRUE(f.users->Add("agent1", Role::kAgent, kPw).ok());
  auto plain = f.users->CheckPassword("agent1", kPw);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->display_name, "");
  ASSERT_TRUE(f.users->SetDisplayName("agent1", "1024号").ok());
  auto named = f.users->CheckPassword("agent1", kPw);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->display_name, "1024号");
  EXPECT_EQ(named->name, "agent1");
}

TEST(Users, LockOutAfterFiveFailuresForFifteenMinutes) {
  SecurityFixture f;
  ASSERT_TRUE(f.users->Add("agent1", Role::kAgent, kPw).ok());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(f.users->CheckPassword("agent1", "wrong-password!").status().code(),
              Code::kUnauthenticated);
  // Now even the right password is refused, with a reason.
  auto locked = f.users->CheckPassword("agent1", kPw);
  EXPECT_EQ(locked.status().code(), Code::kResourceExhausted);
  EXPECT_NE(locked.status().message().find("15 minute"), std::string::npos);
  f.clock.Advance(std::chrono::minutes(14));
  EXPECT_EQ(f.users->CheckPassword("agent1", kPw).status().code(), Code::kResourceExhausted);
  f.clock.Advance(std::chrono::minutes(1));
  EXPECT_TRUE(f.users->CheckPassword("agent1", kPw).ok());
  // A success resets the count: four more failures do not lock.
  for (int i = 0; i < 4; ++i) (void)f.users->CheckPassword("agent1", "wrong-password!");
  EXPECT_TRUE(f.users->CheckPassword("agent1", kPw).ok());
}

TEST(Users, FailuresOutsideTheWindowDoNotAddUp) {
  SecurityFixture f;
  ASSERT_TRUE(f.users->Add("agent1", Role::kAgent, kPw).ok());
  for (int i = 0; i < 4; ++i) (void)f.users->CheckPassword("agent1", "wrong-password!");
  f.clock.Advance(std::chrono::minutes(16));
  (void)f.users->CheckPassword("agent1", "wrong-password!");
  EXPECT_TRUE(f.users->CheckPassword("agent1", kPw).ok());
}

TEST(Users, UnknownNamesLockTooAndAdminCanUnlock) {
  SecurityFixture f;
  for (int i = 0; i < 5; ++i) (void)f.users->CheckPassword("ghost", "x");
  EXPECT_EQ(f.users->CheckPassword("ghost", "x").status().code(), Code::kResourceExhausted);
  ASSERT_TRUE(f.users->Add("agent1", Role::kAgent, kPw).ok());
  for (int i = 0; i < 5; ++i) (void)f.users->CheckPassword("agent1", "x");
  ASSERT_TRUE(f.users->Unlock("agent1").ok());
  EXPECT_TRUE(f.users->CheckPassword("agent1", kPw).ok());
}

// Issue 9 #12: a lock-out is by name AND client address: whoever guesses from one address
// does not lock the account's owner out elsewhere.
TEST(Users, LockOutIsPerAddress) {
  SecurityFixture f;
  ASSERT_TRUE(f.users->Add("agent1", Role::kAgent, kPw).ok());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(f.users->CheckPassword("agent1", "wrong-password!", "", "10.0.0.66").status().code(),
              Code::kUnauthenticated);
  auto locked = f.users->CheckPassword("agent1", kPw, "", "10.0.0.66");
  EXPECT_EQ(locked.status().code(), Code::kResourceExhausted);
  EXPECT_NE(locked.status().message().find("from your address"), std::string::npos);
  EXPECT_TRUE(f.users->CheckPassword("agent1", kPw, "", "10.0.0.7").ok());  // the owner's desk
  EXPECT_TRUE(f.users->CheckPassword("AGENT1", kPw, "", "10.0.0.7").ok());  // names ignore case
  EXPECT_EQ(f.users->CheckPassword("Agent1", kPw, "", "10.0.0.66").status().code(),
            Code::kResourceExhausted);
  ASSERT_TRUE(f.users->Unlock("agent1").ok());
  EXPECT_TRUE(f.users->CheckPassword("agent1", kPw, "", "10.0.0.66").ok());
}

// Each failure past the limit from the same address doubles the lock (one guess per lock).
TEST(Users, LockOutBacksOffExponentially) {
  SecurityFixture f;
  ASSERT_TRUE(f.users->Add("agent1", Role::kAgent, kPw).ok());
  const char* from = "10.0.0.66";
  for (int i = 0; i < 5; ++i) (void)f.users->CheckPassword("agent1", "wrong-password!", "", from);
  // 15, then 30, then 60 minutes.
  for (int minutes : {15, 30, 60}) {
    auto locked = f.users->CheckPassword("agent1", kPw, "", from);
    ASSERT_EQ(locked.status().code(), Code::kResourceExhausted) << minutes;
    EXPECT_NE(locked.status().message().find(" " + std::to_string(minutes) + " minute"),
              std::string::npos)
        << locked.status().message();
    f.clock.Advance(std::chrono::minutes(minutes) - std::chrono::seconds(1));
    EXPECT_EQ(f.users->CheckPassword("agent1", kPw, "", from).status().code(),
              Code::kResourceExhausted);
    f.clock.Advance(std::chrono::seconds(1));
    EXPECT_EQ(f.users->CheckPassword("agent1", "wrong-password!", "", from).status().code(),
              Code::kUnauthenticated);  // one more guess, then locked for twice as long
  }
  // Capped, and forgotten a window after the lock ends without a failure.
  f.clock.Advance(std::chrono::minutes(120) + std::chrono::minutes(15));
  EXPECT_TRUE(f.users->CheckPassword("agent1", kPw, "", from).ok());
}

// A ceiling per name against guessing from many addresses: much higher than per address.
TEST(Users, CeilingPerNameAcrossAddresses) {
  SecurityFixture f;
  UserStoreOptions uo;
  uo.password = testing::CheapPasswords();
  uo.max_failed_logins_per_name = 12;
  auto users = std::move(UserStore::Open(*f.db, f.clock, uo).value());
  ASSERT_TRUE(users->Add("agent1", Role::kAgent, kPw).ok());
  for (int i = 0; i < 3; ++i)  // 4 guesses from each of 3 addresses: none locked alone
    for (int g = 0; g < 4; ++g)
      EXPECT_EQ(users->CheckPassword("agent1", "wrong-password!", "", "10.0.1." + std::to_string(i))
                    .status()
                    .code(),
                Code::kUnauthenticated);
  auto locked = users->CheckPassword("agent1", kPw, "", "10.0.0.7");
  EXPECT_EQ(locked.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(locked.status().message().find("from your address"), std::string::npos);
  f.clock.Advance(std::chrono::minutes(15));
  EXPECT_TRUE(users->CheckPassword("agent1", kPw, "", "10.0.0.7").ok());
  // Successes do not count toward the ceiling.
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(users->CheckPassword("agent1", kPw, "", "10.0.0.7").ok());
}

// Issue 9 #19: 16 parallel wrong logins got 6 guesses. Attempts are counted before the
// password is checked, atomically: exactly 5 are evaluated, the rest refused as locked.
TEST(Users, ParallelGuessesGetExactlyTheLimit) {
  SecurityFixture f;
  UserStoreOptions uo;
  uo.password = {1, 4096, 1};  // a few milliseconds, so that checks overlap
  auto users = std::move(UserStore::Open(*f.db, f.clock, uo).value());
  ASSERT_TRUE(users->Add("agent1", Role::kAgent, kPw).ok());
  std::atomic<int> evaluated{0}, locked{0}, other{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
      auto r = users->CheckPassword("agent1", "wrong-password!", "", "10.0.0.66");
      Code c = r.status().code();
      (c == Code::kUnauthenticated ? evaluated : c == Code::kResourceExhausted ? locked : other)++;
    });
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(evaluated.load(), 5);
  EXPECT_EQ(locked.load(), 11);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(users->CheckPassword("agent1", kPw, "", "10.0.0.66").status().code(),
            Code::kResourceExhausted);
}

TEST(Users, PasswordChangeAndDisableRevokeSessions) {
  SecurityFixture f;
  auto u = f.users->Add("agent1", Role::kAgent, kPw);
  auto s1 = f.sessions->Create(u->id, "127.0.0.1");
  ASSERT_TRUE(f.sessions->Validate(s1->token).ok());
  ASSERT_TRUE(f.users->SetPassword("agent1", "Another-long-pass").ok());
  EXPECT_EQ(f.sessions->Validate(s1->token).status().code(), Code::kUnauthenticated);
  auto s2 = f.sessions->Create(u->id, "127.0.0.1");
  ASSERT_TRUE(f.users->SetDisabled("agent1", true).ok());
  EXPECT_EQ(f.sessions->Validate(s2->token).status().code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace zx::security

namespace zx::security {
namespace {

// A user store that can seal second-factor secrets (a key ring, as with a key file).
struct TotpFixture : testing::SecurityFixture {
  TotpFixture() {
    UserStoreOptions uo;
    uo.password = testing::CheapPasswords();
    uo.cipher =
        std::make_shared<FieldCipher>(std::make_shared<const KeyRing>(KeyRing::Generate(clock)));
    users = std::move(UserStore::Open(*db, clock, uo).value());
  }
  std::string Code(const std::string& secret, int64_t offset_steps = 0) {
    return TotpCode(secret, clock.NowUnixMillis() / 1000 / kTotpStepSeconds + offset_steps);
  }
};

TEST(UsersTotp, LoginNeedsAFreshCodeOnce) {
  TotpFixture f;
  ASSERT_TRUE(f.users->Add("agent.li", Role::kAgent, kPw).ok());
  EXPECT_TRUE(f.users->CheckPassword("agent.li", kPw).ok());  // not enrolled yet
  auto secret = f.users->EnableTotp("agent.li");
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_TRUE(*f.users->HasTotp("agent.li"));
  // Stored sealed, never the secret or its base32 form.
  auto q = f.db->Prepare("SELECT totp_secret FROM sec_users WHERE name = 'agent.li'");
  ASSERT_TRUE(*q->Step());
  EXPECT_TRUE(FieldCipher::LooksEncrypted(q->Text(0)));
  EXPECT_EQ(q->Text(0).find(Base32Encode(*secret)), std::string::npos);

  // Issue 9 #16: a missing or wrong code after the right password is answered exactly like a
  // wrong password, which would otherwise be told to be right.
  auto wrong_password = f.users->CheckPassword("agent.li", "not-the-password");
  EXPECT_EQ(wrong_password.status().code(), Code::kUnauthenticated);
  auto missing = f.users->CheckPassword("agent.li", kPw);
  EXPECT_EQ(missing.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(missing.status().message(), wrong_password.status().message());
  std::string wrong = "000000";
  while (wrong == f.Code(*secret) || wrong == f.Code(*secret, -1) || wrong == f.Code(*secret, 1))
    wrong[5]++;
  auto wrong_code = f.users->CheckPassword("agent.li", kPw, wrong);
  EXPECT_EQ(wrong_code.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(wrong_code.status().message(), wrong_password.status().message());
  EXPECT_EQ(f.users->CheckPassword("agent.li", "not-the-password", wrong).status().message(),
            wrong_password.status().message());
  std::string code = f.Code(*secret);
  EXPECT_TRUE(f.users->CheckPassword("agent.li", kPw, code).ok());
  auto replay = f.users->CheckPassword("agent.li", kPw, code);  // the same code again
  EXPECT_EQ(replay.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(replay.status().message(), wrong_password.status().message());
  // The next step's code works once the clock gets there; a wrong password never does.
  f.clock.Advance(std::chrono::seconds(30));
  EXPECT_EQ(f.users->CheckPassword("agent.li", "wrong password 1", f.Code(*secret)).status().code(),
            Code::kUnauthenticated);
  EXPECT_TRUE(f.users->CheckPassword("agent.li", kPw, f.Code(*secret)).ok());
  ASSERT_TRUE(f.users->DisableTotp("agent.li").ok());
  EXPECT_TRUE(f.users->CheckPassword("agent.li", kPw).ok());
}

TEST(UsersTotp, GuessingCodesLocksOut) {
  TotpFixture f;
  ASSERT_TRUE(f.users->Add("agent.wang", Role::kAgent, kPw).ok());
  auto secret = f.users->EnableTotp("agent.wang");
  ASSERT_TRUE(secret.ok());
  std::string right = f.Code(*secret);
  int guesses = 0;
  for (int g = 0; guesses < 5; ++g) {
    std::string guess = std::to_string(100000 + g);
    if (guess == right || guess == f.Code(*secret, -1) || guess == f.Code(*secret, 1)) continue;
    EXPECT_EQ(f.users->CheckPassword("agent.wang", kPw, guess).status().code(),
              Code::kUnauthenticated);
    ++guesses;
  }
  EXPECT_EQ(f.users->CheckPassword("agent.wang", kPw, right).status().code(),
            Code::kResourceExhausted);
}

TEST(UsersTotp, NoKeyFileNoEnrolment) {
  testing::SecurityFixture f;  // no cipher
  ASSERT_TRUE(f.users->Add("agent.zhao", Role::kAgent, kPw).ok());
  EXPECT_EQ(f.users->EnableTotp("agent.zhao").status().code(), Code::kFailedPrecondition);
}

// Issue 9: an administrator could give itself access to citizen data by creating a supervisor
// and logging in as it. A pending account cannot log in until a DIFFERENT administrator
// approves it.
TEST(UsersApproval, RolesThatSeePersonalDataOrManageUsersNeedApproval) {
  EXPECT_TRUE(RoleNeedsApproval(Role::kSupervisor));
  EXPECT_TRUE(RoleNeedsApproval(Role::kAgent));
  EXPECT_TRUE(RoleNeedsApproval(Role::kDepartmentHandler));
  EXPECT_TRUE(RoleNeedsApproval(Role::kAdmin));  // could approve its own accomplices
  EXPECT_FALSE(RoleNeedsApproval(Role::kAuditor));
  // Derived from the policy table, not a list: every role holding pii.read_full is in.
  for (Role r : kAllRoles) {
    if (MayUse(r, "pii.read_full") && r != Role::kIntegration) {
      EXPECT_TRUE(RoleNeedsApproval(r)) << RoleName(r);
    }
  }
}

TEST(UsersApproval, PendingUserCannotLogInUntilAnotherAdminApproves) {
  SecurityFixture f;
  auto sup = f.users->Add("sup1", Role::kSupervisor, kPw, {}, "admin1", /*pending=*/true);
  ASSERT_TRUE(sup.ok()) << sup.status().ToString();
  EXPECT_TRUE(sup->pending);
  EXPECT_EQ(sup->created_by, "admin1");
  auto login = f.users->CheckPassword("sup1", kPw);
  EXPECT_EQ(login.status().code(), Code::kPermissionDenied);
  EXPECT_NE(login.status().message().find("approval"), std::string::npos);
  // A wrong password says nothing about the pending state.
  EXPECT_EQ(f.users->CheckPassword("sup1", "Wrong-password-123").status().code(),
            Code::kUnauthenticated);

  auto self = f.users->Approve("sup1", "ADMIN1");  // the creator, in another case
  EXPECT_EQ(self.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(f.users->Approve("sup1", "").status().code(), Code::kPermissionDenied);
  EXPECT_TRUE(f.users->Find("sup1")->pending);

  auto approved = f.users->Approve("sup1", "admin2");
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_FALSE(approved->pending);
  EXPECT_EQ(approved->approved_by, "admin2");
  EXPECT_TRUE(f.users->CheckPassword("sup1", kPw).ok());
  EXPECT_EQ(f.users->Approve("sup1", "admin3").status().code(), Code::kFailedPrecondition);
}

TEST(UsersApproval, BootstrapEndsWithTheFirstActiveAdmin) {
  SecurityFixture f;
  EXPECT_FALSE(*f.users->HasActiveAdmin());
  ASSERT_TRUE(f.users->Add("pending.admin", Role::kAdmin, kPw, {}, "cli:root", true).ok());
  EXPECT_FALSE(*f.users->HasActiveAdmin());  // a pending admin does not count
  ASSERT_TRUE(f.users->Add("admin1", Role::kAdmin, kPw, {}, "cli:root").ok());
  EXPECT_TRUE(*f.users->HasActiveAdmin());
  ASSERT_TRUE(f.users->SetDisabled("admin1", true).ok());
  EXPECT_FALSE(*f.users->HasActiveAdmin());
}

}  // namespace
}  // namespace zx::security
