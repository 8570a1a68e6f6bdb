#include "app/commands.h"

#include <iostream>

#include "telephony/speech_text.h"
#include "voice/spoken_reply.h"

namespace zx::app {

int RunSpeechPrepare(const CommonFlags& flags, std::istream& in, std::ostream& out) {
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    std::cerr << "zhixian: " << config.status().message() << "\n";
    return 2;
  }
  if (Status s = telephony::UseSpeechLexiconIn(config->knowledge.kb_dir); !s.ok()) {
    std::cerr << "zhixian: " << s.message() << "\n";
    return 2;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out << voice::SpokenLine(line) << "\n";
  }
  out.flush();
  return 0;
}

}  // namespace zx::app
