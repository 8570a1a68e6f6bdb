#include "telephony/endpoint.h"

#include <algorithm>
#include <bit>
#include <string>

namespace zx::telephony {
namespace {

// Speech frames in a row that break a trailing silence: one alone is taken for noise.
constexpr int kResumeFrames = 2;
// Audio reserved when speech starts, beyond pre-roll and onset: most answers fit, longer ones
// grow the buffer a few times.
constexpr int kReserveFrames = 4000 / kFrameMs;

int ToFrames(int ms) { return (ms + kFrameMs - 1) / kFrameMs; }

Status CheckRange(const char* name, int value, int min, int max) {
  if (value >= min && value <= max) return Status::Ok();
  return InvalidArgument(std::string("utterance detector: ") + name + " = " +
                         std::to_string(value) + " ms is outside [" + std::to_string(min) + ", " +
                         std::to_string(max) + "]");
}

}  // namespace

const char* UtteranceEventName(UtteranceEventType type) {
  switch (type) {
    case UtteranceEventType::kNone:
      return "none";
    case UtteranceEventType::kSpeechStarted:
      return "speech_started";
    case UtteranceEventType::kUtteranceEnded:
      return "utterance_ended";
    case UtteranceEventType::kSpeechDiscarded:
      return "speech_discarded";
    case UtteranceEventType::kNoSpeech:
      return "no_speech";
  }
  return "?";
}

const char* EndReasonName(EndReason reason) {
  return reason == EndReason::kMaxLength ? "max_length" : "silence";
}

Result<std::unique_ptr<UtteranceDetector>> UtteranceDetector::Create(
    const EndpointOptions& options, const VadOptions& vad_options) {
  // The start window is a bit mask of 32 frames (one more than start_speech_ms).
  ZX_RETURN_IF_ERROR(CheckRange("start_speech_ms", options.start_speech_ms, kFrameMs, 600));
  ZX_RETURN_IF_ERROR(CheckRange("end_silence_ms", options.end_silence_ms, kFrameMs, 10000));
  ZX_RETURN_IF_ERROR(
      CheckRange("max_utterance_ms", options.max_utterance_ms, options.start_speech_ms, 120000));
  ZX_RETURN_IF_ERROR(CheckRange("pre_roll_ms", options.pre_roll_ms, 0, 2000));
  ZX_RETURN_IF_ERROR(CheckRange("post_roll_ms", options.post_roll_ms, 0, 2000));
  ZX_RETURN_IF_ERROR(
      CheckRange("min_speech_ms", options.min_speech_ms, 0, options.max_utterance_ms));
  ZX_RETURN_IF_ERROR(CheckRange("no_speech_timeout_ms", options.no_speech_timeout_ms, 0, 600000));
  auto vad = VoiceActivityDetector::Create(vad_options);
  if (!vad.ok()) return vad.status();
  return std::unique_ptr<UtteranceDetector>(new UtteranceDetector(options, std::move(*vad)));
}

UtteranceDetector::UtteranceDetector(const EndpointOptions& options,
                                     std::unique_ptr<VoiceActivityDetector> vad)
    : options_(options),
      vad_(std::move(vad)),
      start_frames_(ToFrames(options.start_speech_ms)),
      start_window_(start_frames_ + 1),
      end_frames_(ToFrames(options.end_silence_ms)),
      max_frames_(ToFrames(options.max_utterance_ms)),
      pre_roll_frames_(ToFrames(options.pre_roll_ms)),
      post_roll_frames_(ToFrames(options.post_roll_ms)),
      min_speech_frames_(ToFrames(options.min_speech_ms)),
      no_speech_frames_(ToFrames(options.no_speech_timeout_ms)) {
  ring_capacity_ = pre_roll_frames_ + start_window_;
  ring_.assign(static_cast<size_t>(ring_capacity_) * kFrameSamples, 0);
}

UtteranceDetector::~UtteranceDetector() = default;

void UtteranceDetector::Reset() {
  vad_->Reset();
  frames_ = 0;
  ToIdle();
}

void UtteranceDetector::RestartListening() { ToIdle(); }

void UtteranceDetector::ToIdle() {
  speaking_ = false;
  Pcm().swap(audio_);
  // Audio already in an utterance is never pre-roll of the next one.
  ring_head_ = ring_count_ = 0;
  history_ = 0;
  history_len_ = 0;
  idle_since_ = frames_;
  no_speech_reported_ = false;
}

size_t UtteranceDetector::settled_samples() const {
  if (!speaking_) return 0;
  // Finish() keeps up to here (kSilence) or everything (kMaxLength); last_speech_end_frame_
  // never moves back, so what was settled stays settled.
  size_t kept =
      static_cast<size_t>(last_speech_end_frame_ + post_roll_frames_ - audio_start_frame_) *
      kFrameSamples;
  return std::min(kept, audio_.size());
}

UtteranceEvent UtteranceDetector::Process(const int16_t* frame) {
  return ProcessDecision(frame, vad_->Process(frame));
}

void UtteranceDetector::PushPreRoll(const int16_t* frame) {
  int slot = (ring_head_ + ring_count_) % ring_capacity_;
  std::copy_n(frame, kFrameSamples, ring_.data() + static_cast<size_t>(slot) * kFrameSamples);
  if (ring_count_ < ring_capacity_)
    ++ring_count_;
  else
    ring_head_ = (ring_head_ + 1) % ring_capacity_;
}

UtteranceEvent UtteranceDetector::ProcessDecision(const int16_t* frame, bool speech) {
  const int64_t f = frames_++;
  if (!speaking_) {
    PushPreRoll(frame);
    history_ = (history_ << 1) | (speech ? 1u : 0u);
    history_len_ = std::min(history_len_ + 1, 32);
    int window = std::min(start_window_, history_len_);
    uint32_t bits = history_ & ((window >= 32) ? ~0u : ((1u << window) - 1));
    if (speech && std::popcount(bits) >= start_frames_) {
      // The onset is the oldest speech frame of the window (bit i is frame f - i).
      int oldest = 31 - std::countl_zero(bits);
      speech_frames_ = std::popcount(bits);
      return Start(f - oldest);
    }
    if (no_speech_frames_ > 0 && !no_speech_reported_ &&
        frames_ - idle_since_ >= no_speech_frames_) {
      no_speech_reported_ = true;
      UtteranceEvent event;
      event.type = UtteranceEventType::kNoSpeech;
      return event;
    }
    return {};
  }

  audio_.insert(audio_.end(), frame, frame + kFrameSamples);
  if (speech) {
    ++pending_speech_;
    if (silence_run_ == 0) {
      ++speech_frames_;
      last_speech_end_frame_ = f + 1;
    } else if (pending_speech_ >= kResumeFrames) {
      speech_frames_ += pending_speech_;
      silence_run_ = 0;
      last_speech_end_frame_ = f + 1;
    } else {
      ++silence_run_;  // a lone frame: silence until the next one says otherwise
    }
  } else {
    pending_speech_ = 0;
    ++silence_run_;
  }
  if (silence_run_ >= end_frames_) return Finish(EndReason::kSilence);
  if (f + 1 - onset_frame_ >= max_frames_) return Finish(EndReason::kMaxLength);
  return {};
}

UtteranceEvent UtteranceDetector::Start(int64_t onset_frame) {
  const int64_t f = frames_ - 1;
  const int64_t oldest_kept = f + 1 - ring_count_;
  audio_start_frame_ = std::max(onset_frame - pre_roll_frames_, oldest_kept);
  onset_frame_ = onset_frame;
  last_speech_end_frame_ = f + 1;
  silence_run_ = 0;
  pending_speech_ = 0;
  speaking_ = true;

  const int64_t have = f + 1 - audio_start_frame_;
  const int64_t reserve =
      std::min<int64_t>(have + kReserveFrames, pre_roll_frames_ + start_window_ + max_frames_);
  audio_.reserve(static_cast<size_t>(reserve) * kFrameSamples);
  for (int64_t i = ring_count_ - have; i < ring_count_; ++i) {
    const int16_t* slot =
        ring_.data() + static_cast<size_t>((ring_head_ + i) % ring_capacity_) * kFrameSamples;
    audio_.insert(audio_.end(), slot, slot + kFrameSamples);
  }

  UtteranceEvent event;
  event.type = UtteranceEventType::kSpeechStarted;
  event.speech_start_ms = onset_frame * kFrameMs;
  event.audio_start_ms = audio_start_frame_ * kFrameMs;
  return event;
}

UtteranceEvent UtteranceDetector::Finish(EndReason reason) {
  UtteranceEvent event;
  event.speech_start_ms = onset_frame_ * kFrameMs;
  event.speech_end_ms = last_speech_end_frame_ * kFrameMs;
  event.audio_start_ms = audio_start_frame_ * kFrameMs;
  if (speech_frames_ < min_speech_frames_) {
    event.type = UtteranceEventType::kSpeechDiscarded;
  } else {
    event.type = UtteranceEventType::kUtteranceEnded;
    event.reason = reason;
    if (reason == EndReason::kSilence) {
      size_t keep =
          static_cast<size_t>(last_speech_end_frame_ + post_roll_frames_ - audio_start_frame_) *
          kFrameSamples;
      if (keep < audio_.size()) audio_.resize(keep);
    }
    event.audio = std::move(audio_);
  }
  ToIdle();
  return event;
}

}  // namespace zx::telephony
