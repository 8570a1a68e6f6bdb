// SpeechInput: the caller's utterances of one call, recognised one at a time. Each utterance
// (the gateway's OnUtterance) goes to the recognizer; its final text, or "not understood"
// (nothing recognised, an engine error, or no final result within the recognizer's
// final_timeout), is handed back through `post` to the call's own thread. A newer utterance
// replaces one still being recognised: only the latest one is answered.
//
// Streaming (optional): Start() when the caller starts speaking (OnSpeechStarted) opens the
// utterance's stream at once, Feed() passes on the audio as it comes (OnSpeechAudio), and
// Listen() at the end feeds only what was not fed yet and finishes it. The engine's partial
// results of the utterance being spoken (or, after its end, still awaited) then come through
// `post` to `partial`, in order, at most one per partial_interval and only when the text
// changed; the final result path is the same as without streaming: a started utterance does
// not cancel the one before it, only its Listen does.
//
// Threads: one SpeechInput per call, used from one thread at a time (the call's worker; it never
// blocks on the engine, but Cancel() waits for a recognizer callback in progress, so never use
// it on the gateway's thread). `post` is called on the recognizer's I/O thread and must not
// block; what it posts must run on the call's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "telephony/call_control.h"
#include "telephony/recognizer.h"

namespace zx::telephony {

struct Heard {
  bool understood = false;
  std::string text;          // the final text when understood (personal data: do not log it)
  std::string error;         // why not, for logs ("empty", "timeout", "connection_lost", ...)
  int64_t recognize_ms = 0;  // from Listen to the result
};

class SpeechInput {
 public:
  using Post = std::function<void(std::function<void()>)>;
  using Done = std::function<void(const Heard&)>;
  // The text of the utterance so far (personal data: do not log it).
  using Partial = std::function<void(const std::string& text)>;

  // `recognizer` must outlive the input. `name` names the streams in logs ("call-7").
  // `partial` (may be empty) hears the partial results of started utterances.
  SpeechInput(SpeechRecognizer& recognizer, std::string name, Post post, Partial partial = {},
              std::chrono::milliseconds partial_interval = std::chrono::milliseconds(250));
  ~SpeechInput();  // Cancel()

  // The caller started speaking: opens the utterance's stream. One started before and never
  // listened to (abandoned) is dropped; one already listened to still gets its answer.
  void Start();
  // Audio of the utterance started, as it comes (ignored when none was started).
  void Feed(const Pcm& audio);
  // Drops the utterance started and not listened to (it ended without one: too short, a key).
  void Abandon();

  // Recognises one utterance; `done` runs (posted) once, unless Cancel() or a newer Listen
  // comes first. After Start, `audio` is the whole utterance whose beginning was fed.
  void Listen(const Pcm& audio, Done done);
  // Abandons the utterance being recognised (and one started): its `done` never runs.
  void Cancel();
  bool listening() const { return stream_ != nullptr; }

 private:
  class Relay;
  std::unique_ptr<RecognitionStream> Open(uint64_t seq, std::shared_ptr<Relay>* relay);
  void Drop();  // the utterance awaited: its stream and `done`
  void Finished(uint64_t seq, Heard heard);
  void Partly(uint64_t seq, const std::string& text);

  SpeechRecognizer& recognizer_;
  const std::string name_;
  Post post_;
  Partial partial_;
  const std::chrono::milliseconds partial_interval_;
  uint64_t next_ = 0;    // utterances opened so far (names the streams)
  uint64_t seq_ = 0;     // the utterance whose result is awaited
  uint64_t opened_ = 0;  // the newest utterance opened (started or listened to): its partials
  std::chrono::steady_clock::time_point started_;
  Done done_;
  // The relay outlives the stream: destroying the stream waits for a callback in progress.
  std::shared_ptr<Relay> relay_;
  std::unique_ptr<RecognitionStream> stream_;
  // The utterance started and not listened to yet (seq opened_), with the audio fed so far.
  std::shared_ptr<Relay> speaking_relay_;
  std::unique_ptr<RecognitionStream> speaking_;
  size_t fed_ = 0;
  // Whether this input still exists, for results posted before it went away.
  std::shared_ptr<SpeechInput*> self_;
};

}  // namespace zx::telephony
