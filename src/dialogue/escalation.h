// The escalation decision (a person asked for, anger at 高, a risk phrase, repeated failure) and
// the tone of the reply.
//
// Hand over AT ONCE when, in this order of priority:
//   1. a risk phrase of a category marked `handoff` is heard, not negated (自伤倾向, 暴力, 群体性,
//      危及生命, 安全隐患 in the demo data; 舆情 is only a 风险提示 of the summary);
//   2. 愤怒 or 生气 is at 高;
//   3. the caller asks for a person (the topic meta.human);
//   4. the assistant failed to resolve THREE CONSECUTIVE turns (asked back, or did not
//      understand). A resolved turn resets the count; a neutral turn (greeting, a slot prompt of a
//      flow in progress, thanks) neither counts nor resets. Three failures, not three questions.
// Several may hold at once; the decision names the highest and lists the others.
//
//   EscalationState state;                    // stored with the conversation, starts at zero
//   EscalationInput in{.asked_for_human = topic == "meta.human",
//                      .outcome = TurnOutcome::kUnresolved,
//                      .emotion_levels = emotion.levels, .risks = risk_hits};
//   EscalationDecision d = DecideEscalation(in, &state);
//   if (d.handoff) ...                        // d.reason_text for the agent, d.priority for the
//   queue
//
// Pure functions: no I/O, no clock.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dialogue/emotion.h"

namespace zx::dialogue {

// How the assistant fared on one turn, as the dialogue policy judges it.
enum class TurnOutcome : uint8_t {
  kResolved,    // answered (a knowledge answer, a calculator result, a ticket created...)
  kUnresolved,  // asked back because it did not understand, or could not answer
  kNeutral,     // neither: greeting, thanks, a flow asking for its next slot
};

// What a conversation keeps between turns for escalation. A plain value: store it with the
// session (its two fields) and pass it back next turn.
struct EscalationState {
  int consecutive_failures = 0;  // unresolved turns in a row since the last resolved one
  bool handed_over = false;      // a handover has been decided in this conversation

  bool operator==(const EscalationState&) const = default;
};

struct EscalationInput {
  bool asked_for_human = false;  // the turn's topic is meta.human
  TurnOutcome outcome = TurnOutcome::kNeutral;
  std::array<Level, kEmotionCount> emotion_levels{};  // EmotionResult::levels of this turn
  std::span<const RiskHit> risks;                     // RiskDetector::Detect of this turn
};

// Why a conversation goes to a person. The value is the priority: higher wins.
enum class HandoffReason : uint8_t {
  kNone = 0,
  kRepeatedFailures = 1,  // "failures"
  kAskedForHuman = 2,     // "asked_for_human"
  kAnger = 3,             // "anger"
  kRisk = 4,              // "risk"
};
std::string_view HandoffReasonCode(HandoffReason reason);

struct EscalationDecision {
  bool handoff = false;
  HandoffReason reason = HandoffReason::kNone;  // the highest-priority rule that fired
  int priority = 0;         // static_cast<int>(reason): 4 risk > 3 anger > 2 asked > 1 failures
  std::string reason_code;  // "risk", "anger", "asked_for_human", "failures"; "" when none
  std::string reason_text;  // Chinese, for the agent ("来电人流露自伤倾向，需立即人工介入")
  std::string risk_category;        // for kRisk: the most urgent category heard ("自伤倾向")
  std::vector<HandoffReason> also;  // the other rules that fired, by priority
};

struct EscalationPolicy {
  int max_consecutive_failures = 3;  // three unresolved turns in a row
};

// Updates `state` with this turn and decides. The failure count is updated first (a resolved
// turn resets it, an unresolved one adds one), so the third failure in a row hands over on that
// turn. A handover resets the failure count and sets state->handed_over.
EscalationDecision DecideEscalation(const EscalationInput& input, EscalationState* state,
                                    const EscalationPolicy& policy = {});

// How to say the reply, from the turn's emotion and the data of kb/emotions.toml.
struct ToneGuidance {
  std::string prefix;  // soothing / apologetic words to put before the reply; "" for none
  bool shorter = false;  // anger or anxiety (生气, 愤怒, 焦虑, 恐慌) at 中 or more: keep the reply
                         // to its first sentences (ShortenReply)
  bool slower = false;  // speak more slowly (voice): anxiety, panic or sadness at 中 or more
};
// The prefix is that of the [[tone]] rule of the dominant emotion with the highest min_level at
// or below its level; none when the dominant emotion has no rule or there is no emotion.
ToneGuidance ChooseTone(const EmotionDetector& detector, const EmotionResult& emotion);

// `reply` cut after its first `max_sentences` sentences (ended by 。！？!? ； or a line break);
// the whole reply when it is shorter.
std::string ShortenReply(std::string_view reply, int max_sentences = 2);

// The summary's 风险提示 labels for one turn: "情绪激动" when 生气 or 愤怒 is at 中 or more, then
// the label of each risk category heard (not negated), each once, in order of appearance.
std::vector<std::string> RiskNotes(const EmotionResult& emotion, std::span<const RiskHit> risks);

}  // namespace zx::dialogue
