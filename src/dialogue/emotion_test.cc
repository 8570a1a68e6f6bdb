// Emotion and risk detection with the demo data (kb/emotions.toml, kb/risks.toml), and the
// loaders' errors on malformed data.
#include "dialogue/emotion.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
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

// "生气/高", or "-" for no emotion.
std::string Dominant(std::string_view text, std::span<const EmotionLabel> history = {}) {
  const EmotionResult r = Emotions().Detect(text, history);
  if (!r.dominant.any()) return "-";
  return std::string(EmotionName(r.dominant.emotion)) + "/" +
         std::string(LevelName(r.dominant.level));
}

// Everything detected, for failure messages.
std::string Explain(std::string_view text) {
  const EmotionResult r = Emotions().Detect(text);
  std::string s = std::string(text) + " ->";
  for (Emotion e : kAllEmotions)
    if (r.score(e) > 0)
      s += " " + std::string(EmotionName(e)) + "=" + std::to_string(r.score(e)).substr(0, 4);
  for (const CueHit& c : r.cues)
    s += " [" + std::string(text.substr(c.begin, c.end - c.begin)) + ":" +
         std::string(EmotionName(c.emotion)) + (c.negated ? ",neg" : "") + "]";
  return s;
}

// "自伤倾向:不想活了" for each hit not negated, "!" prefix for negated ones.
std::vector<std::string> RiskList(std::string_view text) {
  std::vector<std::string> out;
  for (const RiskHit& h : Risks().Detect(text))
    out.push_back((h.negated ? "!" : "") + h.category->name + ":" + h.phrase);
  return out;
}

using Strings = std::vector<std::string>;

// ---- names ----

TEST(EmotionNames, RoundTrip) {
  for (Emotion e : kAllEmotions) EXPECT_EQ(EmotionFromName(EmotionName(e)), e);
  EXPECT_EQ(EmotionFromName("开心"), std::nullopt);
  EXPECT_EQ(LevelFromName("中"), Level::kMedium);
  EXPECT_EQ(LevelFromName("很高"), std::nullopt);
  EXPECT_EQ(LevelName(Level::kNone), "");
}

TEST(EmotionData, LoadsALexiconOfAtLeast150Cues) {
  EXPECT_GE(Emotions().lexicon_size(), 150u);
  EXPECT_FALSE(Emotions().tone_rules().empty());
  EXPECT_EQ(Risks().categories().size(), 6u);
  for (const char* c : {"自伤倾向", "暴力", "群体性", "安全隐患", "危及生命", "舆情"})
    EXPECT_NE(Risks().Find(c), nullptr) << c;
}

// ---- each emotion at each level ----

struct Case {
  const char* text;
  const char* expected;
};

class EmotionLevels : public ::testing::TestWithParam<Case> {};

