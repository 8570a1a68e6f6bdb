#include "telephony/jitter_buffer.h"

#include <gtest/gtest.h>

namespace zx::telephony {
namespace {

void Put(JitterBuffer& jb, uint16_t seq) {
  uint8_t payload[2] = {static_cast<uint8_t>(seq & 0xFF), static_cast<uint8_t>(seq >> 8)};
  jb.Put(seq, payload, 2);
}
int Seq(const std::optional<std::vector<uint8_t>>& f) { return f ? (*f)[0] | (*f)[1] << 8 : -1; }

TEST(JitterBuffer, WaitsForDepthThenPlaysInOrder) {
  JitterBuffer jb(2);
  Put(jb, 100);
  EXPECT_FALSE(jb.Pop());
  Put(jb, 102);  // 101 is late
  Put(jb, 101);
  EXPECT_EQ(Seq(jb.Pop()), 100);
  EXPECT_EQ(Seq(jb.Pop()), 101);
  EXPECT_EQ(Seq(jb.Pop()), 102);
}

TEST(JitterBuffer, LossLeavesAGapAndLatePacketsAreDropped) {
  JitterBuffer jb(1);
  Put(jb, 10);
  Put(jb, 12);
  EXPECT_EQ(Seq(jb.Pop()), 10);
  EXPECT_FALSE(jb.Pop());  // 11 lost
  EXPECT_EQ(jb.lost(), 1u);
  Put(jb, 11);  // too late now
  EXPECT_EQ(jb.late(), 1u);
  EXPECT_EQ(Seq(jb.Pop()), 12);
}

TEST(JitterBuffer, SequenceWrapsAround) {
  JitterBuffer jb(1);
  Put(jb, 65535);
  Put(jb, 0);
  EXPECT_EQ(Seq(jb.Pop()), 65535);
  EXPECT_EQ(Seq(jb.Pop()), 0);
}

TEST(JitterBuffer, ResynchronisesAfterAJump) {
  JitterBuffer jb(1);
  Put(jb, 1);
  EXPECT_EQ(Seq(jb.Pop()), 1);
  Put(jb, 5000);
  EXPECT_EQ(Seq(jb.Pop()), 5000);
}

}  // namespace
}  // namespace zx::telephony
