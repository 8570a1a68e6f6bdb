#include "security/encoding.h"

#include <gtest/gtest.h>

namespace zx::security {
namespace {

TEST(Encoding, HexRoundTrip) {
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(*HexDecode("0001ABff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(Encoding, Base64Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* b64[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char* url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(plain[i]), b64[i]);
    EXPECT_EQ(*Base64Decode(b64[i]), plain[i]);
    EXPECT_EQ(Base64UrlEncode(plain[i]), url[i]);
    EXPECT_EQ(*Base64UrlDecode(url[i]), plain[i]);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
}

TEST(Encoding, Base64RejectsNonCanonical) {
  EXPECT_FALSE(Base64Decode("Zg=").ok());   // bad length
  EXPECT_FALSE(Base64Decode("Zh==").ok());  // non-zero trailing bits
  EXPECT_FALSE(Base64Decode("Z===").ok());  // too much padding
  EXPECT_FALSE(Base64Decode("Zm9v!A==").ok());
  EXPECT_FALSE(Base64UrlDecode("Zm9v+").ok());  // standard alphabet in url form
  EXPECT_FALSE(Base64UrlDecode("Z").ok());
}

}  // namespace
}  // namespace zx::security