TEST_P(EmotionLevels, Dominant) {
  EXPECT_EQ(Dominant(GetParam().text), GetParam().expected) << Explain(GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    EachEmotionEachLevel, EmotionLevels,
    ::testing::Values(
        // 生气
        Case{"有点生气", "生气/低"}, Case{"你们这样办事真烦人", "生气/中"},
        Case{"我很生气", "生气/中"}, Case{"烦死了", "生气/中"}, Case{"我非常生气", "生气/高"},
        Case{"气死我了！！", "生气/高"},
        // 愤怒
        Case{"有点愤怒", "愤怒/低"}, Case{"这就是欺负人", "愤怒/中"},
        Case{"简直忍无可忍", "愤怒/高"}, Case{"你们这帮狗官", "愤怒/高"},
        // 失望
        Case{"有点失望", "失望/低"}, Case{"无语", "失望/低"}, Case{"真让人失望", "失望/中"},
        Case{"我对你们很失望", "失望/中"}, Case{"失望透了", "失望/高"},
        Case{"心寒，太失望了！", "失望/高"},
        // 焦虑
        Case{"有点担心", "焦虑/低"}, Case{"能不能快点", "焦虑/低"}, Case{"我很着急", "焦虑/中"},
        Case{"急死了", "焦虑/高"}, Case{"心急如焚", "焦虑/高"},
        // 悲伤
        Case{"唉", "悲伤/低"}, Case{"有点难过", "悲伤/低"}, Case{"我很伤心", "悲伤/中"},
        Case{"伤心死了", "悲伤/高"}, Case{"我真的很绝望", "悲伤/高"},
        // 恐慌
        Case{"有点害怕", "恐慌/低"}, Case{"我害怕", "恐慌/中"}, Case{"好吓人", "恐慌/中"},
        Case{"救命啊", "恐慌/高"}, Case{"吓死我了", "恐慌/高"},
        // 满意
        Case{"谢谢", "满意/低"}, Case{"非常感谢", "满意/中"}, Case{"很满意", "满意/中"},
        Case{"太好了，问题解决了，非常满意！", "满意/高"}));

// ---- negation ----

TEST(Negation, CancelsACue) {
  EXPECT_EQ(Dominant("我不生气"), "-") << Explain("我不生气");
  EXPECT_EQ(Dominant("我没有很生气"), "-") << Explain("我没有很生气");
  EXPECT_EQ(Dominant("不着急，慢慢来"), "-") << Explain("不着急，慢慢来");
  EXPECT_EQ(Dominant("我并不担心"), "-");
  EXPECT_EQ(Dominant("我没害怕"), "-");
  const EmotionResult r = Emotions().Detect("我不生气");
  ASSERT_EQ(r.cues.size(), 1u);
  EXPECT_TRUE(r.cues[0].negated);
  EXPECT_EQ(r.cues[0].strength, 0);
}

TEST(Negation, FlipsSatisfactionToDisappointment) {
  EXPECT_EQ(Dominant("不满意"), "失望/中") << Explain("不满意");
  EXPECT_EQ(Dominant("不太满意"), "失望/低") << Explain("不太满意");
  EXPECT_EQ(Dominant("非常不满意"), "失望/高") << Explain("非常不满意");
  EXPECT_EQ(Emotions().Detect("不满意").level(Emotion::kSatisfaction), Level::kNone);
  EXPECT_EQ(Dominant("对处理结果没有很满意"), "失望/低") << Explain("对处理结果没有很满意");
}

TEST(Negation, DoubleNegationAndDistance) {
  // "没有不满意": not dissatisfied -> nothing to soothe.
  EXPECT_EQ(Dominant("我没有不满意"), "-") << Explain("我没有不满意");
  // A negator far from the cue does not reach it.
  EXPECT_EQ(Dominant("没想到你们这么不负责任"), "生气/中") << Explain("没想到你们这么不负责任");
  EXPECT_EQ(Dominant("我没去过那里，很着急"), "焦虑/中") << Explain("我没去过那里，很着急");
  // Punctuation ends a negator's reach.
  EXPECT_EQ(Dominant("不是，我很生气"), "生气/中") << Explain("不是，我很生气");
  // 别人 is not a negator.
  EXPECT_EQ(Dominant("别人都很生气"), "生气/中") << Explain("别人都很生气");
}

// ---- intensifiers, exclamation, repetition ----

TEST(Intensity, IntensifiersRaiseAndDiminishersLower) {
  const double plain = Emotions().Detect("生气").score(Emotion::kAnger);
  const double very = Emotions().Detect("非常生气").score(Emotion::kAnger);
  const double bit = Emotions().Detect("有点生气").score(Emotion::kAnger);
  EXPECT_LT(bit, plain);
  EXPECT_LT(plain, very);
  EXPECT_EQ(Dominant("太过分了"), "生气/中") << Explain("太过分了");
  EXPECT_EQ(Dominant("太让人生气了"), "生气/高") << Explain("太让人生气了");
  EXPECT_EQ(Dominant("简直气人"), "生气/高") << Explain("简直气人");
  // Stacked intensifiers are capped.
  const double stacked = Emotions().Detect("真的非常特别极其生气").score(Emotion::kAnger);
  EXPECT_DOUBLE_EQ(stacked, 2.0 + 2.0) << Explain("真的非常特别极其生气");
}

TEST(Intensity, SuffixesAfterTheCue) {
  EXPECT_EQ(Dominant("失望透了"), "失望/高");
  EXPECT_GT(Emotions().Detect("烦死了").score(Emotion::kAnger),
            Emotions().Detect("烦死").score(Emotion::kAnger));
  EXPECT_EQ(Dominant("急得要命"), "焦虑/高") << Explain("急得要命");
}

TEST(Intensity, ExclamationMarksRaise) {
  EXPECT_EQ(Dominant("气死了"), "生气/中") << Explain("气死了");
  EXPECT_EQ(Dominant("气死了！"), "生气/高") << Explain("气死了！");
  EXPECT_EQ(Dominant("气死了!!!"), "生气/高");
  const double one = Emotions().Detect("着急!").score(Emotion::kAnxiety);
  const double three = Emotions().Detect("着急!!!").score(Emotion::kAnxiety);
  EXPECT_LT(Emotions().Detect("着急").score(Emotion::kAnxiety), one);
  EXPECT_LT(one, three);
  // Exclamation never creates an emotion.
  EXPECT_EQ(Dominant("我要投诉！！！"), "-");
  EXPECT_EQ(Dominant("谢谢！"), "满意/低");
}

TEST(Intensity, RepetitionRaises) {
  EXPECT_EQ(Dominant("气死了气死了"), "生气/高") << Explain("气死了气死了");
  EXPECT_EQ(Dominant("快点快点快点"), "焦虑/中") << Explain("快点快点快点");
  EXPECT_GT(Emotions().Detect("啊啊啊好烦").score(Emotion::kAnger),
            Emotions().Detect("好烦").score(Emotion::kAnger));
  EXPECT_EQ(Dominant("哈哈哈哈"), "-");
}

TEST(Intensity, QuestionMarkRunsAreAnnoyance) {
  EXPECT_EQ(Dominant("为什么还没处理？？？"), "生气/低") << Explain("为什么还没处理？？？");
  EXPECT_EQ(Dominant("为什么还没处理???"), "生气/低");
  EXPECT_EQ(Dominant("为什么还没处理？"), "-");
}

// ---- repeated contact ----

TEST(Contact, RepeatedCallsRaiseAngerAndDisappointment) {
  const EmotionResult r = Emotions().Detect("这都第三次打电话了");
  EXPECT_GT(r.score(Emotion::kAnger), 0) << Explain("这都第三次打电话了");
  EXPECT_GT(r.score(Emotion::kDisappointment), 0);
  EXPECT_EQ(Dominant("这都第三次打电话了"), "失望/低");
  EXPECT_EQ(Dominant("我打了好几次了"), "失望/低") << Explain("我打了好几次了");
  EXPECT_EQ(Dominant("都说了多少遍了"), "失望/低");
  EXPECT_EQ(Dominant("又是这样"), "失望/低");
  EXPECT_EQ(Dominant("一直没人管"), "失望/低");
  EXPECT_EQ(Dominant("第10次打过来了"), "失望/低") << Explain("第10次打过来了");
}

TEST(Contact, OnlyRepeatedOnesCount) {
  EXPECT_EQ(Dominant("我第一次打电话"), "-") << Explain("我第一次打电话");
  EXPECT_EQ(Dominant("打了一次电话"), "-");
}

TEST(Contact, CombinesWithAnger) {
  EXPECT_EQ(Dominant("打了好几次了，一直没人管，太气人了"), "生气/高")
      << Explain("打了好几次了，一直没人管，太气人了");
  EXPECT_EQ(Dominant("都第三次打电话了，气死我了"), "生气/高")
      << Explain("都第三次打电话了，气死我了");
}

// ---- context ----

TEST(Context, SameEmotionOnThePreviousTurnRaises) {
  const EmotionLabel angry[] = {{Emotion::kAnger, Level::kMedium}};
  EXPECT_EQ(Dominant("我很生气"), "生气/中");
  EXPECT_EQ(Dominant("我很生气", angry), "生气/高");
  // Its family too (生气 -> 愤怒).
  EXPECT_GT(Emotions().Detect("欺负人", angry).score(Emotion::kRage),
            Emotions().Detect("欺负人").score(Emotion::kRage));
  // A weak previous emotion, or none now: nothing.
  const EmotionLabel low[] = {{Emotion::kAnger, Level::kLow}};
  EXPECT_EQ(Dominant("我很生气", low), "生气/中");
  EXPECT_EQ(Dominant("社保卡怎么办", angry), "-");
}

// ---- neutral questions ----

TEST(Neutral, PolicyQuestionsCarryNoEmotion) {
  for (const char* q : {
           "社保卡怎么办",
           "社保卡怎么申领？",
           "失业金能领多少",
           "失业金一个月能领多少？",
           "急诊抢救能报销吗",
           "急诊抢救",
           "我要投诉物业",
           "投诉",
           "满意度调查是什么",
           "缴费不满十五年怎么办",
           "养老保险不满15年能领吗",
           "不满一年能领失业金吗",
           "帮我算了一下养老金",
           "别人能代办吗",
           "紧急情况怎么处理",
           "急性阑尾炎住院能报多少",
           "身份证丢了怎么补办",
           "参保人去世了家属能领什么？",
           "公司拖欠工资不发怎么办？",
           "第一次申请失业金要什么材料",
           "公司一直不跟我签劳动合同怎么办？",
           "没有了，再见",
           "没听清，你再说一遍",
           "怎么查医院是不是医保定点？",
           "灵活就业交养老保险一个月要交多少钱？",
           "交了几年失业保险能领几个月失业金？",
           "不满足条件怎么办",
           "社保卡丢了怎么办？",
           "我什么时候能退休？",
           "问题解决了吗",
           "楼下夜里一直很吵，噪音扰民",
           "工伤十级能拿多少补助？",
           "驾驶证快到期了怎么换？",
           "今天股票会涨吗？",
           "你好",
       }) {
    EXPECT_EQ(Dominant(q), "-") << Explain(q);
    EXPECT_TRUE(Risks().Detect(q).empty()) << q;
  }
}

TEST(Neutral, EmptyAndOddInput) {
  EXPECT_EQ(Dominant(""), "-");
  EXPECT_EQ(Dominant("   "), "-");
  EXPECT_EQ(Dominant("？！，。"), "-");
  EXPECT_EQ(Dominant("\xff\xfe生气"), "生气/中");
  EXPECT_EQ(Dominant("生\xe6"), "-");
  // Whitespace from a recogniser does not split a cue.
  EXPECT_EQ(Dominant("我 很 生 气"), "生气/中");
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "社保卡怎么办，";
  EXPECT_EQ(Dominant(big), "-");
}

TEST(Detect, ReportsCuesWithOffsets) {
  const std::string text = "我真的很着急！";
  const EmotionResult r = Emotions().Detect(text);
  ASSERT_FALSE(r.cues.empty());
  EXPECT_EQ(text.substr(r.cues[0].begin, r.cues[0].end - r.cues[0].begin), "着急");
  EXPECT_EQ(r.cues[0].emotion, Emotion::kAnxiety);
  EXPECT_EQ(r.dominant.emotion, Emotion::kAnxiety);
  EXPECT_EQ(r.levels[static_cast<int>(Emotion::kAnxiety)], r.dominant.level);
}

TEST(Detect, MixedEmotionsPickTheStrongest) {
  EXPECT_EQ(Dominant("谢谢，但是问题还是没解决"), "失望/中") << Explain("谢谢，但是问题还是没解决");
  const EmotionResult r = Emotions().Detect("谢谢，但是问题还是没解决");
  EXPECT_GT(r.score(Emotion::kSatisfaction), 0);
  // Ties: anger before disappointment.
  EXPECT_EQ(Dominant("过分，差劲"), "生气/低") << Explain("过分，差劲");
}

// ---- risks ----

TEST(Risk, EachCategory) {
  EXPECT_EQ(RiskList("我不想活了"), Strings{"自伤倾向:不想活了"});
  EXPECT_EQ(RiskList("活着没意思"), Strings{"自伤倾向:活着没意思"});
  EXPECT_EQ(RiskList("再不解决我就跳楼"), Strings{"自伤倾向:跳楼"});
  EXPECT_EQ(RiskList("我要去砍了他"), Strings{"暴力:要去砍"});
  EXPECT_EQ(RiskList("我迟早弄死他"), Strings{"暴力:弄死"});
  EXPECT_EQ(RiskList("大不了同归于尽"), Strings{"暴力:同归于尽"});
  EXPECT_EQ(RiskList("明天组织工友去堵门"), (Strings{"群体性:组织工友", "群体性:堵门"}));
  EXPECT_EQ(RiskList("我们几十个工人都没拿到工资"), Strings{"群体性:几十个工人"});
  EXPECT_EQ(RiskList("二十多个工人准备集体上访"),
            (Strings{"群体性:二十多个工人", "群体性:集体上访"}));
  EXPECT_EQ(RiskList("好多人一起去拉横幅"), (Strings{"群体性:好多人一起去", "群体性:拉横幅"}));
  EXPECT_EQ(RiskList("楼道里一股燃气味"), Strings{"安全隐患:燃气味"});
  EXPECT_EQ(RiskList("井盖丢了有人掉下去了"),
            (Strings{"安全隐患:井盖丢了", "安全隐患:有人掉下去"}));
  EXPECT_EQ(RiskList("电线冒火了"), Strings{"安全隐患:电线冒火"});
  EXPECT_EQ(RiskList("这楼要塌了"), Strings{"安全隐患:楼要塌"});
  EXPECT_EQ(RiskList("我被困电梯里了"), Strings{"危及生命:被困电梯"});
  EXPECT_EQ(RiskList("这里有人晕倒了"), Strings{"危及生命:有人晕倒"});
  EXPECT_EQ(RiskList("我呼吸不了"), Strings{"危及生命:呼吸不了"});
  EXPECT_EQ(RiskList("我要找记者曝光你们"), (Strings{"舆情:找记者", "舆情:曝光"}));
  EXPECT_EQ(RiskList("我要发抖音"), Strings{"舆情:发抖音"});
  EXPECT_EQ(RiskList("把这事发网上去"), Strings{"舆情:发网上"});
}

TEST(Risk, CategoriesCarryHandoffAndLabels) {
  for (const char* c : {"自伤倾向", "暴力", "群体性", "安全隐患", "危及生命"})
    EXPECT_TRUE(Risks().Find(c)->handoff) << c;
  EXPECT_FALSE(Risks().Find("舆情")->handoff);
  EXPECT_GT(Risks().Find("自伤倾向")->priority, Risks().Find("舆情")->priority);
  EXPECT_FALSE(Risks().Find("自伤倾向")->reason.empty());
}

TEST(Risk, NegatedPhrasesAreFlagged) {
  EXPECT_EQ(RiskList("我没有想不开"), Strings{"!自伤倾向:想不开"});
  EXPECT_EQ(RiskList("放心，我不会去找记者的"), Strings{"!舆情:找记者"});
  EXPECT_EQ(RiskList("家里没有煤气泄漏"), Strings{"!安全隐患:煤气泄漏"});
  EXPECT_EQ(RiskList("我不是要跳楼"), Strings{"!自伤倾向:跳楼"});
  // 别 / 不要 are not negators for risks: someone is about to.
  EXPECT_EQ(RiskList("快劝他别跳楼"), Strings{"自伤倾向:跳楼"});
  // A negator in an earlier clause, or too far away, does not reach.
  EXPECT_EQ(RiskList("没人管，我就去跳楼"), Strings{"自伤倾向:跳楼"});
  EXPECT_EQ(RiskList("没人管我就只能去跳楼"), Strings{"自伤倾向:跳楼"});
}

TEST(Risk, SafeWordsAndLookalikes) {
  EXPECT_TRUE(RiskList("商场跳楼价甩卖").empty());
  EXPECT_TRUE(RiskList("买菜砍价").empty());
  EXPECT_TRUE(RiskList("危房改造补贴怎么申请").empty());
  EXPECT_TRUE(RiskList("举报后被打击报复怎么办").empty());
  EXPECT_TRUE(RiskList("想死你了").empty());
  EXPECT_EQ(RiskList("路上井盖丢了很危险"), Strings{"安全隐患:井盖丢了"});
  const auto hits = Risks().Detect("我 不想活了");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].phrase, "不想活了");
  EXPECT_EQ(std::string("我 不想活了").substr(hits[0].begin, hits[0].end - hits[0].begin),
            "不想活了");
}

