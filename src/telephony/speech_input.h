// SpeechInput: the caller's utterances of one call, recognised one at a time. Each utterance
// (the gateway's OnUtterance) goes to the recognizer; its final text, or "not understood"
// (nothing recognised, an engine error, or no final result within the recognizer's
// final_timeout), is handed back through `post` to the call's own thread. A newer utterance
// replaces one still being recognised: only the latest one is answered.
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

  // `recognizer` must outlive the input. `name` names the streams in logs ("call-7").
  SpeechInput(SpeechRecognizer& recognizer, std::string name, Post post);
  ~SpeechInput();  // Cancel()

  // Recognises one utterance; `done` runs (posted) once, unless Cancel() or a newer Listen
  // comes first.
  void Listen(const Pcm& audio, Done done);
  // Abandons the utterance being recognised: its `done` never runs.
  void Cancel();
  bool listening() const { return stream_ != nullptr; }

 private:
  class Relay;
  void Finished(uint64_t seq, Heard heard);

  SpeechRecognizer& recognizer_;
  const std::string name_;
  Post post_;
  uint64_t seq_ = 0;  // the utterance whose result is awaited
  std::chrono::steady_clock::time_point started_;
  Done done_;
  // The relay outlives the stream: destroying the stream waits for a callback in progress.
  std::shared_ptr<Relay> relay_;
  std::unique_ptr<RecognitionStream> stream_;
  // Whether this input still exists, for results posted before it went away.
  std::shared_ptr<SpeechInput*> self_;
};

}  // namespace zx::telephony
