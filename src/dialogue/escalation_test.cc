// The escalation rules (dialogue/escalation.h), their priority, the failure counter, the tone of
// the reply and the 风险提示 notes; the last tests run whole utterances through the demo data.
#include "dialogue/escalation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zx::dialogue {
namespace {

const EmotionDetector& Emotions() {
  static const EmotionDetector* d = [] {
    auto r = EmotionDetector::Load(std::string(ZX_SOURCE_DIR) + "/kb/emotions.toml");
    if (!r.ok()) {
      ADD_FAILURE() << r.status().ToString();
      std::abort();
    }
    return new EmotionDetector(std::move(r).value());
  }();
  return *d;
}

const RiskDetector& Risks() {
  static const RiskDetector* d = [] {
    auto r = RiskDetector::Load(std::string(ZX_SOURCE_DIR) + "/kb/risks.toml");
    if (!r.ok()) {
      ADD_FAILURE() << r.status().ToString();
      std::abort();
    }
    return new RiskDetector(std::move(r).value());
  }();
  return *d;
}

std::array<Level, kEmotionCount> Levels(Emotion e, Level l) {
  std::array<Level, kEmotionCount> a{};
  a[static_cast<int>(e)] = l;
  return a;
}

RiskHit Hit(const char* category, bool negated = false) {
  RiskHit h;
  h.category = Risks().Find(category);
  EXPECT_NE(h.category, nullptr) << category;
  h.phrase = "x";
  h.negated = negated;
  return h;
}

EscalationInput Turn(TurnOutcome outcome) {
  EscalationInput in;
  in.outcome = outcome;
  return in;
}

// Runs a sequence of outcomes ('F' unresolved, 'S' resolved, 'N' neutral) and returns the
// decisions' handoff flags as a string ("..H").
std::string RunTurns(std::string_view outcomes, EscalationState* state) {
  std::string out;
  for (char c : outcomes) {
    const TurnOutcome o = c == 'F'   ? TurnOutcome::kUnresolved
                          : c == 'S' ? TurnOutcome::kResolved
                                     : TurnOutcome::kNeutral;
    out += DecideEscalation(Turn(o), state).handoff ? 'H' : '.';
  }
  return out;
}

// ---- the four rules ----

TEST(Escalation, NothingFiresOnAnOrdinaryTurn) {
  EscalationState s;
  const EscalationDecision d = DecideEscalation(Turn(TurnOutcome::kResolved), &s);
  EXPECT_FALSE(d.handoff);
  EXPECT_EQ(d.reason, HandoffReason::kNone);
  EXPECT_EQ(d.priority, 0);
  EXPECT_EQ(d.reason_code, "");
  EXPECT_FALSE(s.handed_over);
}

TEST(Escalation, AskedForAPersonHandsOverAtOnce) {
  EscalationState s;
  EscalationInput in = Turn(TurnOutcome::kNeutral);
  in.asked_for_human = true;
  const EscalationDecision d = DecideEscalation(in, &s);
  EXPECT_TRUE(d.handoff);
  EXPECT_EQ(d.reason, HandoffReason::kAskedForHuman);
  EXPECT_EQ(d.reason_code, "asked_for_human");
  EXPECT_EQ(d.reason_text, "来电人要求转人工服务");
  EXPECT_EQ(d.priority, 2);
  EXPECT_TRUE(s.handed_over);
}

TEST(Escalation, AngerOrRageAtHighHandsOver) {
  for (Emotion e : {Emotion::kAnger, Emotion::kRage}) {
    EscalationState s;
    EscalationInput in = Turn(TurnOutcome::kResolved);
    in.emotion_levels = Levels(e, Level::kHigh);
    const EscalationDecision d = DecideEscalation(in, &s);
    EXPECT_TRUE(d.handoff) << EmotionName(e);
    EXPECT_EQ(d.reason, HandoffReason::kAnger);
    EXPECT_EQ(d.reason_code, "anger");
    EXPECT_NE(d.reason_text.find(std::string(EmotionName(e)) + "·高"), std::string::npos)
        << d.reason_text;
  }
}

TEST(Escalation, AngerBelowHighOrOtherEmotionsAtHighDoNot) {
  for (auto [e, l] :
       {std::pair{Emotion::kAnger, Level::kMedium}, std::pair{Emotion::kRage, Level::kMedium},
        std::pair{Emotion::kAnxiety, Level::kHigh}, std::pair{Emotion::kPanic, Level::kHigh},
        std::pair{Emotion::kDisappointment, Level::kHigh},
        std::pair{Emotion::kSadness, Level::kHigh}}) {
    EscalationState s;
    EscalationInput in = Turn(TurnOutcome::kResolved);
    in.emotion_levels = Levels(e, l);
    EXPECT_FALSE(DecideEscalation(in, &s).handoff) << EmotionName(e) << LevelName(l);
  }
}

TEST(Escalation, RiskPhrasesHandOverAtOnce) {
  for (const char* c : {"自伤倾向", "暴力", "群体性", "危及生命", "安全隐患"}) {
    EscalationState s;
    const RiskHit hits[] = {Hit(c)};
    EscalationInput in = Turn(TurnOutcome::kResolved);
    in.risks = hits;
    const EscalationDecision d = DecideEscalation(in, &s);
    EXPECT_TRUE(d.handoff) << c;
    EXPECT_EQ(d.reason, HandoffReason::kRisk);
    EXPECT_EQ(d.reason_code, "risk");
    EXPECT_EQ(d.priority, 4);
    EXPECT_EQ(d.risk_category, c);
    EXPECT_EQ(d.reason_text, Risks().Find(c)->reason);
  }
}

TEST(Escalation, MediaThreatsAndNegatedRisksDoNotHandOver) {
  EscalationState s;
  const RiskHit hits[] = {Hit("舆情"), Hit("自伤倾向", /*negated=*/true)};
  EscalationInput in = Turn(TurnOutcome::kResolved);
  in.risks = hits;
  EXPECT_FALSE(DecideEscalation(in, &s).handoff);
}

TEST(Escalation, TheMostUrgentRiskCategoryIsNamed) {
  EscalationState s;
  const RiskHit hits[] = {Hit("舆情"), Hit("群体性"), Hit("自伤倾向"), Hit("安全隐患")};
  EscalationInput in = Turn(TurnOutcome::kResolved);
  in.risks = hits;
  EXPECT_EQ(DecideEscalation(in, &s).risk_category, "自伤倾向");
}

// ---- three consecutive failures ----

TEST(Failures, ThreeInARowHandOverOnTheThird) {
  EscalationState s;
  EXPECT_EQ(RunTurns("FFF", &s), "..H");
  EXPECT_TRUE(s.handed_over);
  EXPECT_EQ(s.consecutive_failures, 0);
}

TEST(Failures, TwoAreNotEnough) {
  EscalationState s;
  EXPECT_EQ(RunTurns("FF", &s), "..");
  EXPECT_EQ(s.consecutive_failures, 2);
  EXPECT_FALSE(s.handed_over);
}

TEST(Failures, ASuccessResetsTheCount) {
  EscalationState s;
  EXPECT_EQ(RunTurns("FFSFF", &s), ".....");
  EXPECT_EQ(s.consecutive_failures, 2);
  EXPECT_EQ(RunTurns("F", &s), "H");
}

TEST(Failures, AnsweredQuestionsAreNotFailures) {
  EscalationState s;
  EXPECT_EQ(RunTurns("SSSSSS", &s), "......");
  EXPECT_EQ(s.consecutive_failures, 0);
}

TEST(Failures, NeutralTurnsNeitherCountNorReset) {
  EscalationState s;
  EXPECT_EQ(RunTurns("FNFNN", &s), ".....");
  EXPECT_EQ(s.consecutive_failures, 2);
  EXPECT_EQ(RunTurns("F", &s), "H");
}

TEST(Failures, TheReasonSaysThree) {
  EscalationState s;
  RunTurns("FF", &s);
  const EscalationDecision d = DecideEscalation(Turn(TurnOutcome::kUnresolved), &s);
  EXPECT_EQ(d.reason, HandoffReason::kRepeatedFailures);
  EXPECT_EQ(d.reason_code, "failures");
  EXPECT_EQ(d.priority, 1);
  EXPECT_NE(d.reason_text.find("连续3轮"), std::string::npos) << d.reason_text;
}

TEST(Failures, TheStateIsAPlainValueThatPersists) {
  // Turn by turn through a copy, as a session store would.
  EscalationState stored;
  for (int turn = 0; turn < 2; ++turn) {
    EscalationState s = stored;
    EXPECT_FALSE(DecideEscalation(Turn(TurnOutcome::kUnresolved), &s).handoff);
    stored = s;
  }
  EXPECT_EQ(stored, (EscalationState{2, false}));
  EscalationState s = stored;
  EXPECT_TRUE(DecideEscalation(Turn(TurnOutcome::kUnresolved), &s).handoff);
}

TEST(Failures, ThePolicyNumberIsConfigurable) {
  EscalationState s;
  EscalationPolicy p;
  p.max_consecutive_failures = 2;
  EXPECT_FALSE(DecideEscalation(Turn(TurnOutcome::kUnresolved), &s, p).handoff);
  EXPECT_TRUE(DecideEscalation(Turn(TurnOutcome::kUnresolved), &s, p).handoff);
}

// ---- priority: risk > anger > asked > failures ----

TEST(Priority, AllFourPickRiskAndListTheRest) {
  EscalationState s{2, false};
  const RiskHit hits[] = {Hit("暴力")};
  EscalationInput in = Turn(TurnOutcome::kUnresolved);
  in.asked_for_human = true;
  in.emotion_levels = Levels(Emotion::kRage, Level::kHigh);
  in.risks = hits;
  const EscalationDecision d = DecideEscalation(in, &s);
  EXPECT_EQ(d.reason, HandoffReason::kRisk);
  EXPECT_EQ(d.also,
            (std::vector<HandoffReason>{HandoffReason::kAnger, HandoffReason::kAskedForHuman,
                                        HandoffReason::kRepeatedFailures}));
}

TEST(Priority, AngerBeatsAskedAndFailures) {
  EscalationState s{2, false};
  EscalationInput in = Turn(TurnOutcome::kUnresolved);
  in.asked_for_human = true;
  in.emotion_levels = Levels(Emotion::kAnger, Level::kHigh);
  const EscalationDecision d = DecideEscalation(in, &s);
  EXPECT_EQ(d.reason, HandoffReason::kAnger);
  EXPECT_EQ(d.priority, 3);
}

TEST(Priority, AskedBeatsFailures) {
  EscalationState s{2, false};
  EscalationInput in = Turn(TurnOutcome::kUnresolved);
  in.asked_for_human = true;
  const EscalationDecision d = DecideEscalation(in, &s);
  EXPECT_EQ(d.reason, HandoffReason::kAskedForHuman);
  EXPECT_EQ(d.also, std::vector<HandoffReason>{HandoffReason::kRepeatedFailures});
}

TEST(Priority, AHandoverResetsTheFailureCount) {
  EscalationState s{2, false};
  EscalationInput in = Turn(TurnOutcome::kUnresolved);
  in.asked_for_human = true;
  EXPECT_TRUE(DecideEscalation(in, &s).handoff);
  EXPECT_EQ(s.consecutive_failures, 0);
}

// ---- tone ----

ToneGuidance ToneOf(std::string_view text) {
  return ChooseTone(Emotions(), Emotions().Detect(text));
}

TEST(Tone, AngerAtMediumApologisesAndShortens) {
  const ToneGuidance t = ToneOf("我很生气");
  EXPECT_EQ(t.prefix, "非常理解您的心情，给您添麻烦了。");
  EXPECT_TRUE(t.shorter);
}

TEST(Tone, AnxietyLowSoothesWithoutShortening) {
  const ToneGuidance t = ToneOf("有点担心");
  EXPECT_EQ(t.prefix, "您先别着急，");
  EXPECT_FALSE(t.shorter);
  EXPECT_FALSE(t.slower);
}

TEST(Tone, AnxietyMediumUsesTheLowRuleAndShortens) {
  const ToneGuidance t = ToneOf("我很着急");
  EXPECT_EQ(t.prefix, "您先别着急，");
  EXPECT_TRUE(t.shorter);
  EXPECT_TRUE(t.slower);
}

TEST(Tone, HigherLevelsPickTheirOwnRule) {
  EXPECT_EQ(ToneOf("急死了").prefix, "您先别着急，我们马上帮您处理。");
  EXPECT_EQ(ToneOf("简直忍无可忍").prefix,
            "非常理解您的心情，真的很抱歉给您添了这么多麻烦，我们一定重视。");
  EXPECT_EQ(ToneOf("有点生气").prefix, "给您添麻烦了，");
  EXPECT_FALSE(ToneOf("有点生气").shorter);
  EXPECT_EQ(ToneOf("我很伤心").prefix, "听到您的情况我们也很难过，请您多保重。");
  EXPECT_TRUE(ToneOf("我很伤心").slower);
  EXPECT_FALSE(ToneOf("我很伤心").shorter);
}

TEST(Tone, SatisfiedOrNeutralNeedsNothing) {
  for (const char* text : {"谢谢", "社保卡怎么办"}) {
    const ToneGuidance t = ToneOf(text);
    EXPECT_EQ(t.prefix, "") << text;
    EXPECT_FALSE(t.shorter) << text;
    EXPECT_FALSE(t.slower) << text;
  }
}

TEST(Tone, ShorterWhenAnyAngerOrAnxietyReachesMedium) {
  // Dominant 满意, but 焦虑 at 中 still asks for a short reply.
  const EmotionResult r = Emotions().Detect("谢谢，但我真的很着急");
  EXPECT_TRUE(ChooseTone(Emotions(), r).shorter);
}

TEST(ShortenReply, KeepsTheFirstSentences) {
  EXPECT_EQ(ShortenReply("第一句。第二句！第三句？第四句。", 2), "第一句。第二句！");
  EXPECT_EQ(ShortenReply("第一句。第二句", 1), "第一句。");
  EXPECT_EQ(ShortenReply("只有一句", 2), "只有一句");
  EXPECT_EQ(ShortenReply("a? b! c.", 1), "a?");
  EXPECT_EQ(ShortenReply("真的吗？！好的。还有", 1), "真的吗？！");
  EXPECT_EQ(ShortenReply("步骤一\n步骤二\n步骤三", 2), "步骤一\n步骤二");
  EXPECT_EQ(ShortenReply("", 2), "");
}

// ---- 风险提示 ----

TEST(RiskNotes, EmotionAndCategories) {
  const std::string text = "我都要气死了！再不管我就去跳楼，还要找记者";
  const EmotionResult e = Emotions().Detect(text);
  const std::vector<RiskHit> r = Risks().Detect(text);
  EXPECT_EQ(RiskNotes(e, r), (std::vector<std::string>{"情绪激动", "自伤倾向", "舆情"}));
  const std::vector<RiskHit> negated = Risks().Detect("我没有想不开");
  EXPECT_TRUE(RiskNotes(Emotions().Detect("谢谢"), negated).empty());
}

// ---- whole utterances through the demo data ----

EscalationDecision DecideText(std::string_view text, EscalationState* s,
                              TurnOutcome outcome = TurnOutcome::kResolved,
                              std::span<const EmotionLabel> history = {}) {
  const EmotionResult e = Emotions().Detect(text, history);
  const std::vector<RiskHit> r = Risks().Detect(text);
  EscalationInput in;
  in.outcome = outcome;
  in.emotion_levels = e.levels;
  in.risks = r;
  return DecideEscalation(in, s);
}

TEST(EndToEnd, SelfHarmHandsOver) {
  EscalationState s;
  const EscalationDecision d = DecideText("我真的不想活了", &s);
  EXPECT_EQ(d.reason, HandoffReason::kRisk);
  EXPECT_EQ(d.risk_category, "自伤倾向");
}

TEST(EndToEnd, ACrowdAndAHazardHandOver) {
  EscalationState s;
  EXPECT_EQ(DecideText("我们几十个工人明天去堵门", &s).risk_category, "群体性");
  EXPECT_EQ(DecideText("家里燃气味很重", &s).risk_category, "安全隐患");
  EXPECT_EQ(DecideText("有人被困电梯了", &s).risk_category, "危及生命");
}

TEST(EndToEnd, AngerAtHighHandsOverButMediumDoesNot) {
  EscalationState s;
  EXPECT_FALSE(DecideText("我很生气", &s).handoff);
  EXPECT_EQ(DecideText("我非常生气！", &s).reason, HandoffReason::kAnger);
  EXPECT_EQ(DecideText("都第三次打电话了，气死我了", &s).reason, HandoffReason::kAnger);
}

TEST(EndToEnd, RisingAngerOverTurns) {
  EscalationState s;
  const EmotionLabel before[] = {{Emotion::kAnger, Level::kMedium}};
  EXPECT_FALSE(DecideText("我很生气", &s).handoff);
  EXPECT_TRUE(DecideText("我很生气", &s, TurnOutcome::kResolved, before).handoff);
}

TEST(EndToEnd, NegatedRiskAndMediaThreatOnly) {
  EscalationState s;
  EXPECT_FALSE(DecideText("放心，我没有想不开", &s).handoff);
  EXPECT_FALSE(DecideText("我要发抖音曝光", &s).handoff);
  EXPECT_FALSE(DecideText("投诉", &s).handoff);
  EXPECT_FALSE(DecideText("社保卡怎么办", &s).handoff);
}

}  // namespace
}  // namespace zx::dialogue
