// Issue 11's bars for speech, over everything the assistant says today: every reply of every
// dialogue script (tests/dialogue/*.dlg: the citizen lines are played against the real
// DialogueService, the expectations are not checked here) and every answer of kb/entries, as
// the knowledge engine words it (with its citation). For each one, the text the telephone would
// give the synthesiser (the spoken form, the full text of key 1, and the whole reply prepared
// directly) must hold no ASCII letter, digit or symbol; and a calculation's spoken form must last
// at most 25 s, measured by synthesising it with espeak-ng.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "dialogue/service.h"
#include "knowledge/engine.h"
#include "knowledge/loader.h"
#include "storage/database.h"
#include "telephony/espeak_synthesizer.h"
#include "telephony/prompt_player.h"
#include "telephony/speech_text.h"
#include "voice/spoken_reply.h"

namespace zx {
namespace {

namespace fs = std::filesystem;
const std::string kSource = ZX_SOURCE_DIR;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One reply to check, and where it came from.
struct Reply {
  std::string origin;  // "tests/dialogue/x.dlg:12" or "kb/entries/yb.toml:3 (yb.inpatient)"
  std::string text;
};

// The ASCII left in `speech`, shown around its first occurrence; "" when there is none.
std::string AsciiLeft(const std::string& speech) {
  for (size_t i = 0; i < speech.size(); ++i) {
    if (static_cast<unsigned char>(speech[i]) < 0x80) {
      size_t from = i > 24 ? i - 24 : 0;
      while (from > 0 && (static_cast<unsigned char>(speech[from]) & 0xC0) == 0x80) --from;
      return "byte " + std::to_string(i) + " ('" + std::string(1, speech[i]) + "') in …" +
             speech.substr(from, 60) + "…";
    }
  }
  return "";
}

class SpeechReplies : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto lexicon = telephony::SpeechLexicon::Load(kSource + "/kb/speech_words.tsv");
    ASSERT_TRUE(lexicon.ok()) << lexicon.status().ToString();
    telephony::SetSpeechLexicon(
        std::make_shared<const telephony::SpeechLexicon>(std::move(lexicon).value()));
    auto kb = knowledge::LoadKnowledgeBase(kSource + "/kb");
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    work_ = fs::temp_directory_path() / ("zx-speech-replies-" + std::to_string(getpid()));
    knowledge::EngineOptions o;
    o.work_dir = (work_ / "index").string();
    o.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
    auto e = knowledge::KnowledgeEngine::Build(std::move(kb).value(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
    std::error_code ec;
    fs::remove_all(work_, ec);
    telephony::SetSpeechLexicon(nullptr);
  }

  // Plays the citizen lines of one script ("> …", "> [xN] …", "end") and collects the replies.
  static std::vector<Reply> PlayScript(const fs::path& file) {
    std::vector<Reply> replies;
    auto db = storage::Database::Open(":memory:");
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return replies;
    FakeClock clock(1767225600000);  // 2026-01-01
    dialogue::DialogueOptions o;
    std::string kb = kSource + "/kb";
    o.flows_dir = kb + "/flows";
    o.emotions_file = kb + "/emotions.toml";
    o.risks_file = kb + "/risks.toml";
    o.rules_file = kb + "/dialogue.toml";
    o.districts_file = kb + "/districts.tsv";
    auto service =
        dialogue::DialogueService::Create(**db, *engine_, engine_->knowledge_base(), o, clock);
    EXPECT_TRUE(service.ok()) << service.status().ToString();
    if (!service.ok()) return replies;
    auto started = (*service)->Start("voice");
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    if (!started.ok()) return replies;
    const std::string name = "tests/dialogue/" + file.filename().string();
    for (const auto& turn : started->turns) replies.push_back({name + ":greeting", turn.text});
    std::istringstream in(ReadFile(file));
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      size_t b = line.find_first_not_of(" \t");
      if (b == std::string::npos) continue;
      line = line.substr(b);
      clock.Advance(std::chrono::seconds(3));
      if (line == "end" || line == "end\r") {
        (void)(*service)->End(started->id);
        continue;
      }
      if (line[0] != '>') continue;
      std::string text = line.substr(1);
      while (!text.empty() && (text[0] == ' ' || text[0] == '\t')) text.erase(0, 1);
      while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
      int times = 1;
      if (text.rfind("[x", 0) == 0 && std::sscanf(text.c_str() + 2, "%d", &times) == 1) {
        std::string unit = text.substr(text.find(']') + 1);
        while (!unit.empty() && unit[0] == ' ') unit.erase(0, 1);
        text.clear();
        for (int i = 0; i < times; ++i) text += unit;
      }
      auto said = (*service)->Say(started->id, text);
      if (said.ok() && !said->text.empty())
        replies.push_back({name + ":" + std::to_string(line_no), said->text});
    }
    return replies;
  }

