// VoiceActivityDetector: is this 20 ms frame of a caller's audio speech?
//
// The decision is WebRTC's GMM voice detector (webrtc::AudioProcessing::voice_detection() of
// libwebrtc-audio-processing 0.3) at its most aggressive setting (kVeryLowLikelihood; the
// default marks noise as speech), run on the two 10 ms halves of each frame, gated by two
// cheap energy tests so that line hiss, comfort noise and silence are never speech:
//   - an absolute floor: frames quieter than `energy_floor_dbm0` are not speech;
//   - a relative floor: frames must stand `noise_margin_db` above the tracked background level
//     (a minimum follower that falls at once and rises slowly), so steady noise well above the
//     absolute floor is not speech either.
// The first 100 ms of a stream are never speech: WebRTC's models start generic and call the
// first frames of anything speech.
//
// Cost, one detector per call (bench/telephony/bench_vad): ~28 KB of memory, allocated when
// created (WebRTC's processor, initialised for 8 kHz mono up front: left to the first frame it
// keeps twice that), and 2.5-4.5 µs of CPU per 20 ms frame with 500 detectors taking turns, with
// no allocation, lock wait or thread per frame: 500 calls take ~14 MB and 1.5-2.5 ms of each
// 20 ms tick.
//
// Levels are in dBm0: 0 dBm0 is a sine of RMS 16080 in 16-bit linear (G.711's +3.17 dBm0
// overload point at full scale). Telephone speech sits around -20 dBm0, quiet callers near
// -35 dBm0, idle-line noise below -55 dBm0.
//
// Not thread-safe: one detector per call, fed from one thread.
#pragma once

#include <cstdint>
#include <memory>

#include "base/status.h"
#include "telephony/media.h"

namespace zx::telephony {

struct VadOptions {
  // WebRTC likelihood: 0 = kVeryLowLikelihood (most aggressive: fewest noise frames called
  // speech) .. 3 = kHighLikelihood.
  int likelihood = 0;
  // Frames below this level are never speech (silence, comfort noise, line hiss).
  double energy_floor_dbm0 = -55;
  // Frames must be this far above the tracked background level to be speech; 0 turns the
  // relative floor off.
  double noise_margin_db = 5;
  // How fast the tracked background level may rise, per second (it falls at once). Slow enough
  // that a sentence does not lift it to the speech level, fast enough to follow a noisier line.
  double noise_rise_db_per_s = 3;
};

// The level of `n` samples in dBm0; -100 for digital silence.
double LevelDbm0(const int16_t* samples, size_t n);

class VoiceActivityDetector {
 public:
  // kInvalidArgument for options out of range; kUnavailable if WebRTC's processor cannot be
  // created or initialised for 8 kHz mono.
  static Result<std::unique_ptr<VoiceActivityDetector>> Create(const VadOptions& options = {});
  ~VoiceActivityDetector();
  VoiceActivityDetector(const VoiceActivityDetector&) = delete;
  VoiceActivityDetector& operator=(const VoiceActivityDetector&) = delete;

  // Classifies one 20 ms frame (kFrameSamples samples of 8 kHz mono): true when speech.
  bool Process(const int16_t* frame);
  // Forgets the stream (WebRTC's adapted noise model and the tracked background level), as for a
  // new call.
  void Reset();

  // Of the last processed frame, for diagnostics and tuning.
  double level_dbm0() const { return level_dbm0_; }
  double background_dbm0() const { return background_dbm0_; }
  bool webrtc_voice() const { return webrtc_voice_; }

 private:
  struct Engine;
  VoiceActivityDetector(const VadOptions& options, std::unique_ptr<Engine> engine);

  VadOptions options_;
  std::unique_ptr<Engine> engine_;
  double rise_per_frame_db_;
  double level_dbm0_ = -100;
  double background_dbm0_ = -100;
  bool background_known_ = false;
  bool webrtc_voice_ = false;
  int frames_ = 0;  // since Reset(), counted up to the warm-up
};

}  // namespace zx::telephony
