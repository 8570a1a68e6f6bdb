#include "security/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "security/encoding.h"

namespace zx::security {
namespace {

std::string Hex(std::string_view s) { return HexEncode(s); }
std::string Bytes(std::string_view hex) { return *HexDecode(hex); }

// GB/T 32905-2016 appendix A, example 1.
TEST(Sm3, StandardVectorAbc) {
  EXPECT_EQ(Hex(Sm3("abc")), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

// GB/T 32905-2016 appendix A, example 2: "abcd" repeated 16 times (512 bits).
TEST(Sm3, StandardVector512Bits) {
  std::string m;
  for (int i = 0; i < 16; ++i) m += "abcd";
  EXPECT_EQ(Hex(Sm3(m)), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

// Known values computed on the build machine with `openssl dgst -sm3 -hmac KEY`.
TEST(HmacSm3, MatchesOpensslCommandLine) {
  EXPECT_EQ(Hex(HmacSm3("key", "The quick brown fox jumps over the lazy dog")),
            "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398");
  EXPECT_EQ(Hex(HmacSm3("key", "hello")),
            "798a6ca374c9ac891982f87a4f4c4d60bd6cdddfe8fb0fa344393621a0c02d96");
  EXPECT_EQ(Hex(HmacSm3("key", "")),
            "4deb29b9be17bd4fd2aca21f908885b9f849bc61e8fbd101e04fd9987528d4df");
  // A key longer than the 64-byte block is hashed first.
  EXPECT_EQ(Hex(HmacSm3(std::string(100, 'k'), "zhixian")),
            "6cb257adb6f2a6c8a00db132c30a6319ec8646a1e46f950b80e27f2fb4b85a3e");
}

// RFC 8998 appendix A.1 (SM4-GCM), identical to GB/T 36624-2018.
TEST(Sm4Gcm, Rfc8998Vector) {
  const std::string key = Bytes("0123456789ABCDEFFEDCBA9876543210");
  const std::string iv = Bytes("00001234567800000000ABCD");
  const std::string aad = Bytes("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
  const std::string plain = Bytes(
      "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
      "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA");
  const std::string expected_ct =
      "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
      "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d";
  const std::string expected_tag = "83de3541e4c2b58177e065a9bf7b62ec";

  auto out = Sm4GcmEncrypt(key, iv, aad, plain);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Hex(*out), expected_ct + expected_tag);

  auto back = Sm4GcmDecrypt(key, iv, aad, *out);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, plain);
}

TEST(Sm4Gcm, SealOpenRoundTripAndFreshNonces) {
  const std::string key = RandomBytes(16);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto sealed = Sm4GcmSeal(key, "aad", "张三 13812345678");
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(sealed->size(),
              kGcmNonceBytes + std::string("张三 13812345678").size() + kGcmTagBytes);
    EXPECT_TRUE(seen.insert(sealed->substr(0, kGcmNonceBytes)).second) << "nonce reused";
    EXPECT_EQ(*Sm4GcmOpen(key, "aad", *sealed), "张三 13812345678");
  }
  auto empty = Sm4GcmSeal(key, "", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*Sm4GcmOpen(key, "", *empty), "");
}

TEST(Sm4Gcm, DetectsTampering) {
  const std::string key = RandomBytes(16);
  auto sealed = Sm4GcmSeal(key, "tickets.phone:1", "13812345678");
  ASSERT_TRUE(sealed.ok());
  // Every single-bit flip anywhere (nonce, ciphertext, tag) is caught.
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] ^= 0x01;
    auto r = Sm4GcmOpen(key, "tickets.phone:1", bad);
    ASSERT_FALSE(r.ok()) << "flip at byte " << i << " went unnoticed";
    EXPECT_EQ(r.status().code(), Code::kDataLoss);
  }
  // Wrong associated data, wrong key, truncation.
  EXPECT_EQ(Sm4GcmOpen(key, "tickets.phone:2", *sealed).status().code(), Code::kDataLoss);
  EXPECT_EQ(Sm4GcmOpen(RandomBytes(16), "tickets.phone:1", *sealed).status().code(),
            Code::kDataLoss);
  EXPECT_EQ(Sm4GcmOpen(key, "tickets.phone:1", sealed->substr(0, 20)).status().code(),
            Code::kDataLoss);
}

TEST(Sm4Gcm, RejectsBadSizes) {
  EXPECT_EQ(Sm4GcmEncrypt("short", std::string(12, 0), "", "x").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Sm4GcmEncrypt(std::string(16, 0), std::string(8, 0), "", "x").status().code(),
            Code::kInvalidArgument);
}

TEST(Sm4Gcm, ThreadSafeFromManyThreads) {
  const std::string key = RandomBytes(16);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string msg = "m" + std::to_string(t) + ":" + std::to_string(i);
        auto s = Sm4GcmSeal(key, "", msg);
        if (!s.ok() || *Sm4GcmOpen(key, "", *s) != msg) ++failures;
        if (Hex(Sm3("abc")).substr(0, 8) != "66c7f0f4") ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ConstantTime, Equals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("xbc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(Random, BytesDiffer) {
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(16), RandomBytes(16));
  EXPECT_EQ(RandomBytes(0), "");
}

TEST(Wipe, ClearsSecret) {
  std::string s = "secret";
  Wipe(s);
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace zx::security
