// `zhixian speech prepare` (docs/telephony.md, "Replies as speech").
#pragma once

#include <iosfwd>
#include <string>

#include "app/context.h"
#include "base/status.h"

namespace zx::app {

// Each line of `in` is a reply as text ("\n" written as the two characters \ and n stands for a
// line break, so that a calculation fits on one line); each line written to `out` is that reply
// exactly as the voice bridge gives it to the synthesiser: its spoken form
// (voice/spoken_reply.h) prepared for speech (telephony/speech_text.h). Exit code 0, or 2 when
// the configuration or the lexicon is wrong.
int RunSpeechPrepare(const CommonFlags& flags, std::istream& in, std::ostream& out);

}  // namespace zx::app
