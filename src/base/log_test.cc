#include "base/log.h"

#include <gtest/gtest.h>

namespace zx::log {
namespace {

TEST(Log, ScrubMasksPhoneAndIdNumbers) {
  EXPECT_EQ(Scrub("call from=13812345678 ok"), "call from=138****5678 ok");
  EXPECT_EQ(Scrub("id=11010119900307851X"), "id=110***********851X");
  EXPECT_EQ(Scrub("port=8080 n=123456"), "port=8080 n=123456");
}

// Issue 9 (13): the product's masking function runs on every line when installed.
TEST(Log, ScrubAppliesTheInstalledMasker) {
  SetMasker([](std::string_view s) {
    std::string out(s);
    if (auto p = out.find("secret"); p != std::string::npos) out.replace(p, 6, "******");
    return out;
  });
  EXPECT_EQ(Scrub("a secret 13812345678"), "a ****** 138****5678");
  SetMasker(nullptr);
  EXPECT_EQ(Scrub("a secret"), "a secret");
}

}  // namespace
}  // namespace zx::log