  static std::vector<Reply> KnowledgeAnswers() {
    std::vector<Reply> replies;
    for (const auto& e : engine_->knowledge_base().entries) {
      // As the knowledge engine words an answer (knowledge/engine.cc): with its citation.
      replies.push_back({e.origin + " (" + e.id + ")",
                         e.answer + "\n（依据：" + e.source + "《" + e.title + "》）"});
    }
    return replies;
  }

  static inline knowledge::KnowledgeEngine* engine_ = nullptr;
  static inline fs::path work_;
};

bool IsCalculation(const std::string& text) { return text.find("\n结果：") != std::string::npos; }

TEST_F(SpeechReplies, NoAsciiLetterOrSymbolReachesTheSynthesiserAndCalculationsTakeAtMost25s) {
  std::vector<fs::path> scripts;
  for (const auto& f : fs::directory_iterator(kSource + "/tests/dialogue"))
    if (f.path().extension() == ".dlg") scripts.push_back(f.path());
  std::sort(scripts.begin(), scripts.end());
  ASSERT_GT(scripts.size(), 20u);

  std::vector<Reply> all = KnowledgeAnswers();
  ASSERT_GT(all.size(), 50u);
  for (const auto& script : scripts) {
    auto replies = PlayScript(script);
    all.insert(all.end(), replies.begin(), replies.end());
  }

  auto tts = telephony::EspeakSynthesizer::Create();
  ASSERT_TRUE(tts.ok()) << tts.status().ToString();
  std::set<std::string> measured;
  size_t calculations = 0;
  double longest = 0;
  std::string longest_origin;
  for (const Reply& r : all) {
    voice::SpokenReply spoken = voice::SpokenForm(r.text);
    for (const auto& [what, text] :
         std::vector<std::pair<std::string, std::string>>{{"the spoken form", spoken.say},
                                                          {"the full text (key 1)", spoken.more},
                                                          {"the whole reply", r.text}}) {
      std::string speech = telephony::PrepareForSpeech(text);
      std::string left = AsciiLeft(speech);
      EXPECT_EQ(left, "") << r.origin << ": ASCII left in " << what << "\n  reply: " << r.text
                          << "\n  speech: " << speech;
    }
    if (!IsCalculation(r.text) || !measured.insert(spoken.say).second) continue;
    ++calculations;
    size_t samples = 0;
    for (const std::string& sentence :
         telephony::PromptPlayer::SplitSentences(telephony::PrepareForSpeech(spoken.say))) {
      auto pcm = (*tts)->Synthesize(sentence);
      ASSERT_TRUE(pcm.ok()) << pcm.status().ToString();
      samples += (*pcm)->size();
    }
    double seconds = samples / 8000.0;
    if (seconds > longest) {
      longest = seconds;
      longest_origin = r.origin;
    }
    EXPECT_LE(seconds, 25.0) << r.origin << ": the spoken form of a calculation lasts " << seconds
                             << " s\n  " << spoken.say;
  }
  EXPECT_GT(calculations, 10u);
  std::cout << all.size() << " replies and answers checked; " << calculations
            << " calculations, the longest spoken form " << longest << " s (" << longest_origin
            << ")\n";
}

}  // namespace
}  // namespace zx