// ---- malformed data ----

constexpr const char* kMinimalEmotions = R"([scoring]
low = 1.0
medium = 2.0
high = 3.0
others = 0.5
max_boost = 2.0
intensifier_window = 2
exclamation = [0.5]
repeat_bonus = 0.5
char_run = 3
question_run = 2
question_emotion = "生气"
question_strength = 1.0
context_bonus = 0.5

[negation]
window = 2
softener = -0.5
words = ["不"]

[intensifiers]
"很" = 0.5

[suffixes]
"死了" = 1.0

[contact]
adds = { "生气" = 1.0 }
phrases = ["第#次打"]

[lexicon."生气"]
"生气" = 2.0

[reply]
shorter = ["生气"]
shorter_level = "中"
slower = ["焦虑"]
slower_level = "中"
)";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::string EmotionError(const std::string& text) {
  auto r = EmotionDetector::Parse(text, "emotions.toml");
  if (r.ok()) return "ok";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

TEST(EmotionMalformed, MinimalFileLoads) {
  auto r = EmotionDetector::Parse(kMinimalEmotions, "emotions.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Detect("我很生气").dominant, (EmotionLabel{Emotion::kAnger, Level::kMedium}));
}

TEST(EmotionMalformed, ErrorsNameFileAndLine) {
  // TOML syntax.
  EXPECT_EQ(EmotionError(Replace(kMinimalEmotions, "low = 1.0", "low = ")).substr(0, 16),
            "emotions.toml:2:");
  // An unknown emotion (line 31).
  std::string m =
      EmotionError(Replace(kMinimalEmotions, "[lexicon.\"生气\"]", "[lexicon.\"开心\"]"));
  EXPECT_NE(m.find("emotions.toml:31:"), std::string::npos) << m;
  EXPECT_NE(m.find("开心"), std::string::npos) << m;
  // A phrase listed twice names both lines.
  m = EmotionError(Replace(kMinimalEmotions, "\"生气\" = 2.0", "\"生气\" = 2.0\n\"很\" = 1.0"));
  EXPECT_NE(m.find("emotions.toml:33:"), std::string::npos) << m;
  EXPECT_NE(m.find("already listed at line 22"), std::string::npos) << m;
  // Thresholds out of order.
  m = EmotionError(Replace(kMinimalEmotions, "medium = 2.0", "medium = 5.0"));
  EXPECT_NE(m.find("emotions.toml:3:"), std::string::npos) << m;
  // An unknown key (a typo must not drop a rule silently).
  m = EmotionError(Replace(kMinimalEmotions, "softener = -0.5", "softner = -0.5"));
  EXPECT_NE(m.find("emotions.toml:18:"), std::string::npos) << m;
  EXPECT_NE(m.find("softner"), std::string::npos) << m;
  // A strength that is not a number, a level that is not 低/中/高, punctuation in a phrase.
  m = EmotionError(Replace(kMinimalEmotions, "\"生气\" = 2.0", "\"生气\" = \"很\""));
  EXPECT_NE(m.find("emotions.toml:32:"), std::string::npos) << m;
  m = EmotionError(Replace(kMinimalEmotions, "shorter_level = \"中\"", "shorter_level = \"很\""));
  EXPECT_NE(m.find("emotions.toml:36:"), std::string::npos) << m;
  m = EmotionError(Replace(kMinimalEmotions, "\"生气\" = 2.0", "\"生气！\" = 2.0"));
  EXPECT_NE(m.find("emotions.toml:32:"), std::string::npos) << m;
  EXPECT_NE(m.find("punctuation"), std::string::npos) << m;
  // A missing section.
  m = EmotionError(Replace(kMinimalEmotions, "[suffixes]\n\"死了\" = 1.0\n", ""));
  EXPECT_NE(m.find("[suffixes] is missing"), std::string::npos) << m;
}

TEST(EmotionMalformed, MissingFileIsNotFound) {
  auto r = EmotionDetector::Load("/nonexistent/emotions.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/emotions.toml"), std::string::npos);
}

