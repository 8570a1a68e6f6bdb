#include "voice/spoken_reply.h"

#include <gtest/gtest.h>

#include <numeric>

#include "telephony/espeak_synthesizer.h"
#include "telephony/prompt_player.h"
#include "telephony/speech_text.h"

namespace zx::voice {
namespace {

// A calculator's reply as dialogue/flow.cc writes it.
const char* const kInpatient =
    "住院报销测算：\n"
    "起付线：三级医院1000元\n"
    "报销比例（本地）：甲类85%，乙类75%\n"
    "甲类：(15000 − 1000) × 85% = 11900.00元\n"
    "乙类：先行自付10%，4000 × (1 − 10%) = 3600.00元；3600.00 × 75% = 2700.00元\n"
    "丙类（自费）1000元：不予报销\n"
    "合计：11900.00 + 2700.00 = 14600.00元\n"
    "个人负担：20000 − 14600.00 = 5400.00元\n"
    "结果：预计可报销14600.00元，个人负担5400.00元。\n"
    "说明：丙类（自费）费用按住院总费用推算为1000元。\n"
    "以上按医保定点医疗机构、在本地就医计算，如有不同请告诉我。\n"
    "依据：示例市职工医保住院：起付线三级医院1000元、二级800元、一级500元；甲类费用超过起付线部分"
    "报销85%（三级）、88%（二级）、90%（一级）；乙类费用先行自付10%后报销75%、78%、80%；临时外出"
    "就医已备案降低5个百分点，未备案降低10个百分点；丙类（自费）不报销；统筹基金年度最高支付400000"
    "元；非定点机构不报销（急诊抢救除外）（示例市医疗保障局）";

TEST(SpokenReply, ACalculationSaysTheResultFirstAndOffersTheWorkingOnKey1) {
  SpokenReply r = SpokenForm(kInpatient);
  EXPECT_EQ(r.say,
            "住院报销测算结果：预计可报销14600.00元，个人负担5400.00元。"
            "说明：丙类（自费）费用按住院总费用推算为1000元。要听计算过程请按1。");
  EXPECT_EQ(telephony::PrepareForSpeech(r.say, nullptr),
            "住院报销测算结果：预计可报销一万四千六百元，个人负担五千四百元。"
            "说明：丙类（自费）费用按住院总费用推算为一千元。要听计算过程请按一。");
  // What did not fit in 20 s is in the full text.
  EXPECT_NE(r.more.find("以上按医保定点医疗机构"), std::string::npos);
  // The full text: the working and the result, the 依据 line shortened to its source.
  EXPECT_NE(r.more.find("甲类：(15000 − 1000) × 85% = 11900.00元"), std::string::npos);
  EXPECT_EQ(r.more.find("依据："), std::string::npos);
  EXPECT_NE(r.more.find("\n依据示例市医疗保障局的规定。"), std::string::npos);
  EXPECT_EQ(r.say.find("短信"), std::string::npos);  // no SMS gateway, no SMS promised
}

TEST(SpokenReply, AssumptionsThatDoNotFitAreLeftToTheFullText) {
  SpokenOptions o;
  o.max_seconds = 12;
  SpokenReply r = SpokenForm(kInpatient, o);
  EXPECT_EQ(r.say,
            "住院报销测算结果：预计可报销14600.00元，个人负担5400.00元。要听计算过程请按1。");
  EXPECT_NE(r.more.find("以上按医保定点医疗机构"), std::string::npos);
}

TEST(SpokenReply, ARecomputationKeepsItsAcknowledgement) {
  SpokenReply r = SpokenForm(
      "好的，按乙类5000元重新计算。\n加班费测算：\n工作日：100 × 150% = 150.00元\n"
      "结果：加班费150.00元。\n依据：规则（示例市人社局）");
  EXPECT_EQ(r.say,
            "好的，按乙类5000元重新计算。加班费测算结果：加班费150.00元。要听计算过程请按1。");
  EXPECT_EQ(r.more,
            "好的，按乙类5000元重新计算。\n加班费测算：\n工作日：100 × 150% = 150.00元\n"
            "结果：加班费150.00元。\n依据示例市人社局的规定。");
}

TEST(SpokenReply, AShortAnswerIsSaidWholeWithoutItsCitation) {
  SpokenReply r = SpokenForm("可以在医保APP上办理。\n（依据：示例市医疗保障局《新生儿参加医保》）");
  EXPECT_EQ(r.say, "可以在医保APP上办理。");
  EXPECT_EQ(r.more, "");
}

TEST(SpokenReply, ALongAnswerIsCutAtASentenceAndTheRestOfferedOnKey1) {
  std::string body;
  for (int i = 0; i < 12; ++i)
    body += "第" + std::to_string(i + 1) + "步，带上身份证和户口本到窗口办理。";
  SpokenReply r = SpokenForm(body + "\n（依据：某局《某办法》）");
  EXPECT_EQ(r.more, body);
  EXPECT_TRUE(r.say.size() > 10 && r.say.size() < body.size());
  EXPECT_EQ(r.say.substr(r.say.size() - std::string("。要听完整内容请按1。").size()),
            "。要听完整内容请按1。");
  EXPECT_LE(SpeechSeconds(r.say, SpokenOptions().chars_per_second), 20.0);
}

TEST(SpokenReply, SmsIsOfferedOnlyWhenConfigured) {
  SpokenOptions o;
  o.sms_offer = "需要短信发送完整内容请按2。";
  SpokenReply r = SpokenForm(kInpatient, o);
  EXPECT_EQ(r.say.substr(r.say.size() -
                         std::string("要听计算过程请按1。需要短信发送完整内容请按2。").size()),
            "要听计算过程请按1。需要短信发送完整内容请按2。");
}

// The bar of issue 11: a calculation's spoken reply lasts at most 25 s at the synthesiser's
// rate, measured by synthesising it (espeak-ng, as a call does: sentence by sentence).
double SynthesisedSeconds(telephony::SpeechSynthesizer& tts, const std::string& text) {
  size_t samples = 0;
  for (const std::string& s :
       telephony::PromptPlayer::SplitSentences(telephony::PrepareForSpeech(text, nullptr))) {
    auto pcm = tts.Synthesize(s);
    EXPECT_TRUE(pcm.ok()) << pcm.status().ToString();
    if (pcm.ok()) samples += (*pcm)->size();
  }
  return samples / 8000.0;
}

TEST(SpokenReply, ACalculationIsSaidWithin25SecondsAtTheSynthesisersRate) {
  auto tts = telephony::EspeakSynthesizer::Create();
  ASSERT_TRUE(tts.ok()) << tts.status().ToString();
  SpokenReply r = SpokenForm(kInpatient);
  double spoken = SynthesisedSeconds(**tts, r.say);
  double whole = SynthesisedSeconds(**tts, kInpatient);
  std::cout << "spoken form " << spoken << " s, whole reply " << whole << " s\n";
  EXPECT_LE(spoken, 25.0);
  EXPECT_GT(whole, spoken);
  // The estimate the form is cut by stays close to the real rate (within 25%).
  double estimated = SpeechSeconds(r.say, SpokenOptions().chars_per_second);
  std::cout << "estimated " << estimated << " s\n";
  EXPECT_NEAR(estimated, spoken, spoken * 0.25);
}

// `zhixian speech prepare`'s lines: \n written out stands for a line break.
TEST(SpokenLine, ReadsEscapedLineBreaks) {
  EXPECT_EQ(SpokenLine("结果：预计可报销100元。\\n依据：示例"),
            telephony::PrepareForSpeech(SpokenForm("结果：预计可报销100元。\n依据：示例").say));
  EXPECT_EQ(SpokenLine("a\\x"), telephony::PrepareForSpeech(SpokenForm("a\\x").say));
}

}  // namespace
}  // namespace zx::voice
