// WavWriter: 16-bit PCM WAV files, written as audio arrives; the header's sizes are patched on
// Close (a crash leaves a readable file with a wrong length). Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "base/status.h"

namespace zx::telephony {

class WavWriter {
 public:
  WavWriter() = default;
  ~WavWriter() { (void)Close(); }
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;

  // Creates (truncates) `path`; its directory must exist.
  Status Open(const std::string& path, int sample_rate, int channels);
  // Interleaved samples: frames * channels values.
  void Write(const int16_t* samples, size_t count);
  Status Close();
  bool is_open() const { return file_ != nullptr; }

 private:
  std::FILE* file_ = nullptr;
  uint32_t data_bytes_ = 0;
  int header_rate_ = 0;
  int header_channels_ = 0;
};

// Reads a 16-bit PCM WAV; for tests and tools.
struct WavData {
  int sample_rate = 0;
  int channels = 0;
  std::vector<int16_t> samples;  // interleaved
};
Result<WavData> ReadWav(const std::string& path);

}  // namespace zx::telephony
