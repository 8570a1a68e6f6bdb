#include "dialogue/flow.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "dialogue/flow_json_internal.h"
#include "text/normalizer.h"

namespace zx::dialogue {
namespace {

using nlohmann::json;

std::string FlowsDir() { return std::string(ZX_SOURCE_DIR) + "/kb/flows"; }

const FlowRegistry& Flows() {
  static const FlowRegistry* flows = [] {
    auto r = FlowRegistry::Load(FlowsDir());
    if (!r.ok()) {
      ADD_FAILURE() << r.status().ToString();
      return new FlowRegistry();
    }
    return new FlowRegistry(std::move(r).value());
  }();
  return *flows;
}

std::string Norm(std::string_view s) {
  static const std::unique_ptr<text::Normalizer> n = [] {
    auto r = text::Normalizer::Create();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }();
  return n->Normalize(s);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Drives one flow turn by turn.
class Dialog {
 public:
  explicit Dialog(std::string_view flow) : flow_(Flows().Find(flow)) {
    EXPECT_NE(flow_, nullptr) << flow;
  }
  StepResult Say(std::string_view utterance) {
    last_ = Step(*flow_, state_, Norm(utterance));
    return last_;
  }
  const FlowState& state() const { return state_; }
  int64_t Amount() const {
    return last_.result && last_.result->amount_cents ? *last_.result->amount_cents : -1;
  }

 private:
  const FlowDef* flow_;
  FlowState state_;
  StepResult last_;
};

TEST(Registry, LoadsEveryCalcTopic) {
  for (const char* id :
       {"yb.inpatient_calc", "yb.remote_ratio", "sy.duration", "ld.severance", "ld.overtime",
        "yl.flex_contribution", "yl.retirement_age", "gs.benefits"}) {
    const FlowDef* f = Flows().Find(id);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_FALSE(f->slots.empty());
    EXPECT_TRUE(f->compute);
    EXPECT_EQ(f->rule.find('{'), std::string::npos) << "unsubstituted parameter in " << id;
  }
  EXPECT_EQ(Flows().flows().size(), 8u);
}

TEST(Inpatient, WorkedExampleOverSeveralTurnsLevelLast) {
  Dialog d("yb.inpatient_calc");
  StepResult r = d.Say("住院花了两万能报多少？");
  EXPECT_EQ(r.kind, StepKind::kAsk);
  EXPECT_EQ(r.asking, "hospital_level");
  EXPECT_EQ(SlotValueToJson(d.state().slots.at("total")), 20000);
  r = d.Say("甲类一万五");  // not what was asked, taken anyway
  EXPECT_EQ(r.kind, StepKind::kAsk);
  EXPECT_EQ(r.asking, "hospital_level");
  EXPECT_NE(r.text.find("甲类费用15000元"), std::string::npos) << r.text;
  r = d.Say("乙类四千");
  EXPECT_EQ(r.asking, "hospital_level");
  r = d.Say("三甲医院");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(d.Amount(), 1460000);
  // 丙类 derived from the total.
  EXPECT_NE(r.text.find("丙类（自费）费用按住院总费用推算为1000元"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("甲类：(15000 − 1000) × 85% = 11900.00元"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("14600.00"), std::string::npos);
  EXPECT_NE(r.text.find("医保定点医疗机构、在本地就医"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("依据："), std::string::npos);
  EXPECT_TRUE(d.state().complete);
}

TEST(Inpatient, AllAtOnceThenCorrectionsRecompute) {
  Dialog d("yb.inpatient_calc");
  StepResult r = d.Say("三级医院住院两万，甲类一万五，乙类四千");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(d.Amount(), 1460000);
  r = d.Say("不对，是二级医院");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(r.changed, std::vector<std::string>{"hospital_level"});
  EXPECT_EQ(d.Amount(), 1249600 + 280800);
  EXPECT_NE(r.text.find("按医院等级二级重新计算"), std::string::npos) << r.text;
  r = d.Say("那要是没备案呢");
  // 异地未备案 makes 急诊抢救 matter: asked.
  ASSERT_EQ(r.kind, StepKind::kAsk) << r.text;
  EXPECT_EQ(r.asking, "emergency");
  r = d.Say("不是");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  // 二级 −10 points: (15000 − 800) × 78% = 11076; 3600 × 68% = 2448.
  EXPECT_EQ(d.Amount(), 1107600 + 244800);
  r = d.Say("其实是急诊抢救");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  // As 临时外出已备案 (−5): 14200 × 83% = 11786; 3600 × 73% = 2628.
  EXPECT_EQ(d.Amount(), 1178600 + 262800);
  r = d.Say("谢谢你");
  EXPECT_EQ(r.kind, StepKind::kNoChange);
}

TEST(Inpatient, NotDesignatedAsksEmergency) {
  Dialog d("yb.inpatient_calc");
  StepResult r = d.Say("在一家不是定点的医院住院，三级，甲类15000乙类4000");
  ASSERT_EQ(r.kind, StepKind::kAsk) << r.text;
  EXPECT_EQ(r.asking, "emergency");
  r = d.Say("没有抢救");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(d.Amount(), 0);
  EXPECT_NE(r.text.find("不能报销"), std::string::npos);
}

TEST(RemoteRatio, StartsWithWhereAndClarifies) {
  Dialog d("yb.remote_ratio");
  StepResult r = d.Say("在外省住院能报销多少？");
  ASSERT_EQ(r.kind, StepKind::kAsk);
  EXPECT_EQ(r.asking, "location");
  EXPECT_NE(r.text.find("长期居住备案"), std::string::npos) << r.text;
  r = d.Say("办了，是临时外出备案");
  ASSERT_EQ(r.kind, StepKind::kAsk) << r.text;
  EXPECT_EQ(SlotValueToJson(d.state().slots.at("location")), "临时外出已备案");
  EXPECT_EQ(r.asking, "hospital_level");
  r = d.Say("三级");
  EXPECT_EQ(r.asking, "class_a");
  r = d.Say("一万五");
  EXPECT_EQ(r.asking, "class_b");
  r = d.Say("四千");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(d.Amount(), 1372000);
}

TEST(RemoteRatio, VagueThenNarrowedAnswer) {
  Dialog d("yb.remote_ratio");
  StepResult r = d.Say("出差的时候住院了");
  ASSERT_EQ(r.kind, StepKind::kAsk);
  EXPECT_EQ(r.text, "出门前办了异地就医备案吗？");
  r = d.Say("办了");  // 出差 ∩ 已备案 = 临时外出已备案
  EXPECT_EQ(SlotValueToJson(d.state().slots.at("location")), "临时外出已备案");
  EXPECT_EQ(r.asking, "hospital_level");
  Dialog e("yb.remote_ratio");
  e.Say("出差的时候住院了");
  e.Say("没有");
  EXPECT_EQ(SlotValueToJson(e.state().slots.at("location")), "异地未备案");
}

TEST(Severance, TwoOrdersSameAnswerAndUnlawfulDoubles) {
  Dialog a("ld.severance");
  StepResult r = a.Say("公司辞退我要给多少赔偿？");
  EXPECT_EQ(r.asking, "months");
  r = a.Say("三年零七个月");
  EXPECT_EQ(r.asking, "wage");
  r = a.Say("六千");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(a.Amount(), 2400000);
  EXPECT_NE(r.text.find("依法解除（违法解除的赔偿金为经济补偿的二倍）"), std::string::npos)
      << r.text;

  Dialog b("ld.severance");
  b.Say("月薪六千");
  r = b.Say("我在这干了三年零七个月");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(b.Amount(), 2400000);
  r = b.Say("那违法辞退呢");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(b.Amount(), 4800000);
  EXPECT_NE(r.text.find("违法解除赔偿金：24000.00 × 2 = 48000.00元"), std::string::npos) << r.text;
}

TEST(Severance, OtherWorkedExamplesThroughTheEngine) {
  Dialog a("ld.severance");
  a.Say("干了十个月，工资五千");
  EXPECT_EQ(a.Amount(), 500000);
  Dialog b("ld.severance");
  b.Say("干了两个月，工资五千");
  EXPECT_EQ(b.Amount(), 250000);
  Dialog c("ld.severance");
  c.Say("干了15年，月薪三万");
  EXPECT_EQ(c.Amount(), 27000000);
}

TEST(Overtime, GroupAskedOnceAndUnclearHoursReasked) {
  Dialog d("ld.overtime");
  StepResult r = d.Say("加班费怎么算？");
  EXPECT_EQ(r.asking, "wage");
  r = d.Say("4350");
  EXPECT_EQ(r.asking, "hours");
  r = d.Say("加了10个小时");  // which day?
  EXPECT_EQ(r.kind, StepKind::kAsk);
  EXPECT_EQ(r.asking, "hours");
  EXPECT_NE(r.text.find("没听明白"), std::string::npos) << r.text;
  r = d.Say("工作日加班10小时");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(d.Amount(), 37500);
  EXPECT_NE(r.text.find("25.00元"), std::string::npos);
  r = d.Say("休息日还加了8小时，法定节假日8小时");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(d.Amount(), 37500 + 40000 + 60000);
}

TEST(Flex, ExampleAndOutOfRangeExplained) {
  Dialog d("yl.flex_contribution");
  StepResult r = d.Say("灵活就业交养老保险一个月要交多少钱？");
  EXPECT_EQ(r.asking, "base");
  EXPECT_NE(r.text.find("4500元到22500元"), std::string::npos) << r.text;
  r = d.Say("最低档");
  ASSERT_EQ(r.kind, StepKind::kAnswer);
  EXPECT_EQ(d.Amount(), 90000);
  EXPECT_NE(r.text.find("360.00元记入个人账户"), std::string::npos) << r.text;
  r = d.Say("那按三千的基数呢");
  ASSERT_EQ(r.kind, StepKind::kAnswer);
  EXPECT_EQ(d.Amount(), 90000);
  EXPECT_NE(r.text.find("低于下限4500元，按下限4500元计算"), std::string::npos) << r.text;
}

TEST(Retirement, ExamplesThroughTheEngine) {
  Dialog a("yl.retirement_age");
  StepResult r = a.Say("七零年五月出生的男的，什么时候退休");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_NE(r.text.find("61岁5个月"), std::string::npos);
  EXPECT_NE(r.text.find("2031年10月"), std::string::npos);

  Dialog b("yl.retirement_age");
  r = b.Say("我什么时候能退休？");
  EXPECT_EQ(r.asking, "birth");
  r = b.Say("女的，76年3月");
  ASSERT_EQ(r.kind, StepKind::kAsk);
  EXPECT_EQ(r.asking, "category");
  EXPECT_NE(r.text.find("50岁退休"), std::string::npos) << r.text;
  r = b.Say("50岁");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_NE(r.text.find("50岁8个月"), std::string::npos);
  EXPECT_NE(r.text.find("2026年11月"), std::string::npos);

  Dialog c("yl.retirement_age");
  c.Say("男");
  r = c.Say("一九八零年一月");
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_NE(r.text.find("63岁"), std::string::npos);
  EXPECT_NE(r.text.find("2043年1月"), std::string::npos);
}

TEST(Retirement, YearWithoutMonthIsAskedAgain) {
  Dialog d("yl.retirement_age");
  StepResult r = d.Say("男职工，1970年出生");
  ASSERT_EQ(r.kind, StepKind::kAsk);
  EXPECT_EQ(r.asking, "birth");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.text.find("说到月份"), std::string::npos) << r.text;
}

TEST(Unemployment, ExamplesThroughTheEngine) {
  Dialog a("sy.duration");
  StepResult r = a.Say("交了几年失业保险能领几个月失业金？");
  EXPECT_EQ(r.asking, "months");
  r = a.Say("半年");
  ASSERT_EQ(r.kind, StepKind::kAnswer);
  EXPECT_NE(r.text.find("不能领取"), std::string::npos);
  r = a.Say("不对，交了三年");
  ASSERT_EQ(r.kind, StepKind::kAnswer);
  EXPECT_NE(r.text.find("最长可领取12个月"), std::string::npos);
  r = a.Say("七年");
  EXPECT_NE(r.text.find("最长可领取18个月"), std::string::npos);
  r = a.Say("12年");
  EXPECT_NE(r.text.find("最长可领取24个月"), std::string::npos);
}

TEST(Injury, OutOfRangeGradeExplainedThenAccepted) {
  Dialog d("gs.benefits");
  StepResult r = d.Say("工伤十二级");
  ASSERT_EQ(r.kind, StepKind::kAsk);
  EXPECT_EQ(r.asking, "grade");
  EXPECT_NE(r.text.find("一级到十级"), std::string::npos) << r.text;
  r = d.Say("七级");
  EXPECT_EQ(r.asking, "wage");
  r = d.Say("五千");
  ASSERT_EQ(r.kind, StepKind::kAnswer);
  EXPECT_EQ(d.Amount(), 6500000);
  r = d.Say("工资改成一万");
  EXPECT_EQ(d.Amount(), 13000000);
}

TEST(State, SwitchingFlowsKeepsSharedSlots) {
  FlowState s;
  Step(*Flows().Find("yb.inpatient_calc"), s, Norm("三级医院，甲类一万五，乙类四千"));
  StepResult r = Step(*Flows().Find("yb.remote_ratio"), s, Norm("我是在外省住的院"));
  EXPECT_EQ(s.flow, "yb.remote_ratio");
  EXPECT_EQ(SlotValueToJson(s.slots.at("class_a")), 15000);
  ASSERT_EQ(r.kind, StepKind::kAsk);
  EXPECT_EQ(r.asking, "location");
  r = Step(*Flows().Find("yb.remote_ratio"), s, Norm("临时外出备案了"));
  ASSERT_EQ(r.kind, StepKind::kAnswer) << r.text;
  EXPECT_EQ(*r.result->amount_cents, 1372000);
  json j = ToJson(*r.result);
  EXPECT_EQ(j["amount"], "13720.00");
  EXPECT_FALSE(j["steps"].empty());
}

TEST(State, RoundTripsThroughJson) {
  Dialog d("yb.remote_ratio");
  d.Say("在外地住院，三级，甲类15000");
  const FlowState& s = d.state();
  json j = ToJson(s);
  EXPECT_EQ(j["slots"]["class_a"], 15000);
  EXPECT_EQ(j["clarify"]["slot"], "location");
  auto back = FlowStateFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
  EXPECT_FALSE(FlowStateFromJson(json::array()).ok());
}

// ---- Data: parameters change results without recompiling; malformed files are named ----

TEST(Data, ChangingAParameterInTheFileChangesTheResult) {
  std::string text = ReadText(FlowsDir() + "/ld.severance.toml");
  const std::string from = "average_wage = 7500", to = "average_wage = 8000";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), to);
  auto flow = ParseFlow(text, "test/ld.severance.toml", "ld.severance");
  ASSERT_TRUE(flow.ok()) << flow.status().ToString();
  FlowState s;
  StepResult r = Step(*flow, s, Norm("干了15年，月薪三万"));
  ASSERT_TRUE(r.result);
  EXPECT_EQ(*r.result->amount_cents, 12 * 2400000);     // cap 3 × 8000
  EXPECT_NE(r.text.find("8000元"), std::string::npos);  // the rule text follows the parameter
}

TEST(Data, LoadFromADirectory) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "zx_flows_test_dir";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "gs.benefits.toml") << ReadText(FlowsDir() + "/gs.benefits.toml");
  auto ok = FlowRegistry::Load(dir.string());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_NE(ok->Find("gs.benefits"), nullptr);
  // A file whose id differs from its name.
  std::ofstream(dir / "gs.other.toml") << ReadText(FlowsDir() + "/gs.benefits.toml");
  auto bad = FlowRegistry::Load(dir.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("gs.other.toml:"), std::string::npos)
      << bad.status().message();
  EXPECT_NE(bad.status().message().find("must match the file name"), std::string::npos);
  fs::remove_all(dir);
  EXPECT_FALSE(FlowRegistry::Load(dir.string()).ok());
}

// A small valid flow; tests break one thing at a time.
constexpr const char* kMini = R"(id = "gs.benefits"
title = "测算"
calculator = "injury_benefit"
source = "测试"
rule = "按{months_by_grade.0}个月"

[params]
months_by_grade = [27, 25, 23, 21, 18, 16, 13, 11, 9, 7]

[[slot]]
name = "grade"
label = "伤残等级"
type = "number"
prompt = "几级？"
units = ["级"]
min = 1
max = 10

[[slot]]
name = "wage"
label = "本人工资"
type = "money"
prompt = "工资多少？"
cues = ["工资"]
)";

