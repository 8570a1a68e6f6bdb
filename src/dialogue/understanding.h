// The first stage of a citizen turn: understanding what was said, once. Everything later stages
// need from the text is worked out here (normalisation, the knowledge base ranked for it,
// feelings and risks, districts and request types named, a choice after asking back), so no
// stage ranks the text again. Internal to the dialogue module.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "dialogue/emotion.h"
#include "dialogue/rules.h"
#include "dialogue/state.h"
#include "knowledge/answer.h"
#include "knowledge/entry.h"
#include "text/normalizer.h"

namespace zx::dialogue {

struct Understanding {
  std::string text;  // as the citizen said it (checked, trimmed)
  std::string norm;  // normalised (text::Normalizer)
  EmotionResult emotion;
  std::vector<RiskHit> risks;
  std::vector<std::string> risk_notes;  // the summary's 风险提示 labels of this turn
  std::vector<std::string> districts;   // district names said
  std::set<std::string> request_types;  // 举报, 表扬 ... said in so many words
  int choice = -1;                      // "第二个" → 1: a choice after asking back, or -1
  knowledge::Answer answer;  // the knowledge base ranked for `text` alone: the one ranking

  // The answer in context: for a follow-up ("那失业金呢？") the best of `answer` and the
  // previous question's subject or aspect joined with the text; otherwise `answer`. Worked out
  // on first use, since only the knowledge stage needs it and it ranks two other texts (a
  // calculator flow that takes the text never asks).
  const knowledge::Answer& Reading() const;

  std::function<knowledge::Answer()> read_in_context;  // set for a follow-up
  mutable std::optional<knowledge::Answer> reading;    // Reading(), once worked out
};

// Every entry term (keyword, synonym, colloquial word) of a knowledge base, normalised, with the
// areas that use it ("二手房过户" -> {"bdc."}). Worked out once per knowledge base: the service
// keeps them per snapshot generation, so that they follow a knowledge base swapped in.
struct KbTerm {
  std::string text;
  std::set<std::string> areas;
};
using KbTerms = std::vector<KbTerm>;
KbTerms CollectTerms(const knowledge::KnowledgeBase& kb, const text::Normalizer& normalizer);

// Made for one turn over the turn's knowledge snapshot (knowledge/snapshot.h): everything it
// refers to outlives the turn.
class Understander {
 public:
  Understander(const knowledge::Assistant& assistant, const knowledge::KnowledgeBase& kb,
               const KbTerms& terms, const text::Normalizer& normalizer,
               const EmotionDetector& emotions, const RiskDetector& risks, const Rules& rules,
               const Districts& districts)
      : assistant_(assistant),
        kb_(kb),
        normalizer_(normalizer),
        emotions_(emotions),
        risks_(risks),
        rules_(rules),
        districts_(districts),
        terms_(terms) {}

  // `before`: the conversation as it stood before this turn (for feelings over several turns
  // and the previous question of a follow-up). Ranks `text` exactly once. The Understanding
  // refers to this Understander (Reading()) and must not outlive it.
  Understanding Understand(const State& before, const std::string& text) const;

  const text::Normalizer& normalizer() const { return normalizer_; }

 private:
  knowledge::Answer ReadInContext(const std::string& topic, const std::string& last_question,
                                  const std::string& text, const knowledge::Answer& alone) const;
  std::pair<std::string, std::string> SplitPrevious(const std::string& topic,
                                                    const std::string& last_question) const;
  knowledge::Answer ReadWithSubject(const std::string& topic, const std::string& last_question,
                                    const std::string& text, const knowledge::Answer& alone) const;
  // True when `norm` says a term (keyword, synonym, colloquial word) of an area other than
  // `area` ("sbk.") that `area` itself does not use: the text names its own subject.
  bool NamesOtherArea(const std::string& norm, const std::string& area) const;

  const knowledge::Assistant& assistant_;
  const knowledge::KnowledgeBase& kb_;
  const text::Normalizer& normalizer_;
  const EmotionDetector& emotions_;
  const RiskDetector& risks_;
  const Rules& rules_;
  const Districts& districts_;
  const KbTerms& terms_;
};

// True when a risk of a category that hands over is heard, not negated (a danger: 危及生命,
// 安全隐患, 自伤倾向...; 舆情 is not one).
bool HeardDanger(std::span<const RiskHit> risks);

// Notes in the state what the turn said about the conversation as a whole (the feeling, risks,
// districts, request types), whatever the later stages do with it.
void Remember(const Understanding& u, State& st);

// "1", "第一个", "一", "2." ... → 0-based choice, or -1.
int ParseChoice(std::string_view s);

}  // namespace zx::dialogue
