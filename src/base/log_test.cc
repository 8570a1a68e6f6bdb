#include "base/log.h"

#include <gtest/gtest.h>

namespace zx::log {
namespace {

TEST(Log, ScrubMasksPhoneAndIdNumbers) {
  EXPECT_EQ(Scrub("call from=13812345678 ok"), "call from=138****5678 ok");
  EXPECT_EQ(Scrub("id=11010119900307851X"), "id=110***********851X");
  EXPECT_EQ(Scrub("port=8080 n=123456"), "port=8080 n=123456");
}

}  // namespace
}  // namespace zx::log
