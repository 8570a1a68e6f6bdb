#include "telephony/vad.h"

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace zx::telephony {
namespace {

constexpr int kHalfSamples = kFrameSamples / 2;  // WebRTC works on 10 ms frames
// RMS of a 0 dBm0 sine in 16-bit linear PCM (full scale is +3.17 dBm0, G.711).
constexpr double kZeroDbm0Rms = 16080.0;
constexpr double kSilenceDbm0 = -100;
// WebRTC's detector starts from generic models and calls the first few frames of any stream
// speech (measured: frames 0-3 of noise at every level); its decisions are ignored this long.
constexpr int kWarmupFrames = 100 / kFrameMs;

webrtc::VoiceDetection::Likelihood ToLikelihood(int likelihood) {
  switch (likelihood) {
    case 0:
      return webrtc::VoiceDetection::kVeryLowLikelihood;
    case 1:
      return webrtc::VoiceDetection::kLowLikelihood;
    case 2:
      return webrtc::VoiceDetection::kModerateLikelihood;
    default:
      return webrtc::VoiceDetection::kHighLikelihood;
  }
}

// One scratch frame per thread: an AudioFrame holds 7.5 KB of sample space, which one detector
// per call should not carry, and value-initialising it on the stack per frame is wasted work.
webrtc::AudioFrame& ScratchFrame() {
  thread_local webrtc::AudioFrame frame;
  return frame;
}

}  // namespace

double LevelDbm0(const int16_t* samples, size_t n) {
  int64_t energy = 0;
  for (size_t i = 0; i < n; ++i) energy += int32_t{samples[i]} * samples[i];
  if (n == 0 || energy == 0) return kSilenceDbm0;
  double mean_square = static_cast<double>(energy) / static_cast<double>(n);
  return std::max(kSilenceDbm0, 10 * std::log10(mean_square / (kZeroDbm0Rms * kZeroDbm0Rms)));
}

// WebRTC's processor with only voice detection enabled, set up for 8 kHz mono.
struct VoiceActivityDetector::Engine {
  std::unique_ptr<webrtc::AudioProcessing> apm;

  Status Initialize() {
    if (apm->Initialize(kSampleRate, kSampleRate, kSampleRate, webrtc::AudioProcessing::kMono,
                        webrtc::AudioProcessing::kMono,
                        webrtc::AudioProcessing::kMono) != webrtc::AudioProcessing::kNoError)
      return Unavailable("webrtc audio processing: cannot initialise for 8 kHz mono");
    return Status::Ok();
  }

  // True when WebRTC calls either 10 ms half speech: an onset or a final syllable may fill only
  // one half; the energy gates and the endpointer's hangover absorb the extra noise this lets in.
  bool HasVoice(const int16_t* frame) {
    webrtc::AudioFrame& f = ScratchFrame();
    bool voice = false;
    for (int half = 0; half < 2; ++half) {
      f.sample_rate_hz_ = kSampleRate;
      f.num_channels_ = 1;
      f.samples_per_channel_ = kHalfSamples;
      f.vad_activity_ = webrtc::AudioFrame::kVadUnknown;
      std::copy_n(frame + half * kHalfSamples, kHalfSamples, f.data_);
      if (apm->ProcessStream(&f) != webrtc::AudioProcessing::kNoError) continue;
      voice = voice || apm->voice_detection()->stream_has_voice();
    }
    return voice;
  }
};

Result<std::unique_ptr<VoiceActivityDetector>> VoiceActivityDetector::Create(
    const VadOptions& options) {
  if (options.likelihood < 0 || options.likelihood > 3)
    return InvalidArgument("vad: likelihood " + std::to_string(options.likelihood) +
                           " is not 0 (very low) .. 3 (high)");
  if (!(options.energy_floor_dbm0 >= -100 && options.energy_floor_dbm0 <= 0))
    return InvalidArgument("vad: energy_floor_dbm0 must be in [-100, 0]");
  if (!(options.noise_margin_db >= 0 && options.noise_margin_db <= 40))
    return InvalidArgument("vad: noise_margin_db must be in [0, 40]");
  if (!(options.noise_rise_db_per_s > 0 && options.noise_rise_db_per_s <= 100))
    return InvalidArgument("vad: noise_rise_db_per_s must be in (0, 100]");

  auto engine = std::make_unique<Engine>();
  engine->apm.reset(webrtc::AudioProcessing::Create());
  if (!engine->apm) return Unavailable("webrtc audio processing: cannot create a processor");
  // Only the voice detector: the other components would change the audio or cost CPU.
  webrtc::AudioProcessing& apm = *engine->apm;
  if (apm.high_pass_filter()->Enable(false) != 0 || apm.echo_cancellation()->Enable(false) != 0 ||
      apm.echo_control_mobile()->Enable(false) != 0 || apm.gain_control()->Enable(false) != 0 ||
      apm.noise_suppression()->Enable(false) != 0 || apm.level_estimator()->Enable(false) != 0 ||
      apm.voice_detection()->Enable(true) != 0 ||
      apm.voice_detection()->set_likelihood(ToLikelihood(options.likelihood)) != 0 ||
      apm.voice_detection()->set_frame_size_ms(10) != 0)
    return Unavailable("webrtc audio processing: cannot configure voice detection");
  ZX_RETURN_IF_ERROR(engine->Initialize());
  return std::unique_ptr<VoiceActivityDetector>(
      new VoiceActivityDetector(options, std::move(engine)));
}

VoiceActivityDetector::VoiceActivityDetector(const VadOptions& options,
                                             std::unique_ptr<Engine> engine)
    : options_(options),
      engine_(std::move(engine)),
      rise_per_frame_db_(options.noise_rise_db_per_s * kFrameMs / 1000.0) {}

VoiceActivityDetector::~VoiceActivityDetector() = default;

void VoiceActivityDetector::Reset() {
  // Re-initialising keeps the settings and forgets the adapted noise model; it cannot fail for
  // the format Create() already accepted.
  (void)engine_->Initialize();
  level_dbm0_ = kSilenceDbm0;
  background_dbm0_ = kSilenceDbm0;
  background_known_ = false;
  webrtc_voice_ = false;
  frames_ = 0;
}

bool VoiceActivityDetector::Process(const int16_t* frame) {
  level_dbm0_ = LevelDbm0(frame, kFrameSamples);
  // Minimum follower: falls to any quieter frame at once, creeps up otherwise, so the pauses
  // between syllables keep it at the noise level while someone speaks.
  if (!background_known_ || level_dbm0_ < background_dbm0_) {
    background_dbm0_ = level_dbm0_;
    background_known_ = true;
  } else {
    background_dbm0_ = std::min(level_dbm0_, background_dbm0_ + rise_per_frame_db_);
  }
  // WebRTC sees every frame, speech or not, so its noise model keeps adapting.
  webrtc_voice_ = engine_->HasVoice(frame);
  if (frames_ < kWarmupFrames) {
    ++frames_;
    return false;
  }
  if (level_dbm0_ < options_.energy_floor_dbm0) return false;
  if (options_.noise_margin_db > 0 && level_dbm0_ < background_dbm0_ + options_.noise_margin_db)
    return false;
  return webrtc_voice_;
}

}  // namespace zx::telephony
