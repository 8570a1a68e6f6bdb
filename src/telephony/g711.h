// G.711 µ-law (PCMU, RTP payload type 0) and A-law (PCMA, type 8), per ITU-T G.711.
// Pure functions over lookup tables; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zx::telephony {

enum class Codec { kPcmu = 0, kPcma = 8 };

uint8_t LinearToUlaw(int16_t sample);
int16_t UlawToLinear(uint8_t code);
uint8_t LinearToAlaw(int16_t sample);
int16_t AlawToLinear(uint8_t code);

// `n` samples <-> `n` bytes.
void Encode(Codec codec, const int16_t* in, size_t n, uint8_t* out);
void Decode(Codec codec, const uint8_t* in, size_t n, int16_t* out);
// The code of digital silence (0xFF for µ-law, 0xD5 for A-law).
uint8_t SilenceCode(Codec codec);
const char* CodecName(Codec codec);

}  // namespace zx::telephony
