// SpeechSynthesizer: text in, 8 kHz telephone audio out. espeak-ng in-process is the default
// (espeak_synthesizer.h); an HTTP engine can replace it behind this interface.
#pragma once

#include <string_view>

#include "base/status.h"
#include "telephony/media.h"

namespace zx::telephony {

class SpeechSynthesizer {
 public:
  virtual ~SpeechSynthesizer() = default;
  // Renders `text` (already prepared for speech, see speech_text.h) as mono 8 kHz PCM.
  // Thread-safe; blocks until the audio is ready (the engine may serialise requests).
  // Errors: kInvalidArgument for empty text, kUnavailable when the engine failed.
  virtual Result<SharedPcm> Synthesize(std::string_view text) = 0;
};

}  // namespace zx::telephony