constexpr const char* kMinimalRisks = R"([negation]
window = 2
words = ["没有"]

[[category]]
name = "自伤倾向"
label = "自伤倾向"
handoff = true
priority = 3
reason = "来电人流露自伤倾向"
phrases = ["不想活了"]

[[category]]
name = "舆情"
label = "舆情"
handoff = false
priority = 1
reason = "注意舆情"
phrases = ["找记者"]
)";

std::string RiskError(const std::string& text) {
  auto r = RiskDetector::Parse(text, "risks.toml");
  if (r.ok()) return "ok";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

TEST(RiskMalformed, ErrorsNameFileAndLine) {
  EXPECT_EQ(RiskError(kMinimalRisks), "ok");
  std::string m = RiskError(Replace(kMinimalRisks, "handoff = true", "handoff = \"yes\""));
  EXPECT_NE(m.find("risks.toml:8:"), std::string::npos) << m;
  m = RiskError(Replace(kMinimalRisks, "phrases = [\"找记者\"]", "phrases = [\"不想活了\"]"));
  EXPECT_NE(m.find("risks.toml:19:"), std::string::npos) << m;
  EXPECT_NE(m.find("already listed at line 11"), std::string::npos) << m;
  m = RiskError(Replace(kMinimalRisks, "reason = \"注意舆情\"\n", ""));
  EXPECT_NE(m.find("risks.toml:13:"), std::string::npos) << m;
  EXPECT_NE(m.find("reason is missing"), std::string::npos) << m;
  m = RiskError(Replace(kMinimalRisks, "name = \"舆情\"", "name = \"自伤倾向\""));
  EXPECT_NE(m.find("defined twice"), std::string::npos) << m;
  m = RiskError(Replace(kMinimalRisks, "phrases = [\"找记者\"]", "phrases = [\"#\"]"));
  EXPECT_NE(m.find("risks.toml:19:"), std::string::npos) << m;
  m = RiskError(Replace(kMinimalRisks, "window = 2", "window = [2"));
  EXPECT_EQ(m.substr(0, 13), "risks.toml:3:") << m;
  m = RiskError(Replace(kMinimalRisks, "[[category]]", "[[categorie]]"));
  EXPECT_NE(m.find("unknown key 'categorie'"), std::string::npos) << m;
}

// ---- risk concepts: dangers in ordinary words (issue 11 item 5) ----

// Categories heard (not negated, handing over), for the concept tests.
std::string Danger(std::string_view text) {
  std::string out;
  for (const RiskHit& h : Risks().Detect(text))
    if (!h.negated && h.category->handoff) out += (out.empty() ? "" : " ") + h.category->name;
  return out;
}

TEST(RiskConcept, TheIssueExamples) {
  EXPECT_EQ(Danger("已经有个骑电动车的摔倒了，头都流血了"), "危及生命 危及生命");
  EXPECT_EQ(Danger("井盖也没了"), "安全隐患");
  EXPECT_EQ(Danger("井盖没了"), "安全隐患");
}

TEST(RiskConcept, PartsWithAGapInOneClause) {
  EXPECT_EQ(Danger("路口那个井盖好几天前就被人偷了"), "安全隐患");
  EXPECT_EQ(Danger("厨房的燃气灶一直嘶嘶响"), "安全隐患");
  EXPECT_EQ(Danger("老房子的墙体裂开了"), "安全隐患");
  // Too far apart, or in another clause: nothing.
  EXPECT_EQ(Danger("井盖的事上个月我们居委会开会讨论了很久，大家说没了"), "");
  EXPECT_EQ(Danger("燃气，我上次打电话问过，泄漏"), "");
}

TEST(RiskConcept, NegatedLikePhrases) {
  EXPECT_EQ(RiskList("没有人受伤"), Strings{"!危及生命:受伤"});
  EXPECT_EQ(Danger("幸好没人受伤"), "");
  EXPECT_EQ(Danger("井盖没有丢，就是有点响"), "");
  EXPECT_EQ(Danger("不是着火，是邻居在烧烤"), "");
}

TEST(RiskConcept, NearMissesAreOrdinary) {
  for (const char* q :
       {"火车票怎么退", "电费在哪里交", "燃气费缴纳有哪些渠道", "游泳馆开放时间", "医保报销住院",
        "工作中受伤了怎么认定工伤", "加装电梯有补贴吗", "电动车上牌在哪里办", "消防员招聘条件"})
    EXPECT_EQ(Danger(q), "") << q;
}

TEST(RiskConcept, LoaderErrors) {
  const std::string base =
      "[negation]\nwindow = 2\nwords = [\"没\"]\n[[category]]\nname = \"危及生命\"\n"
      "label = \"危及生命\"\nhandoff = true\npriority = 1\nreason = \"r\"\n"
      "phrases = [\"救命\"]\n";
  auto ok = RiskDetector::Parse(base +
                                    "[variants]\n\"伤\" = [\"受伤\"]\n[[concept]]\n"
                                    "name = \"c\"\ncategory = \"危及生命\"\n"
                                    "parts = [[\"@伤\"]]\n",
                                "risks.toml");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->Detect("有人受伤").size(), 1u);
  auto unknown = RiskDetector::Parse(
      base + "[[concept]]\nname = \"c\"\ncategory = \"火\"\nparts = [[\"着火\"]]\n", "risks.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown category '火'"), std::string::npos);
  auto group = RiskDetector::Parse(base +
                                       "[[concept]]\nname = \"c\"\ncategory = \"危及生命\"\n"
                                       "parts = [[\"@无\"]]\n",
                                   "risks.toml");
  ASSERT_FALSE(group.ok());
  EXPECT_NE(group.status().message().find("no [variants] group '@无'"), std::string::npos);
}

