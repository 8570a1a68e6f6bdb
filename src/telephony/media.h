// Audio as the telephony module passes it around: 16-bit linear PCM, mono, 8 kHz, in 20 ms
// frames of 160 samples (what one RTP packet of G.711 carries).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace zx::telephony {

inline constexpr int kSampleRate = 8000;
inline constexpr int kFrameMs = 20;
inline constexpr int kFrameSamples = kSampleRate * kFrameMs / 1000;  // 160

// Mono 8 kHz linear PCM.
using Pcm = std::vector<int16_t>;
// Rendered prompts are shared read-only between the cache and every call playing them.
using SharedPcm = std::shared_ptr<const Pcm>;

}  // namespace zx::telephony
