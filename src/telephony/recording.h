// Where a call's audio goes: the gateway writes 8 kHz stereo frames (left: caller, right:
// zhixian) to a RecordingSink made for each answered call. The default sink is a plain WAV file
// (tests, tools); `zhixian serve` supplies one that encrypts as it writes, so that a recording
// never lies on disk in clear (recordings/recordings.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"

namespace zx::telephony {

struct CallInfo;

class RecordingSink {
 public:
  virtual ~RecordingSink() = default;
  // Interleaved stereo samples (count = 2 × frames), on the media ticker: must not block.
  virtual void Write(const int16_t* samples, size_t count) = 0;
  // Called once when the call ends; after it the sink is destroyed.
  virtual Status Close() = 0;
};

// Makes the sink of an answered call; nullptr (or an error) means "do not record this call".
using RecordingFactory = std::function<Result<std::unique_ptr<RecordingSink>>(const CallInfo&)>;

// The default sink: DIR/call-<id>-<unix time>.wav.
RecordingFactory WavFileRecordings(std::string dir);

}  // namespace zx::telephony
