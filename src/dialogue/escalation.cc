#include "dialogue/escalation.h"

#include <algorithm>

namespace zx::dialogue {

std::string_view HandoffReasonCode(HandoffReason reason) {
  switch (reason) {
    case HandoffReason::kRisk:
      return "risk";
    case HandoffReason::kAnger:
      return "anger";
    case HandoffReason::kAskedForHuman:
      return "asked_for_human";
    case HandoffReason::kRepeatedFailures:
      return "failures";
    case HandoffReason::kNone:
      break;
  }
  return "";
}

EscalationDecision DecideEscalation(const EscalationInput& input, EscalationState* state,
                                    const EscalationPolicy& policy) {
  switch (input.outcome) {
    case TurnOutcome::kResolved:
      state->consecutive_failures = 0;
      break;
    case TurnOutcome::kUnresolved:
      ++state->consecutive_failures;
      break;
    case TurnOutcome::kNeutral:
      break;
  }

  // The most urgent risk heard (not negated, of a category that hands over).
  const RiskCategory* risk = nullptr;
  for (const RiskHit& h : input.risks) {
    if (h.negated || !h.category || !h.category->handoff) continue;
    if (!risk || h.category->priority > risk->priority) risk = h.category;
  }
  const Level anger = input.emotion_levels[static_cast<int>(Emotion::kAnger)];
  const Level rage = input.emotion_levels[static_cast<int>(Emotion::kRage)];
  const bool angry = anger == Level::kHigh || rage == Level::kHigh;
  const bool failures = state->consecutive_failures >= policy.max_consecutive_failures;

  std::vector<HandoffReason> fired;  // by priority, highest first
  if (risk) fired.push_back(HandoffReason::kRisk);
  if (angry) fired.push_back(HandoffReason::kAnger);
  if (input.asked_for_human) fired.push_back(HandoffReason::kAskedForHuman);
  if (failures) fired.push_back(HandoffReason::kRepeatedFailures);

  EscalationDecision d;
  if (fired.empty()) return d;
  d.handoff = true;
  d.reason = fired.front();
  d.priority = static_cast<int>(d.reason);
  d.reason_code = std::string(HandoffReasonCode(d.reason));
  d.also.assign(fired.begin() + 1, fired.end());
  switch (d.reason) {
    case HandoffReason::kRisk:
      if (risk != nullptr) {  // always: kRisk fires only with a category
        d.risk_category = risk->name;
        d.reason_text = risk->reason;
      }
      break;
    case HandoffReason::kAnger:
      d.reason_text =
          std::string("来电人情绪激动（") +
          std::string(EmotionName(rage == Level::kHigh ? Emotion::kRage : Emotion::kAnger)) +
          "·高），转人工安抚处理";
      break;
    case HandoffReason::kAskedForHuman:
      d.reason_text = "来电人要求转人工服务";
      break;
    case HandoffReason::kRepeatedFailures:
      d.reason_text = "连续" + std::to_string(policy.max_consecutive_failures) +
                      "轮未能解决来电人诉求，转人工处理";
      break;
    case HandoffReason::kNone:
      break;
  }
  state->consecutive_failures = 0;
  state->handed_over = true;
  return d;
}

ToneGuidance ChooseTone(const EmotionDetector& detector, const EmotionResult& emotion) {
  ToneGuidance g;
  if (emotion.dominant.any()) {
    const ToneRule* best = nullptr;
    for (const ToneRule& r : detector.tone_rules()) {
      if (r.emotion != emotion.dominant.emotion || r.min_level > emotion.dominant.level) continue;
      if (!best || r.min_level > best->min_level) best = &r;
    }
    if (best) g.prefix = best->prefix;
  }
  const ReplyPolicy& p = detector.reply_policy();
  for (Emotion e : p.shorter)
    if (emotion.level(e) != Level::kNone && emotion.level(e) >= p.shorter_level) g.shorter = true;
  for (Emotion e : p.slower)
    if (emotion.level(e) != Level::kNone && emotion.level(e) >= p.slower_level) g.slower = true;
  return g;
}

std::string ShortenReply(std::string_view reply, int max_sentences) {
  if (max_sentences <= 0) return "";
  static constexpr std::string_view kEnders[] = {"。", "！", "？", "；", "!", "?", "\n"};
  int sentences = 0;
  size_t i = 0;
  while (i < reply.size()) {
    size_t len = 0;
    for (std::string_view e : kEnders)
      if (reply.substr(i, e.size()) == e) {
        len = e.size();
        break;
      }
    if (len == 0) {
      ++i;
      continue;
    }
    i += len;
    // A run of enders ("？！", "。\n") closes one sentence.
    for (bool more = true; more && i < reply.size();) {
      more = false;
      for (std::string_view e : kEnders)
        if (reply.substr(i, e.size()) == e) {
          i += e.size();
          more = true;
          break;
        }
    }
    if (++sentences == max_sentences) {
      std::string out(reply.substr(0, i));
      while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
      return out;
    }
  }
  return std::string(reply);
}

std::vector<std::string> RiskNotes(const EmotionResult& emotion, std::span<const RiskHit> risks) {
  std::vector<std::string> notes;
  const Level anger = std::max(emotion.level(Emotion::kAnger), emotion.level(Emotion::kRage));
  if (anger >= Level::kMedium) notes.emplace_back("情绪激动");
  for (const RiskHit& h : risks) {
    if (h.negated || !h.category) continue;
    if (std::find(notes.begin(), notes.end(), h.category->label) == notes.end())
      notes.push_back(h.category->label);
  }
  return notes;
}

}  // namespace zx::dialogue
