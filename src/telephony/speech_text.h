// Text prepared for speech synthesis. Written replies contain things a voice must not read as
// printed; each kind is said the way a hotline agent says it (docs/telephony.md, "Replies as
// speech"):
//
//   amounts (…元/块)        PrepareForSpeech("22400.00元") == "两万二千四百元"
//                           PrepareForSpeech("230.50元") == "二百三十元五角", "0.5元" -> "五角"
//   quantities             "32000" -> "三万二千", "21.75天" -> "二十一点七五天", "2个" -> "两个"
//   percentages            "85%" -> "百分之八十五"
//   phone, hotline, ID,    digit by digit, 1 as 幺, X as 叉: "请拨打12345" -> "请拨打幺二三四五",
//   case and order numbers "工单号20250101003", 11 and more digits, a number after 电话/编号/…
//   dates                  "2026-12-05", "2026/12/05", "2026年12月5日" -> "二零二六年十二月五日"
//   times                  "14:30" -> "十四点三十分", "9:00" -> "九点"
//   ranges                 "3-5个工作日" -> "三到五个工作日"
//   operators              = 等于, − and spaced - 减去, × and * 乘以, ÷ and / 除以, + 加
//   Latin words            by the lexicon (kb/speech_words.tsv: APP, PDF, ID, No., …); a code's
//                          letters spelt with the lexicon's letter readings; other words dropped
//   citations              "（依据：…）" is for reading, not for listening: dropped
//
// The result holds no ASCII letter, digit or symbol: whatever is not understood is dropped, so
// the synthesiser never reads English. Pure; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx::telephony {

// Readings of Latin words and abbreviations, and of the single letters A-Z (to spell codes).
// File format (kb/speech_words.tsv): "# comments", then "WORD<TAB>READING" per line; WORD is
// matched without regard to case (a trailing '.' is part of it: "No."); an empty READING
// drops the word. Immutable once loaded.
class SpeechLexicon {
 public:
  // kNotFound when the file cannot be read; kInvalidArgument "FILE:LINE: reason" for a line
  // without a tab, a word listed twice, or a reading with an ASCII character.
  static Result<SpeechLexicon> Load(const std::string& path);
  static Result<SpeechLexicon> Parse(std::string_view tsv, const std::string& origin);

  // The reading of `word`, or nullopt when the word is not listed.
  std::optional<std::string_view> Find(std::string_view word) const;
  size_t size() const { return words_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> words_;  // upper-case word -> reading
};

// The lexicon PrepareForSpeech(text) uses: installed once at start-up (app: kb/speech_words.tsv)
// and read by every call's thread; none installed: Latin words are dropped and codes' letters
// are not spelt. Thread-safe.
void SetSpeechLexicon(std::shared_ptr<const SpeechLexicon> lexicon);
std::shared_ptr<const SpeechLexicon> GetSpeechLexicon();

// Loads KB_DIR/speech_words.tsv and installs it (SetSpeechLexicon). A missing file is not an
// error (an older knowledge base): Latin words are then dropped, and a warning says so; a
// malformed one is (kInvalidArgument "FILE:LINE: reason").
Status UseSpeechLexiconIn(const std::string& kb_dir);

std::string PrepareForSpeech(std::string_view text);
// With this lexicon instead of the installed one (null: none).
std::string PrepareForSpeech(std::string_view text, const SpeechLexicon* lexicon);

// True when `speech` holds an ASCII letter, digit or symbol (anything the synthesiser would read
// as English or as a code); the tests' bar for PrepareForSpeech's output.
bool HasAsciiForSpeech(std::string_view speech);

}  // namespace zx::telephony
