// Emotion and risk detection on one citizen utterance (kb/emotions.toml, and the risk
// phrases behind "Escalation to a human agent" and the summary's 风险提示).
//
//   auto emotions = EmotionDetector::Load("kb/emotions.toml");   // once, at start-up
//   auto risks = RiskDetector::Load("kb/risks.toml");
//   EmotionResult e = emotions->Detect(normalized_utterance, previous_turn_labels);
//   std::vector<RiskHit> r = risks->Detect(normalized_utterance);
//   // e.dominant: {生气, 高}; e.scores: every emotion's strength; r: {自伤倾向, "不想活了"}...
//
// Both detectors are data: the lexicon, negators, intensifiers, thresholds and tone phrases in
// kb/emotions.toml, the risk categories and phrases in kb/risks.toml (each file documents its
// format in its header). Load compiles the phrases into one trie per file, so detection is a
// single left-to-right pass, longest match first (a few microseconds per utterance).
//
// The input is one utterance already normalised (text/normalizer.h: simplified Chinese,
// half-width punctuation); full-width ！？， are accepted too. Whitespace is ignored.
//
// How an emotion score is made (all numbers come from the data file):
//   - each lexicon cue found adds its base strength to its emotion;
//   - a negator (不, 没有, 不是...) at most `negation.window` characters before a cue cancels it,
//     or flips it to another emotion ("不满意" -> 失望); two negators cancel each other;
//   - intensifiers before a cue (太, 非常...) and suffixes after it (死了, 透了) add to it (at
//     most `max_boost` together); diminishers (有点) subtract, never below 低; an intensifier
//     between a negator and its cue softens ("不太满意" is a milder 失望 than "不满意");
//   - repeated-contact cues (都第三次打电话了, 说了多少遍) add to 生气 and 失望;
//   - a run of "??" adds a 生气 cue;
//   - an emotion's score is its strongest cue plus a share of the others; then exclamation marks,
//     repeated characters or phrases (气死了气死了, 啊啊啊) and the same emotion at 中 or more on
//     the previous turn add bonuses to every emotion already present (they never create one);
//   - the level is 低/中/高 by the thresholds; the dominant emotion is the highest score (ties:
//     愤怒 > 生气 > 恐慌 > 焦虑 > 悲伤 > 失望 > 满意).
// Phrases matching a `neutral` word (急诊, 满意度, 不满足...) are skipped as plain text.
//
// Thread-safety: detectors are immutable after Load; Detect is const and may be called from any
// thread. Copies share the compiled data (cheap to copy).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::dialogue {

// The seven emotions, in this order everywhere (scores, levels).
enum class Emotion : uint8_t {
  kAnger,           // 生气
  kRage,            // 愤怒
  kDisappointment,  // 失望
  kAnxiety,         // 焦虑
  kSadness,         // 悲伤
  kPanic,           // 恐慌
  kSatisfaction,    // 满意
};
inline constexpr int kEmotionCount = 7;
inline constexpr std::array<Emotion, kEmotionCount> kAllEmotions = {
    Emotion::kAnger,   Emotion::kRage,  Emotion::kDisappointment, Emotion::kAnxiety,
    Emotion::kSadness, Emotion::kPanic, Emotion::kSatisfaction};

enum class Level : uint8_t { kNone, kLow, kMedium, kHigh };

// "生气", "愤怒"...; the inverse returns nullopt for anything else.
std::string_view EmotionName(Emotion emotion);
std::optional<Emotion> EmotionFromName(std::string_view name);
// "低", "中", "高"; "" for kNone. The inverse accepts 低/中/高 only.
std::string_view LevelName(Level level);
std::optional<Level> LevelFromName(std::string_view name);

// One turn's emotion as a conversation stores it ({"name", "level"} in the chat JSON).
struct EmotionLabel {
  Emotion emotion = Emotion::kAnger;
  Level level = Level::kNone;  // kNone: no emotion

  bool any() const { return level != Level::kNone; }
  bool operator==(const EmotionLabel&) const = default;
};

// One lexicon cue as found in the utterance (for explanations and tests).
struct CueHit {
  Emotion emotion = Emotion::kAnger;  // after a flip: the emotion it counted for
  size_t begin = 0;                   // byte offsets of the cue in the utterance
  size_t end = 0;
  double strength = 0;    // after modifiers; 0 when a negator cancelled it
  bool negated = false;   // a negator applied (cancelled or flipped)
  bool contact = false;   // a repeated-contact cue (都第三次打电话了)
  bool question = false;  // a run of question marks
};

