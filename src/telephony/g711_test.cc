#include "telephony/g711.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

namespace zx::telephony {
namespace {

TEST(G711, SilenceCodes) {
  EXPECT_EQ(LinearToUlaw(0), 0xFF);
  EXPECT_EQ(LinearToAlaw(0), 0xD5);
  EXPECT_EQ(UlawToLinear(0xFF), 0);
  EXPECT_LE(std::abs(AlawToLinear(0xD5)), 8);
}

TEST(G711, RoundTripIsCloseOverTheRange) {
  for (int s = -32000; s <= 32000; s += 37) {
    int16_t x = static_cast<int16_t>(s);
    int tolerance = std::max(16, std::abs(s) / 16);  // logarithmic quantisation
    EXPECT_NEAR(UlawToLinear(LinearToUlaw(x)), x, tolerance) << s;
    EXPECT_NEAR(AlawToLinear(LinearToAlaw(x)), x, tolerance) << s;
  }
}

TEST(G711, KnownCodes) {
  // Reference values of ITU-T G.711 (as in spandsp and every PBX).
  EXPECT_EQ(UlawToLinear(0x00), -32124);
  EXPECT_EQ(UlawToLinear(0x80), 32124);
  EXPECT_EQ(AlawToLinear(0x55), -8);
  EXPECT_EQ(AlawToLinear(0xAA), 32256);
}

TEST(G711, BufferCodecs) {
  int16_t in[160], out[160];
  uint8_t code[160];
  for (int i = 0; i < 160; ++i) in[i] = static_cast<int16_t>(8000 * std::sin(i * 0.1));
  for (Codec c : {Codec::kPcmu, Codec::kPcma}) {
    Encode(c, in, 160, code);
    Decode(c, code, 160, out);
    for (int i = 0; i < 160; ++i) EXPECT_NEAR(out[i], in[i], 300) << CodecName(c);
  }
}

}  // namespace
}  // namespace zx::telephony
