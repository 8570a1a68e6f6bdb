#include "security/totp.h"

#include <gtest/gtest.h>

namespace zx::security {
namespace {

// RFC 6238 appendix B, SHA-1 rows (8 digits; the 6-digit code is the last six).
TEST(Totp, Rfc6238Vectors) {
  const std::string secret = "12345678901234567890";
  const std::pair<int64_t, const char*> rows[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (auto [t, code] : rows) {
    EXPECT_EQ(TotpCode(secret, t / 30, 8), code) << t;
    EXPECT_EQ(TotpCode(secret, t / 30), std::string(code).substr(2)) << t;
  }
}

TEST(Totp, MatchesWithinOneStepOnly) {
  std::string secret = NewTotpSecret();
  ASSERT_EQ(secret.size(), kTotpSecretBytes);
  int64_t now = 1'800'000'000;
  int64_t step = now / 30;
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step), now), step);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step - 1), now), step - 1);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step + 1), now), step + 1);
  EXPECT_FALSE(MatchTotp(secret, TotpCode(secret, step - 2), now));
  EXPECT_FALSE(MatchTotp(secret, "12345", now));
  EXPECT_FALSE(MatchTotp(secret, "", now));
  EXPECT_FALSE(MatchTotp(NewTotpSecret(), TotpCode(secret, step), now));
}

TEST(Totp, Base32RoundTripAndRfc4648Vectors) {
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(*Base32Decode("mzxw 6ytb oi=="), "foobar");
  std::string secret = NewTotpSecret();
  EXPECT_EQ(*Base32Decode(Base32Encode(secret)), secret);
  EXPECT_EQ(Base32Decode("MZ1W").status().code(), Code::kInvalidArgument);
}

TEST(Totp, OtpauthUri) {
  std::string uri = OtpauthUri("12345热线", "agent.li", "foobar");
  EXPECT_EQ(uri.rfind("otpauth://totp/12345%E7%83%AD%E7%BA%BF:agent.li?secret=MZXW6YTBOI&", 0), 0u)
      << uri;
  EXPECT_NE(uri.find("digits=6&period=30"), std::string::npos);
}

}  // namespace
}  // namespace zx::security
