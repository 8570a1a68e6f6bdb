#include "app/speech_command.h"

#include <filesystem>
#include <iostream>
#include <memory>

#include "base/log.h"
#include "telephony/speech_text.h"
#include "voice/spoken_reply.h"

namespace zx::app {

Status UseSpeechLexicon(const std::string& kb_dir) {
  std::string path = (std::filesystem::path(kb_dir) / "speech_words.tsv").string();
  auto lexicon = telephony::SpeechLexicon::Load(path);
  if (!lexicon.ok()) {
    if (lexicon.status().code() != Code::kNotFound) return lexicon.status();
    log::Warn(
        "speech.no_lexicon file={} fix=\"add kb/speech_words.tsv: Latin words are dropped "
        "from speech without it\"",
        path);
    return Status::Ok();
  }
  telephony::SetSpeechLexicon(
      std::make_shared<const telephony::SpeechLexicon>(std::move(lexicon).value()));
  return Status::Ok();
}

int RunSpeechPrepare(const CommonFlags& flags, std::istream& in, std::ostream& out) {
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    std::cerr << "zhixian: " << config.status().message() << "\n";
    return 2;
  }
  if (Status s = UseSpeechLexicon(config->knowledge.kb_dir); !s.ok()) {
    std::cerr << "zhixian: " << s.message() << "\n";
    return 2;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == 'n') {
        text += '\n';
        ++i;
      } else {
        text += line[i];
      }
    }
    out << telephony::PrepareForSpeech(voice::SpokenForm(text).say) << "\n";
  }
  out.flush();
  return 0;
}

}  // namespace zx::app
