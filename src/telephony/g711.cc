#include "telephony/g711.h"

#include <array>

namespace zx::telephony {
namespace {

constexpr int kBias = 0x84;
constexpr int kClip = 32635;

uint8_t EncodeUlaw(int sample) {
  int sign = (sample >> 8) & 0x80;
  if (sign) sample = -sample;
  if (sample > kClip) sample = kClip;
  sample += kBias;
  int exponent = 7;
  for (int mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1) --exponent;
  int mantissa = (sample >> (exponent + 3)) & 0x0F;
  return static_cast<uint8_t>(~(sign | (exponent << 4) | mantissa));
}

int16_t DecodeUlaw(uint8_t code) {
  code = ~code;
  int sign = code & 0x80;
  int exponent = (code >> 4) & 0x07;
  int mantissa = code & 0x0F;
  int sample = (((mantissa << 3) + kBias) << exponent) - kBias;
  return static_cast<int16_t>(sign ? -sample : sample);
}

uint8_t EncodeAlaw(int sample) {
  int sign = sample >= 0 ? 0x80 : 0;
  if (!sign) sample = -sample - 1;
  if (sample > 32767) sample = 32767;
  int exponent = 7;
  for (int mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1) --exponent;
  int mantissa = exponent == 0 ? (sample >> 4) & 0x0F : (sample >> (exponent + 3)) & 0x0F;
  return static_cast<uint8_t>((sign | (exponent << 4) | mantissa) ^ 0x55);
}

int16_t DecodeAlaw(uint8_t code) {
  code ^= 0x55;
  int exponent = (code >> 4) & 0x07;
  int mantissa = code & 0x0F;
  int sample = exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return static_cast<int16_t>((code & 0x80) ? sample : -sample);
}

struct Tables {
  std::array<int16_t, 256> ulaw_to_linear{};
  std::array<int16_t, 256> alaw_to_linear{};
  std::array<uint8_t, 65536> linear_to_ulaw{};
  std::array<uint8_t, 65536> linear_to_alaw{};
  Tables() {
    for (int i = 0; i < 256; ++i) {
      ulaw_to_linear[i] = DecodeUlaw(static_cast<uint8_t>(i));
      alaw_to_linear[i] = DecodeAlaw(static_cast<uint8_t>(i));
    }
    for (int s = -32768; s < 32768; ++s) {
      linear_to_ulaw[static_cast<uint16_t>(s)] = EncodeUlaw(s);
      linear_to_alaw[static_cast<uint16_t>(s)] = EncodeAlaw(s);
    }
  }
};

const Tables& T() {
  static const Tables tables;
  return tables;
}

}  // namespace

uint8_t LinearToUlaw(int16_t s) { return T().linear_to_ulaw[static_cast<uint16_t>(s)]; }
int16_t UlawToLinear(uint8_t c) { return T().ulaw_to_linear[c]; }
uint8_t LinearToAlaw(int16_t s) { return T().linear_to_alaw[static_cast<uint16_t>(s)]; }
int16_t AlawToLinear(uint8_t c) { return T().alaw_to_linear[c]; }

void Encode(Codec codec, const int16_t* in, size_t n, uint8_t* out) {
  const auto& table = codec == Codec::kPcmu ? T().linear_to_ulaw : T().linear_to_alaw;
  for (size_t i = 0; i < n; ++i) out[i] = table[static_cast<uint16_t>(in[i])];
}

void Decode(Codec codec, const uint8_t* in, size_t n, int16_t* out) {
  const auto& table = codec == Codec::kPcmu ? T().ulaw_to_linear : T().alaw_to_linear;
  for (size_t i = 0; i < n; ++i) out[i] = table[in[i]];
}

uint8_t SilenceCode(Codec codec) { return codec == Codec::kPcmu ? 0xFF : 0xD5; }

const char* CodecName(Codec codec) { return codec == Codec::kPcmu ? "PCMU" : "PCMA"; }

}  // namespace zx::telephony
