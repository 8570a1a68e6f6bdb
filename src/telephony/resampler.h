// Resampler: sample-rate conversion of mono 16-bit audio with speexdsp (22.05 kHz TTS output
// to 8 kHz telephony; 8 kHz to 16 kHz for speech recognition). Not thread-safe; one per stream.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"

struct SpeexResamplerState_;

namespace zx::telephony {

class Resampler {
 public:
  // quality 0 (fast) .. 10 (best); 5 is speexdsp's VoIP default.
  static Result<std::unique_ptr<Resampler>> Create(int in_rate, int out_rate, int quality = 5);
  ~Resampler();

  // Converts a chunk; state carries over between calls of one stream.
  std::vector<int16_t> Process(const int16_t* in, size_t n);
  // The filter's delayed tail at the end of a stream (zeros pushed through).
  std::vector<int16_t> Flush();
  // Resamples a whole clip in one go (including the filter's tail).
  std::vector<int16_t> ProcessAll(const std::vector<int16_t>& in);

 private:
  Resampler(SpeexResamplerState_* st, int in_rate, int out_rate)
      : st_(st), in_rate_(in_rate), out_rate_(out_rate) {}
  SpeexResamplerState_* st_;
  int in_rate_, out_rate_;
};

}  // namespace zx::telephony
