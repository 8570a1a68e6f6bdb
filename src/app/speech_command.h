// `zhixian speech prepare` (docs/telephony.md, "Replies as speech").
#pragma once

#include <iosfwd>
#include <string>

#include "app/context.h"
#include "base/status.h"

namespace zx::app {

// Each line of `in` is a reply as text; each line written to `out` is voice::SpokenLine of it
// (what the voice bridge gives the synthesiser). Exit code 0, or 2 when the configuration or
// the lexicon is wrong.
int RunSpeechPrepare(const CommonFlags& flags, std::istream& in, std::ostream& out);

}  // namespace zx::app
