// SpeechRecognizer: streaming speech recognition behind an engine-neutral interface.
//
// The gateway opens one stream per utterance, feeds the caller's audio as it arrives (8 kHz mono
// 16-bit PCM, the telephony module's format, media.h) and calls Finish() when its VAD decides
// the utterance is over. The engine answers with partial results while audio flows and one
// final result after Finish().
//
//   class Turn : public RecognitionHandler { ... };          // hands text to the call's thread
//   auto stream = recognizer->Open({.name = "call-7-utt-2"}, &turn);
//   stream->Feed(frame.data(), frame.size());                 // every 20 ms, never blocks
//   stream->Finish();                                         // end of utterance
//   // ... turn.OnPartial(...)*, then turn.OnFinal(...) or turn.OnError(...)
//
// Threads: Open, Feed, Finish and Cancel may be called from any thread. Handler callbacks come
// on the recognizer's own I/O thread, one at a time for the whole recognizer: keep them short
// and never block in them (queue the text for your own thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace zx::telephony {

// A recognition result. `text` is the whole utterance recognised so far, not only the newest
// words, so a handler can simply show or keep the latest one.
struct RecognitionResult {
  std::string text;
  bool is_final = false;  // true only in OnFinal
};

enum class RecognitionErrorCode {
  kConnectFailed,   // the engine could not be reached (refused, unreachable, upgrade declined)
  kTimeout,         // connecting, or waiting for the final result after Finish(), took too long
  kConnectionLost,  // the engine closed or broke the connection before the final result
  kProtocolError,   // the engine sent something its protocol does not allow (malformed JSON...)
  kOverloaded,      // too much audio waiting to be sent, or too many streams open
  kShutdown,        // the recognizer was destroyed while the stream was open
};

// "connect_failed", "timeout", ...
const char* RecognitionErrorCodeName(RecognitionErrorCode code);

struct RecognitionError {
  RecognitionErrorCode code;
  std::string message;  // what happened, for logs: names the server, never the audio's text
};

// Receives one stream's results, on the recognizer's I/O thread.
//
// Every stream ends with exactly one OnFinal or OnError, after zero or more OnPartial, unless it
// is cancelled first: after Cancel() (or destroying the stream) returns, the handler is never
// called again. A handler may call Feed, Finish and Cancel on its own stream.
class RecognitionHandler {
 public:
  virtual ~RecognitionHandler() = default;
  virtual void OnPartial(const RecognitionResult& result) = 0;
  virtual void OnFinal(const RecognitionResult& result) = 0;
  virtual void OnError(const RecognitionError& error) = 0;
};

struct RecognitionOptions {
  // Names the stream in logs and towards the engine (e.g. "call-7-utt-2"). Never a phone number.
  std::string name;
  // Words to favour for this utterance (e.g. the choices just offered), on top of the engine's
  // configured ones.
  std::vector<std::string> hotwords = {};
};

// One utterance on its way to the engine.
class RecognitionStream {
 public:
  // Destroying a stream cancels it (see Cancel()).
  virtual ~RecognitionStream() = default;

  // Appends mono 8 kHz 16-bit PCM; any count (20 ms frames of 160 samples are typical). Cheap
  // and never waits for the network: audio fed before the connection is open is buffered (up
  // to the engine's limit, beyond which the stream fails with kOverloaded). Ignored after
  // Finish(), Cancel() or the end of the stream.
  virtual void Feed(const int16_t* samples, size_t count) = 0;

  // End of utterance: no more audio; the final result (or an error) follows.
  virtual void Finish() = 0;

  // Abandons the stream. When it returns, the handler is not running (a callback in progress on
  // the I/O thread is waited for, unless Cancel is called from that very callback) and will not
  // be called again. So do not call it while holding a lock that the handler takes. Idempotent.
  virtual void Cancel() = 0;
};

class SpeechRecognizer {
 public:
  // Ends open streams with kShutdown (callbacks on the I/O thread, before this returns) and
  // stops the I/O thread. Must not be called from a handler. Streams may outlive their
  // recognizer: their calls then do nothing.
  virtual ~SpeechRecognizer() = default;

  // Opens a stream; connecting starts at once and never fails here: errors arrive through
  // `handler`. `handler` must stay valid until its OnFinal or OnError has returned, or until
  // Cancel() has returned.
  virtual std::unique_ptr<RecognitionStream> Open(const RecognitionOptions& options,
                                                  RecognitionHandler* handler) = 0;
};

}  // namespace zx::telephony