Status ParseWith(const std::string& from, const std::string& to) {
  std::string text = kMini;
  if (!from.empty()) {
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
  }
  auto r = ParseFlow(text, "kb/flows/gs.benefits.toml");
  return r.ok() ? Status::Ok() : r.status();
}

void ExpectError(const std::string& from, const std::string& to, const std::string& where,
                 const std::string& why) {
  Status s = ParseWith(from, to);
  ASSERT_FALSE(s.ok()) << "accepted: " << to;
  EXPECT_NE(s.message().find("kb/flows/gs.benefits.toml:" + where + ":"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
}

TEST(Data, SettledAmbiguitiesAreChecked) {
  std::ifstream in(FlowsDir() + "/yb.remote_ratio.toml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    const size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return ParseFlow(t, "kb/flows/yb.remote_ratio.toml");
  };
  ASSERT_TRUE(with("", "").ok());
  auto value = with("settled_value = \"临时外出已备案\"", "settled_value = \"出国\"");
  ASSERT_FALSE(value.ok());
  EXPECT_NE(value.status().message().find("settled_value '出国' is not one of its values"),
            std::string::npos)
      << value.status().message();
  auto slot = with("settled_by = { emergency = true }", "settled_by = { urgent = true }");
  ASSERT_FALSE(slot.ok());
  EXPECT_NE(slot.status().message().find("settled_by names unknown slot 'urgent'"),
            std::string::npos)
      << slot.status().message();
  auto alone = with("settled_by = { emergency = true }\n", "");
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.status().message().find("settled_value needs settled_by"), std::string::npos);
}

TEST(Data, MalformedFilesNameFileLineAndReason) {
  ASSERT_TRUE(ParseWith("", "").ok()) << ParseWith("", "").ToString();
  ExpectError("title = \"测算\"", "title = \"测算", "2", "");  // TOML syntax
  ExpectError("calculator = \"injury_benefit\"", "calculator = \"nope\"", "3",
              "unknown calculator 'nope'");
  ExpectError("type = \"money\"", "type = \"cash\"", "22", "type must be enum, money");
  ExpectError("months_by_grade = [27,", "months_by_grade = [\"27\",", "8",
              "params.months_by_grade.0 must be a whole number");
  // A parameter the rule text needs is gone.
  ExpectError("[params]\nmonths_by_grade", "[params]\nmonth_by_grade", "5",
              "{months_by_grade.0}, which is not in [params]");
  // A parameter only the calculator needs is gone: the line of [params].
  ExpectError("rule = \"按{months_by_grade.0}个月\"\n\n[params]\nmonths_by_grade",
              "rule = \"按月\"\n\n[params]\nmonth_by_grade", "7",
              "params.months_by_grade is missing");
  ExpectError("rule = \"按{months_by_grade.0}个月\"", "rule = \"按{months}个月\"", "5",
              "{months}, which is not in [params]");
  ExpectError("min = 1\n", "minimum = 1\n", "16", "key 'minimum' is not allowed");
  ExpectError("cues = [\"工资\"]", "cues = [\"工资\"]\nvalue = 3", "25", "not allowed");
  ExpectError("name = \"wage\"", "name = \"salary\"", "1",
              "calculator 'injury_benefit' needs a slot 'wage'");
  ExpectError("name = \"grade\"", "name = \"wage\"", "19", "slot 'wage' defined twice");
  ExpectError("type = \"number\"", "type = \"money\"", "10", "must have type number");
  ExpectError("prompt = \"几级？\"", "prompt = \"\"", "14", "prompt must not be empty");
  ExpectError("id = \"gs.benefits\"", "id = \"gs.benefits\"\nextra = 1", "2",
              "unknown key 'extra'");
}

TEST(Data, ConditionsDefaultsAndWordsAreChecked) {
  ExpectError("min = 1\n", "min = 1\ndefault = 11\n", "17", "default");
  ExpectError("cues = [\"工资\"]", "cues = [\"工资\"]\nask_if = [{ grade = 1 }]", "19",
              "asked only sometimes, so it needs a default");
  ExpectError("cues = [\"工资\"]", "cues = [\"工资\"]\nask_if = [{ nope = 1 }]", "25",
              "ask_if names unknown slot 'nope'");
  ExpectError("cues = [\"工资\"]", "cues = [\"工资\"]\npercent_of = \"nope\"", "25",
              "percent_of names 'nope'");
  // The same word meaning two things.
  std::string two = std::string(kMini) +
                    "\n[[slot]]\nname = \"x\"\nlabel = \"x\"\ntype = \"enum\"\nprompt = \"x?\"\n"
                    "  [[slot.value]]\n  name = \"a\"\n  words = [\"甲\"]\n"
                    "  [[slot.value]]\n  name = \"b\"\n  words = [\"甲\"]\n";
  auto r = ParseFlow(two, "kb/flows/gs.benefits.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("word \"甲\" means both x=a and x=b"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace zx::dialogue
