// PromptPlayer: says text on one call. The text is prepared for speech (speech_text.h), split
// into sentences, and each sentence is synthesised and queued on the call as soon as it is
// ready: the first sentence plays while the rest is synthesised, so the caller hears a reply
// within one sentence's synthesis time (tens of ms), not the whole answer's. A new prompt
// replaces what is still playing. Rendered sentences are cached by the synthesizer (espeak
// keeps them by text: greetings and menus are rendered once).
//
// Completion: `done` of the latest prompt runs from OnPlaybackDone once its last sentence has
// been played to the end (interrupted = false) or stopped (true: the caller's key or speech cut
// it, the gateway's barge-in). A prompt replaced by a later Say or Replay never completes.
//
// Threads: one player per call, used from one thread at a time (the call's worker; never the
// gateway's thread: Say blocks while it synthesises). Feed it the call's OnPlaybackDone on that
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "telephony/call_control.h"
#include "telephony/synthesizer.h"

namespace zx::telephony {

class PromptPlayer {
 public:
  using Done = std::function<void(bool interrupted)>;

  // `calls` and `tts` must outlive the player.
  PromptPlayer(CallControl& calls, SpeechSynthesizer& tts, CallId call);

  // Says `text` (replacing whatever plays). False when no sentence could be synthesised
  // (nothing plays, `done` is dropped, the previous prompt stays the one to Replay).
  bool Say(std::string_view text, Done done = {});
  // Plays the last prompt said again (replacing whatever plays); false when there is none.
  bool Replay(Done done = {});
  // Stops what plays; its `done` runs interrupted when the call reports it.
  void Stop();
  // The call's CallHandler::OnPlaybackDone.
  void OnPlaybackDone(uint64_t prompt_id, bool interrupted);
  // A prompt is queued and has not completed.
  bool playing() const { return last_prompt_id_ != 0; }

  // Sentences of speech text: ends at 。！？；!? (and at the first ，or , so that the first part
  // is short: it is waited for), short fragments riding with the next sentence.
  static std::vector<std::string> SplitSentences(std::string_view text);

 private:
  void Queue(const std::vector<SharedPcm>& parts, Done done);
  uint64_t PlayPart(SharedPcm pcm, bool first);

  CallControl& calls_;
  SpeechSynthesizer& tts_;
  const CallId call_;
  std::vector<SharedPcm> last_audio_;  // the last prompt, sentence by sentence, for Replay
  uint64_t next_prompt_id_ = 0;
  uint64_t last_prompt_id_ = 0;  // the last sentence of the current prompt; 0: none playing
  Done done_;
};

}  // namespace zx::telephony