// The measured set (tests/dialogue/risk_sentences.tsv, also read by bench/dialogue/risk_bench):
// danger recognised in at least 95% of the danger sentences, at most 2% of the harmless ones
// flagged.
TEST(RiskConcept, SentenceSetMeetsTheBars) {
  std::ifstream in(std::string(ZX_SOURCE_DIR) + "/tests/dialogue/risk_sentences.tsv");
  ASSERT_TRUE(in.good());
  int dangers = 0, caught = 0, harmless = 0, flagged = 0;
  std::string line, misses;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t a = line.find('\t'), b = line.find('\t', a + 1);
    ASSERT_NE(b, std::string::npos) << line;
    const bool danger = line.substr(0, a) == "danger";
    const std::string text = line.substr(b + 1);
    const bool hit = !Danger(text).empty();
    if (danger) {
      ++dangers;
      caught += hit;
      if (!hit) misses += " [miss] " + text;
    } else {
      ++harmless;
      flagged += hit;
      if (hit) misses += " [false] " + text;
    }
  }
  EXPECT_GE(dangers, 100);
  EXPECT_GE(harmless, 100);
  EXPECT_GE(caught * 100, dangers * 95) << misses;
  EXPECT_LE(flagged * 100, harmless * 2) << misses;
}

// ---- speed ----

TEST(Speed, UnderTwentyMicrosecondsPerUtterance) {
  const std::vector<std::string> lines = {
      "灵活就业交养老保险一个月要交多少钱？",
      "我都第三次打电话了，你们到底管不管，气死我了！！",
      "谢谢你，问题解决了，非常满意",
      "公司拖欠了我们几十个工人三个月工资，再不给我们就去堵门",
      "我不太满意这个处理结果，说了多少遍了还是没解决",
      "家里有很重的燃气味，我很害怕，怎么办怎么办",
  };
  const int kRounds = 3000;
  size_t sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i)
    for (const auto& l : lines) {
      sink += Emotions().Detect(l).cues.size();
      sink += Risks().Detect(l).size();
    }
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      (kRounds * lines.size());
  std::printf("emotion+risk detection: %.2f us per utterance\n", us);
  EXPECT_GT(sink, 0u);
#ifdef NDEBUG
  EXPECT_LT(us, 20.0);
#endif
}

}  // namespace
}  // namespace zx::dialogue
