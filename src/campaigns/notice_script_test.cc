// The script of a campaign call (campaigns/notice_script.h) over the shipped scenarios
// (kb/campaigns/scenarios.toml): each scenario's words for one record, the merge of several
// notices (order, count words), the masked 称呼, the SMS, missing fields, the speech safety of
// everything the call says (no ASCII after telephony::PrepareForSpeech, with and without the
// lexicon; six notices under ~45 s), and the loader's errors on the scripts.
#include "campaigns/notice_script.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "base/file.h"
#include "telephony/espeak_synthesizer.h"
#include "telephony/prompt_player.h"
#include "telephony/speech_text.h"
#include "text/utf8.h"

namespace zx::campaigns {
namespace {

const std::string kScenarios = std::string(ZX_SOURCE_DIR) + "/kb/campaigns/scenarios.toml";
const std::string kLexicon = std::string(ZX_SOURCE_DIR) + "/kb/speech_words.tsv";

const ScenarioTable& Table() {
  static const ScenarioTable table = [] {
    auto t = ScenarioTable::Load(kScenarios);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return std::move(t).value();
  }();
  return table;
}

// A realistic record of each scenario (as the import leaves it: normalised, fields read).
TargetRecord Record(const std::string& scenario, size_t line) {
  TargetRecord r;
  r.line = line;
  r.scenario = scenario;
  r.name = "张三丰";
  r.gender = "男";
  r.phone = "13812345678";
  r.id_number = "110101199003078515";
  if (scenario == "ob.overdue") {
    r.days_overdue = "15";
    r.days = 15;
    r.amount_due = "1,234.50";
    r.amount_fen = 123450;
  }
  if (scenario != "ob.new_enrollee" && scenario != "ob.card_ready") {
    r.deadline = "2026-12-31";
    r.due_by = tickets::Date{2026, 12, 31};
  }
  if (scenario == "ob.transfer") r.previous_place = "杭州市";
  if (scenario == "ob.material_missing") r.missing_materials = "身份证复印件\n户口本";
  if (scenario == "ob.material_missing" || scenario == "ob.card_ready") {
    r.application_no = "SQ2026120100123";
  }
  return r;
}

PlannedCall Call(const std::vector<std::string>& scenarios, std::string name = "张三丰",
                 std::string gender = "男") {
  PlannedCall call;
  call.id_number = "110101199003078515";
  call.name = name;
  call.gender = gender;
  call.phone = "13812345678";
  size_t line = 2;
  for (const std::string& s : scenarios) {
    TargetRecord r = Record(s, line++);
    r.name = name;
    r.gender = gender;
    call.notices.push_back(r);
  }
  return call;
}

CallScript Render(const PlannedCall& call, ScriptOptions options = {}) {
  auto script = RenderCallScript(call, Table(), options);
  EXPECT_TRUE(script.ok()) << script.status().message();
  return script.ok() ? *script : CallScript{};
}

const std::vector<std::string> kAll = {"ob.new_enrollee",     "ob.overdue",    "ob.transfer",
                                       "ob.material_missing", "ob.card_ready", "ob.iit_reminder"};
constexpr std::string_view kConfirm = "确认收到请按1，重听请按9。";

TEST(NoticeScriptTest, EachScenarioAlone) {
  const std::pair<std::string, std::string> expected[] = {
      {"ob.new_enrollee", "您已参保，请申领社保卡。"},
      {"ob.overdue", "社保费欠缴1234.50元，请12月31日前缴纳。"},
      {"ob.transfer", "社保已从杭州市转入，请12月31日前续缴。"},
      {"ob.material_missing", "申请缺身份证复印件、户口本，请12月31日前在一网通办补交。"},
      {"ob.card_ready", "社保卡已制好，请带身份证领取。"},
      {"ob.iit_reminder", "请12月31日前确认个税扣除。"},
  };
  for (const auto& [scenario, say] : expected) {
    CallScript s = Render(Call({scenario}));
    EXPECT_EQ(s.notice, say + std::string(kConfirm)) << scenario;
    EXPECT_EQ(s.identity,
              "您好，这里是示例市12345政务服务热线。请问您是张*先生吗？是本人请按1，不是请按2，"
              "现在不方便请按3。")
        << scenario;
    EXPECT_EQ(s.scenarios, std::vector<std::string>{scenario});
    EXPECT_EQ(s.wrong_party, "打扰了，再见。");
    EXPECT_EQ(s.later, "好的，我们稍后再联系您，再见。");
  }
}

TEST(NoticeScriptTest, AgentWordsOnlyWithAnAgentLine) {
  EXPECT_EQ(Render(Call({"ob.card_ready"}), {.agent_line = true}).notice,
            "社保卡已制好，请带身份证领取。确认收到请按1，重听请按9。转人工请按0。");
  EXPECT_EQ(Render(Call({"ob.card_ready"})).notice.find("转人工"), std::string::npos);
}

TEST(NoticeScriptTest, SeveralNoticesMergedInOrderThenLines) {
  // The file's order: card first, then overdue; overdue (order 2) is said before the card (5).
  CallScript two = Render(Call({"ob.card_ready", "ob.overdue"}));
  EXPECT_EQ(two.notice,
            "您有两件事需要办理：第一，社保费欠缴1234.50元，请12月31日前缴纳；第二，社保卡已制好，"
            "请带身份证领取。确认收到请按1，重听请按9。");
  EXPECT_EQ(two.scenarios, (std::vector<std::string>{"ob.overdue", "ob.card_ready"}));

  CallScript three = Render(Call({"ob.new_enrollee", "ob.iit_reminder", "ob.material_missing"}));
  EXPECT_TRUE(three.notice.starts_with("您有三件事需要办理：第一，申请缺"));
  EXPECT_EQ(three.scenarios, (std::vector<std::string>{"ob.material_missing", "ob.iit_reminder",
                                                       "ob.new_enrollee"}));
  EXPECT_NE(three.notice.find("；第三，您已参保，请申领社保卡。确认收到"), std::string::npos);

  CallScript all = Render(Call(kAll));
  EXPECT_TRUE(all.notice.starts_with("您有六件事需要办理：第一，"));
  EXPECT_EQ(all.scenarios,
            (std::vector<std::string>{"ob.material_missing", "ob.overdue", "ob.transfer",
                                      "ob.iit_reminder", "ob.card_ready", "ob.new_enrollee"}));
  EXPECT_NE(all.notice.find("；第六，"), std::string::npos);
  // Each item's own '。' gives way to the separator: one '。' before the confirmation only.
  EXPECT_NE(all.notice.find("领取；第六，"), std::string::npos);
}

TEST(NoticeScriptTest, EqualRanksKeepTheFilesOrder) {
  // A deployment ranks the card with the overdue contributions (order 2 both).
  std::string text = ReadFile(kScenarios).value();
  size_t at = text.find("order = 5\n");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 9, "order = 2");
  auto table = ScenarioTable::Parse(text, "scenarios.toml");
  ASSERT_TRUE(table.ok()) << table.status().message();
  auto card_first = RenderCallScript(Call({"ob.card_ready", "ob.overdue"}), *table, {});
  ASSERT_TRUE(card_first.ok());
  EXPECT_EQ(card_first->scenarios, (std::vector<std::string>{"ob.card_ready", "ob.overdue"}));
  auto overdue_first = RenderCallScript(Call({"ob.overdue", "ob.card_ready"}), *table, {});
  ASSERT_TRUE(overdue_first.ok());
  EXPECT_EQ(overdue_first->scenarios, (std::vector<std::string>{"ob.overdue", "ob.card_ready"}));
}

TEST(NoticeScriptTest, SalutationByGenderAndCompoundSurnames) {
  const ScriptWords& w = Table().script();
  EXPECT_EQ(Salutation("张三", "男", w), "张*先生");
  EXPECT_EQ(Salutation("李四娘", "女", w), "李*女士");
  EXPECT_EQ(Salutation("王五", "", w), "王*");
  EXPECT_EQ(Salutation("王五", "未知", w), "王*");
  EXPECT_EQ(Salutation("欧阳娜娜", "女", w), "欧阳*女士");
  EXPECT_EQ(Salutation("司马光", "男", w), "司马*先生");
  EXPECT_EQ(Salutation("欧阳", "男", w), "欧*先生");  // two characters: 欧 and 阳
  EXPECT_EQ(Salutation("张", "男", w), "张*先生");
  EXPECT_EQ(Salutation("John Smith", "男", w), "机主");
  // In the script too, and nothing of the name beyond the surname anywhere.
  CallScript s = Render(Call({"ob.overdue"}, "诸葛亮明", "女"));
  EXPECT_EQ(s.salutation, "诸葛*女士");
  EXPECT_NE(s.identity.find("请问您是诸葛*女士吗？"), std::string::npos);
  for (const std::string* text : {&s.identity, &s.notice, &s.sms}) {
    EXPECT_EQ(text->find("亮明"), std::string::npos) << *text;
  }
}

TEST(NoticeScriptTest, IdentitySaysNothingOfTheMatter) {
  CallScript s = Render(Call(kAll));
  for (std::string_view word :
       {"社保", "逾期", "申请", "1234.50", "2026年", "杭州", "个税", "材料"}) {
    EXPECT_EQ(s.identity.find(word), std::string::npos) << word;
    EXPECT_EQ(s.wrong_party.find(word), std::string::npos) << word;
    EXPECT_EQ(s.later.find(word), std::string::npos) << word;
  }
}

TEST(NoticeScriptTest, OneSmsForAllNotices) {
  EXPECT_EQ(Render(Call({"ob.card_ready"})).sms,
            "【示例市12345】张*先生您好：您的社保卡（申请编号SQ2026120100123）已制作完成，请携带"
            "身份证到申领网点领取。如有疑问请拨打12345。");
  EXPECT_EQ(Render(Call({"ob.card_ready", "ob.transfer"}, "李四", "女")).sms,
            "【示例市12345】李*女士您好：第一，您的社会保险关系已从杭州市转入示例市，请在30天内"
            "（2026年12月31日前）办理接续缴费；第二，您的社保卡（申请编号SQ2026120100123）已制作"
            "完成，请携带身份证到申领网点领取。如有疑问请拨打12345。");
}

TEST(NoticeScriptTest, MissingOrUnreadableFieldIsAnErrorNamingIt) {
  PlannedCall call = Call({"ob.card_ready", "ob.overdue"});
  call.notices[1].amount_fen.reset();  // "1,234.50" that could not be read
  auto s = RenderCallScript(call, Table(), {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.status().message(), "line 3 ob.overdue: 应缴金额 is empty or cannot be read");

  call = Call({"ob.card_ready"});
  call.notices[0].application_no.clear();
  s = RenderCallScript(call, Table(), {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("申请编号"), std::string::npos);

  call = Call({"ob.card_ready"});
  call.notices[0].scenario = "ob.pension";
  s = RenderCallScript(call, Table(), {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("unknown scenario 'ob.pension'"), std::string::npos);

  call.notices.clear();
  EXPECT_FALSE(RenderCallScript(call, Table(), {}).ok());
}

// No ASCII may reach the synthesiser: every scenario alone, pairs, and all six merged, with the
// shipped lexicon (codes' letters spelt) and without one (letters dropped, digits kept).
TEST(NoticeScriptTest, EverythingSaidIsSpeakable) {
  auto lexicon = telephony::SpeechLexicon::Load(kLexicon);
  ASSERT_TRUE(lexicon.ok()) << lexicon.status().message();
  std::vector<PlannedCall> calls;
  for (const std::string& s : kAll) calls.push_back(Call({s}));
  for (size_t i = 0; i + 1 < kAll.size(); ++i) calls.push_back(Call({kAll[i], kAll[i + 1]}));
  calls.push_back(Call(kAll));
  calls.push_back(Call(kAll, "欧阳娜娜", "女"));
  calls.push_back(Call({"ob.overdue"}, "王五", ""));
  for (const PlannedCall& call : calls) {
    for (bool agent : {false, true}) {
      CallScript s = Render(call, {.agent_line = agent});
      for (const std::string* text : {&s.identity, &s.notice, &s.wrong_party, &s.later}) {
        const telephony::SpeechLexicon* none = nullptr;
        const telephony::SpeechLexicon* shipped = &*lexicon;
        for (const telephony::SpeechLexicon* l : {shipped, none}) {
          std::string speech = telephony::PrepareForSpeech(*text, l);
          EXPECT_FALSE(telephony::HasAsciiForSpeech(speech)) << *text << "\n -> " << speech;
          EXPECT_FALSE(speech.empty());
        }
      }
    }
  }
  // What the numbers become (the speech preparation's job, checked here on the real words).
  std::string overdue = telephony::PrepareForSpeech(Render(Call({"ob.overdue"})).notice, nullptr);
  EXPECT_EQ(overdue,
            "社保费欠缴一千二百三十四元五角，请十二月三十一日前缴纳。"
            "确认收到请按一，重听请按九。");
}

// Six notices merged (the most a person can have) stay under ~45 s, agent words aside: measured
// by synthesising them as a call does (espeak-ng, sentence by sentence), and estimated from the
// characters of prepared speech at ~3.5 a second (the estimate errs long: espeak-ng says about
// 3.7 here).
TEST(NoticeScriptTest, SixNoticesFitInFortyFiveSeconds) {
  auto tts = telephony::EspeakSynthesizer::Create();
  ASSERT_TRUE(tts.ok()) << tts.status().ToString();
  for (bool agent : {false, true}) {
    CallScript s = Render(Call(kAll), {.agent_line = agent});
    std::string speech = telephony::PrepareForSpeech(s.notice, nullptr);
    size_t chars = text::utf8::CountCodePoints(speech);
    size_t samples = 0;
    for (const std::string& sentence : telephony::PromptPlayer::SplitSentences(speech)) {
      auto pcm = (*tts)->Synthesize(sentence);
      ASSERT_TRUE(pcm.ok()) << pcm.status().ToString();
      samples += (*pcm)->size();
    }
    double seconds = samples / 8000.0;
    std::cout << "six notices" << (agent ? " + agent words" : "") << ": " << chars
              << " characters (" << chars / 3.5 << " s at 3.5/s), " << seconds
              << " s synthesised\n";
    // The agent words (转人工请按零) add two seconds to whatever the notices take.
    double limit = agent ? 47.0 : 45.0;
    EXPECT_LE(seconds, limit) << speech;
    EXPECT_LE(chars / 3.5, limit + 3.0) << speech;
  }
}

// The loader's errors on the scripts: each names the file and line.
class ScenarioScriptErrorsTest : public ::testing::Test {
 protected:
  static std::string Shipped() { return ReadFile(kScenarios).value(); }
  // The error of the shipped file with `from` (which must be in it) replaced by `to`.
  static std::string ErrorWith(const std::string& from, const std::string& to) {
    std::string text = Shipped();
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at == std::string::npos) return "";
    text.replace(at, from.size(), to);
    auto t = ScenarioTable::Parse(text, "scenarios.toml");
    EXPECT_FALSE(t.ok()) << to;
    return t.ok() ? "" : std::string(t.status().message());
  }
  static size_t LineOf(const std::string& what) {
    std::string text = Shipped();
    size_t at = text.find(what);
    return static_cast<size_t>(std::count(text.begin(), text.begin() + at, '\n')) + 1;
  }
};

TEST_F(ScenarioScriptErrorsTest, ShippedFileLoads) {
  auto t = ScenarioTable::Parse(Shipped(), "scenarios.toml");
  ASSERT_TRUE(t.ok()) << t.status().message();
  for (const Scenario& s : t->scenarios()) {
    EXPECT_FALSE(s.say.empty()) << s.id;
    EXPECT_FALSE(s.sms.empty()) << s.id;
  }
}

TEST_F(ScenarioScriptErrorsTest, UnknownPlaceholder) {
  const std::string say = "say = \"请{截止日期}前确认个税扣除。\"";
  size_t line = LineOf(say);
  std::string e = ErrorWith(say, "say = \"请{截至日期}前确认。\"");
  EXPECT_EQ(e, "scenarios.toml:" + std::to_string(line) +
                   ": the say of 'ob.iit_reminder': unknown placeholder {截至日期}");
  e = ErrorWith("identity = \"请问您是{称呼}吗？", "identity = \"请问您是{姓名}吗？");
  EXPECT_NE(e.find("[script] identity: unknown placeholder {姓名}"), std::string::npos) << e;
  e = ErrorWith("say = \"请{截止日期}前确认", "say = \"请{截止日期前确认");
  EXPECT_NE(e.find("without its '}'"), std::string::npos) << e;
}

TEST_F(ScenarioScriptErrorsTest, FieldTheScenarioDoesNotNeed) {
  const std::string say = "say = \"社保卡已制好，请带身份证领取。\"";
  size_t line = LineOf(say);
  std::string e = ErrorWith(say, "say = \"{称呼}，社保卡已制好，请于{截止日期}前领取。\"");
  EXPECT_EQ(e, "scenarios.toml:" + std::to_string(line) +
                   ": the say of 'ob.card_ready' says {截止日期} but does not list it in 'needs'");
}

TEST_F(ScenarioScriptErrorsTest, MissingSaySmsOrderAndScriptWords) {
  const std::string say = "say = \"社保卡已制好，请带身份证领取。\"\n";
  size_t header = LineOf("id = \"ob.card_ready\"") - 1;
  EXPECT_EQ(ErrorWith(say, ""),
            "scenarios.toml:" + std::to_string(header) + ": scenario 'ob.card_ready' has no 'say'");
  EXPECT_NE(ErrorWith("sms = \"您的社保卡（", "sns = \"您的社保卡（").find("unknown key 'sns'"),
            std::string::npos);
  EXPECT_NE(ErrorWith("order = 5\n", "").find("needs an integer 'order'"), std::string::npos);
  EXPECT_NE(ErrorWith("confirm = ", "konfirm = ").find("unknown key 'konfirm' in [script]"),
            std::string::npos);
  EXPECT_NE(ErrorWith("ordinals = [\"第一，\", \"第二，\", \"第三，\", \"第四，\", \"第五，\", "
                      "\"第六，\", \"第七，\", \"第八，\", \"第九，\", \"第十，\"]",
                      "ordinals = [\"第一，\", \"第二，\"]")
                .find("'ordinals' has 2 words for 6 scenarios"),
            std::string::npos);
  EXPECT_NE(ErrorWith("\n[script]\n", "\n[skript]\n").find("unknown key 'skript'"),
            std::string::npos);
}

}  // namespace
}  // namespace zx::campaigns
