// UtteranceDetector: where a caller's utterance starts and ends, from 20 ms frames of 8 kHz
// audio. A small state machine over VoiceActivityDetector's per-frame decisions; no SIP, no
// clocks: audio in, one event per frame out. Stream time counts processed frames (20 ms each)
// from creation or Reset().
//
//   idle ──(start_speech_ms of speech)──▶ speaking: kSpeechStarted (barge-in: stop the prompt)
//   speaking ──(end_silence_ms without speech)──▶ idle: kUtteranceEnded, reason kSilence,
//                                                 or kSpeechDiscarded when under min_speech_ms
//   speaking ──(max_utterance_ms since the start)──▶ idle: kUtteranceEnded, reason kMaxLength
//   idle for no_speech_timeout_ms ──▶ kNoSpeech, once per idle period
//
// Hangover: starting needs start_speech_ms of speech among one frame more (a single dropout
// inside an onset is forgiven); once speaking, a lone speech frame in a pause does not restart
// the trailing silence, two in a row do. So a click or one noisy frame neither starts nor
// prolongs an utterance, and a cough shorter than start_speech_ms is never one.
//
// For the gateway's media ticker: Process() once per call per tick, on one thread; it does not
// block and does not allocate per frame: the utterance's buffer is reserved when speech starts
// (4 s; a longer utterance grows it a few times) and handed over with kUtteranceEnded.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "base/status.h"
#include "telephony/media.h"
#include "telephony/vad.h"

namespace zx::telephony {

struct EndpointOptions {
  int start_speech_ms = 60;      // speech needed to declare a start
  int end_silence_ms = 700;      // trailing silence that ends an utterance
  int max_utterance_ms = 15000;  // from the start of speech; ends the utterance anyway
  int pre_roll_ms = 200;         // audio kept before the first speech frame
  int post_roll_ms = 200;        // audio kept after the last speech frame (silence ends)
  // Utterances with less speech in total are discarded (kSpeechDiscarded). Off by default: a
  // hummed 嗯 (yes) is speech to WebRTC's model for only 60-80 ms.
  int min_speech_ms = 0;
  int no_speech_timeout_ms = 0;  // 0: off
};

enum class UtteranceEventType {
  kNone,
  kSpeechStarted,    // the caller started speaking
  kUtteranceEnded,   // with the utterance's audio and why it ended
  kSpeechDiscarded,  // what started was too short to be an utterance (min_speech_ms)
  kNoSpeech,         // no_speech_timeout_ms passed without speech
};

enum class EndReason { kSilence, kMaxLength };

const char* UtteranceEventName(UtteranceEventType type);
const char* EndReasonName(EndReason reason);

struct UtteranceEvent {
  UtteranceEventType type = UtteranceEventType::kNone;
  EndReason reason = EndReason::kSilence;  // kUtteranceEnded
  // Stream time in ms: the start of the first speech frame (all but kNoSpeech) and the end of
  // the last one (kUtteranceEnded, kSpeechDiscarded).
  int64_t speech_start_ms = 0;
  int64_t speech_end_ms = 0;
  // kUtteranceEnded: 8 kHz mono PCM from up to pre_roll_ms before speech_start_ms to up to
  // post_roll_ms after speech_end_ms (all of it up to the cut for kMaxLength).
  Pcm audio;
  // Stream time of `audio`'s first sample.
  int64_t audio_start_ms = 0;

  explicit operator bool() const { return type != UtteranceEventType::kNone; }
};

class UtteranceDetector {
 public:
  // kInvalidArgument for options out of range (each in ms, rounded up to whole 20 ms frames);
  // VoiceActivityDetector::Create's errors.
  static Result<std::unique_ptr<UtteranceDetector>> Create(const EndpointOptions& options = {},
                                                           const VadOptions& vad_options = {});
  ~UtteranceDetector();
  UtteranceDetector(const UtteranceDetector&) = delete;
  UtteranceDetector& operator=(const UtteranceDetector&) = delete;

  // One 20 ms frame (kFrameSamples samples): classifies it and advances the state machine.
  UtteranceEvent Process(const int16_t* frame);
  // Advances the state machine with a decision made elsewhere (the VAD is not run).
  UtteranceEvent ProcessDecision(const int16_t* frame, bool speech);

  // Forgets everything, as for a new call: stream time, any utterance in progress, the VAD's
  // adapted noise model.
  void Reset();
  // Drops any utterance in progress and starts a new idle period (and no-speech timeout) now,
  // keeping the VAD's knowledge of the line: e.g. when a prompt has finished playing.
  void RestartListening();

  bool speaking() const { return speaking_; }
  // While speaking: the utterance's audio so far (from its pre-roll on), of which the first
  // settled_samples() are sure to begin the audio that kUtteranceEnded hands over, whatever
  // comes next (up to the last speech frame plus post-roll), so a recognizer can be fed them
  // while the caller still speaks. Empty and 0 while idle.
  const Pcm& utterance_audio() const { return audio_; }
  size_t settled_samples() const;
  int64_t stream_ms() const { return frames_ * kFrameMs; }
  const VoiceActivityDetector& vad() const { return *vad_; }

 private:
  UtteranceDetector(const EndpointOptions& options, std::unique_ptr<VoiceActivityDetector> vad);
  void PushPreRoll(const int16_t* frame);
  UtteranceEvent Start(int64_t onset_frame);
  UtteranceEvent Finish(EndReason reason);
  void ToIdle();

  EndpointOptions options_;
  std::unique_ptr<VoiceActivityDetector> vad_;
  // Options in frames.
  int start_frames_, start_window_, end_frames_, max_frames_, pre_roll_frames_, post_roll_frames_,
      min_speech_frames_, no_speech_frames_;

  int64_t frames_ = 0;  // processed since Reset(); the current frame's index while processing
  // Idle: the last frames (pre-roll and the start window), oldest first from ring_head_.
  Pcm ring_;
  int ring_capacity_ = 0, ring_head_ = 0, ring_count_ = 0;
  uint32_t history_ = 0;  // bit i: frame frames_-i was speech (idle only)
  int history_len_ = 0;   // frames in history_ since the last idle period began
  int64_t idle_since_ = 0;
  bool no_speech_reported_ = false;

  // Speaking.
  bool speaking_ = false;
  Pcm audio_;
  int64_t audio_start_frame_ = 0, onset_frame_ = 0, last_speech_end_frame_ = 0;
  int speech_frames_ = 0, silence_run_ = 0, pending_speech_ = 0;
};

}  // namespace zx::telephony
