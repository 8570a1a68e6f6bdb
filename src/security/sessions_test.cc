#include "security/sessions.h"

#include <gtest/gtest.h>

#include "security/api_keys.h"
#include "security/testing/fixtures.h"

namespace zx::security {
namespace {

using testing::SecurityFixture;

TEST(Sessions, TokenIsRandomAndStoredHashed) {
  SecurityFixture f;
  auto u = f.users->Add("agent1", Role::kAgent, "Hotline-12345-ok");
  auto s = f.sessions->Create(u->id, "10.0.0.1");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->token.substr(0, 4), "zxs_");
  EXPECT_EQ(s->token.size(), 47u);
  EXPECT_NE(s->token, f.sessions->Create(u->id, "10.0.0.1")->token);
  auto q = f.db->Prepare("SELECT token_hash FROM sec_sessions");
  while (*q->Step()) {
    EXPECT_EQ(q->Text(0).size(), 64u);
    EXPECT_EQ(q->Text(0).find(s->token.substr(4)), std::string::npos);
  }
  EXPECT_EQ(*f.sessions->Validate(s->token), u->id);
}

TEST(Sessions, ExpiryIdleAndRevocation) {
  SecurityFixture f;
  auto u = f.users->Add("agent1", Role::kAgent, "Hotline-12345-ok");
  auto s = f.sessions->Create(u->id, "");
  EXPECT_EQ(s->expires_ms, 1700000000000 + 8 * 3600 * 1000LL);
  // Used every 20 minutes: stays alive until the absolute 8 h limit.
  for (int i = 0; i < 23; ++i) {
    f.clock.Advance(std::chrono::minutes(20));
    ASSERT_TRUE(f.sessions->Validate(s->token).ok()) << i;
  }
  f.clock.Advance(std::chrono::minutes(20));  // 8 h
  auto expired = f.sessions->Validate(s->token);
  EXPECT_EQ(expired.status().code(), Code::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);

  auto idle = f.sessions->Create(u->id, "");
  f.clock.Advance(std::chrono::minutes(31));
  EXPECT_NE(f.sessions->Validate(idle->token).status().message().find("inactivity"),
            std::string::npos);

  auto r = f.sessions->Create(u->id, "");
  ASSERT_TRUE(f.sessions->Revoke(r->token).ok());
  EXPECT_EQ(f.sessions->Validate(r->token).status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(f.sessions->Revoke(r->token).ok());  // idempotent
  EXPECT_EQ(f.sessions->Revoke("zxs_nope").code(), Code::kNotFound);

  auto a = f.sessions->Create(u->id, ""), b = f.sessions->Create(u->id, "");
  ASSERT_TRUE(f.sessions->RevokeAllForUser(u->id).ok());
  EXPECT_FALSE(f.sessions->Validate(a->token).ok());
  EXPECT_FALSE(f.sessions->Validate(b->token).ok());

  EXPECT_EQ(f.sessions->Validate("zxs_forged").status().code(), Code::kUnauthenticated);
  std::string forged = a->token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(f.sessions->Validate(forged).status().code(), Code::kUnauthenticated);

  f.clock.Advance(std::chrono::hours(25));
  EXPECT_GE(*f.sessions->PurgeEnded(), 4);
}

// Issue 9 #20: with idle = 1 minute, a session used every 15 s ended at 75 s, because last-seen
// was written only once a minute. Idle time counts from the last request.
TEST(Sessions, IdleCountsFromTheLastRequest) {
  SecurityFixture f;
  SessionOptions so;
  so.idle = std::chrono::minutes(1);
  auto sessions = std::move(SessionStore::Open(*f.db, f.clock, so).value());
  auto u = f.users->Add("agent1", Role::kAgent, "Hotline-12345-ok");
  auto s = sessions->Create(u->id, "");
  for (int i = 1; i <= 20; ++i) {  // five minutes of requests every 15 s
    f.clock.Advance(std::chrono::seconds(15));
    ASSERT_TRUE(sessions->Validate(s->token).ok()) << "request at " << i * 15 << " s";
  }
  f.clock.Advance(std::chrono::seconds(59));  // 59 s after the last request: still alive
  ASSERT_TRUE(sessions->Validate(s->token).ok());
  f.clock.Advance(std::chrono::seconds(59));
  ASSERT_TRUE(sessions->Validate(s->token).ok());
  f.clock.Advance(std::chrono::seconds(60));  // a full idle minute without a request
  auto idle = sessions->Validate(s->token);
  EXPECT_EQ(idle.status().code(), Code::kUnauthenticated);
  EXPECT_NE(idle.status().message().find("inactivity"), std::string::npos);
}

TEST(ApiKeys, CreateValidateRevoke) {
  SecurityFixture f;
  auto k = f.api_keys->Create("rsj-system", {"rsj", ""});
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->key.substr(0, 4), "zxk_");
  EXPECT_EQ(k->key.substr(4, 16), k->client.id);
  EXPECT_TRUE(ApiKeyStore::IsApiKey(k->key));
  auto c = f.api_keys->Validate(k->key);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "rsj-system");
  EXPECT_EQ(c->scope.department, "rsj");
  EXPECT_EQ(c->last_used_ms, 1700000000000);
  Principal p = PrincipalFor(*c);
  EXPECT_EQ(p.role, Role::kIntegration);
  EXPECT_EQ(p.id, "k:" + k->client.id);

  // Only a digest of the secret is stored.
  auto q = f.db->Prepare("SELECT secret_hash FROM sec_api_keys");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(k->key.find(q->Text(0)), std::string::npos);
  EXPECT_EQ(q->Text(0).size(), 64u);

  std::string wrong = k->key;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(f.api_keys->Validate(wrong).status().code(), Code::kUnauthenticated);
  std::string other_id = k->key;
  other_id[5] = other_id[5] == 'a' ? 'b' : 'a';
  EXPECT_EQ(f.api_keys->Validate(other_id).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(f.api_keys->Validate("zxk_x").status().code(), Code::kUnauthenticated);

  EXPECT_EQ(f.api_keys->Create("rsj-system").status().code(), Code::kAlreadyExists);
  ASSERT_TRUE(f.api_keys->Revoke("rsj-system").ok());
  EXPECT_EQ(f.api_keys->Validate(k->key).status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(f.api_keys->List()->front().revoked);
  EXPECT_EQ(f.api_keys->Revoke("nobody").code(), Code::kNotFound);
}

}  // namespace
}  // namespace zx::security
