#include "security/password.h"

#include <gtest/gtest.h>

#include "security/testing/fixtures.h"

namespace zx::security {
namespace {

TEST(Password, HashIsEncodedArgon2idAndVerifies) {
  auto h = HashPassword("correct horse battery", testing::CheapPasswords());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->substr(0, 10), "$argon2id$");
  EXPECT_EQ(h->find("correct"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*h, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse battery!"));
  EXPECT_FALSE(VerifyPassword(*h, ""));
  // Salted: the same password hashes differently.
  EXPECT_NE(*h, *HashPassword("correct horse battery", testing::CheapPasswords()));
}

TEST(Password, DefaultParametersAreStrong) {
  PasswordParams p;
  EXPECT_GE(p.memory_kib, 64u * 1024);
  EXPECT_GE(p.time_cost, 3u);
  auto h = HashPassword("密码也可以是中文的句子", p);
  ASSERT_TRUE(h.ok());
  EXPECT_NE(h->find("m=65536,t=3,p=1"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*h, "密码也可以是中文的句子"));
}

TEST(Password, MalformedOrForeignHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "x"));
  EXPECT_FALSE(HashPassword(std::string(2000, 'a')).ok());
}

}  // namespace
}  // namespace zx::security
