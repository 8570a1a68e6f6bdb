// The default SpeechSynthesizer: espeak-ng in-process with the voice cmn-latn-pinyin
// (Debian's `cmn` voice is broken, docs/telephony.md), on ONE synthesis thread (the engine keeps
// global state), output resampled 22.05 kHz -> 8 kHz with speexdsp, rendered prompts cached by
// text.
//
// Only one instance may exist per process (espeak-ng is a process-wide singleton).
// espeak-ng is GPL-3: a binary linking it is GPL-3 (README licence note).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "telephony/synthesizer.h"

namespace zx::telephony {

struct EspeakOptions {
  std::string voice = "cmn-latn-pinyin";
  int rate_wpm = 165;          // words per minute; espeak's default is 175
  int pitch = 50;              // 0-100
  int volume = 100;            // 0-200
  size_t cache_entries = 256;  // rendered prompts kept (greetings, menus, frequent answers)
};

struct SynthesizerStats {
  uint64_t requests = 0;
  uint64_t cache_hits = 0;
};

class EspeakSynthesizer : public SpeechSynthesizer {
 public:
  // Starts the synthesis thread and loads the voice. kUnavailable when espeak-ng or the voice
  // cannot be loaded, kFailedPrecondition when another instance exists.
  static Result<std::unique_ptr<EspeakSynthesizer>> Create(const EspeakOptions& options = {});
  virtual SynthesizerStats stats() const = 0;
};

}  // namespace zx::telephony