struct EmotionResult {
  EmotionLabel dominant;  // level kNone when no emotion reached 低
  std::array<double, kEmotionCount> scores{};
  std::array<Level, kEmotionCount> levels{};
  std::vector<CueHit> cues;

  double score(Emotion e) const { return scores[static_cast<int>(e)]; }
  Level level(Emotion e) const { return levels[static_cast<int>(e)]; }
};

// Tone guidance data (kb/emotions.toml [[tone]] and [reply]); see escalation.h ChooseTone.
struct ToneRule {
  Emotion emotion = Emotion::kAnger;
  Level min_level = Level::kLow;  // applies from this level up; the highest matching rule wins
  std::string prefix;             // said before the reply ("您先别着急，")
};
struct ReplyPolicy {
  std::vector<Emotion> shorter;  // any of these at >= shorter_level: cut the reply short
  Level shorter_level = Level::kMedium;
  std::vector<Emotion> slower;  // any of these at >= slower_level: speak more slowly
  Level slower_level = Level::kMedium;
};

struct EmotionData;  // compiled lexicon (emotion.cc)

class EmotionDetector {
 public:
  // Reads and compiles kb/emotions.toml. Errors: kNotFound when the file cannot be read;
  // kInvalidArgument "FILE:LINE: reason" for malformed content (unknown key, unknown emotion or
  // level, a phrase listed twice, thresholds out of order...).
  static Result<EmotionDetector> Load(const std::string& path);
  // The same from text; `origin` names the file in messages.
  static Result<EmotionDetector> Parse(std::string_view toml_text, const std::string& origin);

  // Emotions of one normalised utterance. `history`: the labels of the previous turns of the
  // conversation, oldest first (only the last one is used today).
  EmotionResult Detect(std::string_view utterance,
                       std::span<const EmotionLabel> history = {}) const;

  // The level a score reaches with this file's thresholds.
  Level LevelOf(double score) const;

  const std::vector<ToneRule>& tone_rules() const;
  const ReplyPolicy& reply_policy() const;
  // Number of lexicon cues (entries under [lexicon.*]), for tests and logs.
  size_t lexicon_size() const;

 private:
  explicit EmotionDetector(std::shared_ptr<const EmotionData> data) : data_(std::move(data)) {}
  std::shared_ptr<const EmotionData> data_;
};

// A risk category of kb/risks.toml (自伤倾向, 暴力, 群体性, 安全隐患, 危及生命, 舆情).
struct RiskCategory {
  std::string name;      // "自伤倾向"
  std::string label;     // the 风险提示 label of the summary ("自伤倾向")
  std::string reason;    // Chinese reason shown to the agent on handover
  bool handoff = false;  // hearing it hands the conversation to a person at once
  int priority = 0;      // higher = more urgent, among categories
};

struct RiskHit {
  const RiskCategory* category = nullptr;  // points into the detector's data (shared by copies)
  std::string phrase;                      // the words as said
  size_t begin = 0;                        // byte offsets in the utterance
  size_t end = 0;
  bool negated = false;  // "没有想不开": reported, but it raises nothing
};

struct RiskData;  // compiled phrases (emotion.cc)

class RiskDetector {
 public:
  // Reads and compiles kb/risks.toml; errors as EmotionDetector::Load.
  static Result<RiskDetector> Load(const std::string& path);
  static Result<RiskDetector> Parse(std::string_view toml_text, const std::string& origin);

  // Every risk of one normalised utterance, in order, negated ones flagged: the phrases, then
  // the concepts of kb/risks.toml (a danger in ordinary words: parts with variants in order,
  // a few characters apart in one clause, "井盖" … "没了"); a concept hit overlapping a phrase
  // hit is not reported twice. `phrase` of a concept hit spans its first to its last part.
  std::vector<RiskHit> Detect(std::string_view utterance) const;

  const std::vector<RiskCategory>& categories() const;
  const RiskCategory* Find(std::string_view name) const;

 private:
  explicit RiskDetector(std::shared_ptr<const RiskData> data) : data_(std::move(data)) {}
  std::shared_ptr<const RiskData> data_;
};

}  // namespace zx::dialogue
