// The menu tree of kb/ivr.toml checked against the knowledge base, walked by keys without SIP
// (MenuSession), and the words its keypad entry sends understood by the calculator flows.
#include "voice/ivr_menu_session.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "dialogue/flow.h"
#include "telephony/espeak_synthesizer.h"
#include "telephony/media.h"
#include "telephony/speech_text.h"
#include "text/normalizer.h"
#include "voice/ivr_menu.h"

namespace zx::voice {
namespace {

const std::string kKb = std::string(ZX_SOURCE_DIR) + "/kb";

const MenuCatalog& Catalog() {
  static const MenuCatalog* c = [] {
    auto r = ReadMenuCatalog(kKb);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return new MenuCatalog(r.ok() ? std::move(r).value() : MenuCatalog{});
  }();
  return *c;
}

IvrMenu Shipped() {
  auto m = LoadIvrMenu(kKb + "/ivr.toml", &Catalog());
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? std::move(m).value() : IvrMenu{};
}

// Every topic a caller can choose by keys, with the keys (8s for pages not counted as levels).
struct Reached {
  std::string keys;
  int levels = 0;
};
std::map<std::string, Reached> Walk(const IvrMenu& menu) {
  std::map<std::string, Reached> out;
  // Depth first over the tree, each path replayed from a fresh session (sessions are cheap).
  std::vector<std::string> todo{""};
  std::set<std::string> seen_menus;
  while (!todo.empty()) {
    std::string path = todo.back();
    todo.pop_back();
    for (char key : std::string("12345678")) {
      MenuSession s(menu);
      MenuSession::Step step;
      for (char k : path) step = s.Key(k);
      const IvrLevel* at = s.level();
      step = s.Key(key);
      std::string keys = path + key;
      int levels = 0;
      for (char k : keys) levels += k != '8';
      if (step.kind == MenuSession::Step::kChoose) {
        if (!out.count(step.topic) || out[step.topic].levels > levels)
          out[step.topic] = {keys, levels};
      } else if (step.kind == MenuSession::Step::kSay && s.level() != at &&
                 seen_menus.insert(s.level()->id).second) {
        todo.push_back(keys);
      } else if (key == '8' && step.kind == MenuSession::Step::kSay && keys.size() < 8 &&
                 path.find("888") == std::string::npos) {
        todo.push_back(keys);  // the next page: its items are the same menu's keys
      }
    }
  }
  return out;
}

TEST(IvrTreeTest, TheShippedMenuIsCheckedAgainstTheKnowledgeBase) {
  IvrMenu menu = Shipped();
  ASSERT_FALSE(menu.menus.empty());
  EXPECT_EQ(menu.menus.front().id, "main");
  for (const IvrLevel& level : menu.menus) {
    EXPECT_LE(level.depth, kMaxMenuDepth) << level.id;
    for (const std::string& page : level.pages)
      EXPECT_LT(SpokenSeconds(page), kMaxPromptSeconds) << level.id << ": " << page;
    if (!level.parent.empty()) {  // every level below the top says how to repeat and go back
      EXPECT_NE(level.pages.back().find("重听按9"), std::string::npos) << level.id;
      EXPECT_NE(level.pages.back().find("返回按星号"), std::string::npos) << level.id;
    }
  }
  for (const IvrInput& in : menu.inputs)
    EXPECT_LT(SpokenSeconds(in.prompt), kMaxPromptSeconds) << in.calc << " " << in.slot;
  // The defect of issue 11: key 2 is 医保 (a menu), not one of its answers.
  MenuSession s(menu);
  MenuSession::Step step = s.Key('2');
  EXPECT_EQ(step.kind, MenuSession::Step::kSay);
  EXPECT_EQ(s.level()->id, "yb");
}

// The count above against the synthesiser itself: every page and input prompt, as the call
// would say it, lasts under 10 s (skipped where espeak-ng or its voice is missing).
TEST(IvrTreeTest, EveryPromptSaidBySynthesiserLastsUnderTenSeconds) {
  auto tts = telephony::EspeakSynthesizer::Create();
  if (!tts.ok()) GTEST_SKIP() << tts.status().message();
  IvrMenu menu = Shipped();
  std::vector<std::string> prompts;
  for (const IvrLevel& level : menu.menus)
    prompts.insert(prompts.end(), level.pages.begin(), level.pages.end());
  for (const IvrInput& in : menu.inputs) prompts.push_back(in.prompt);
  ASSERT_GT(prompts.size(), 20u);
  for (const std::string& prompt : prompts) {
    auto pcm = (*tts)->Synthesize(telephony::PrepareForSpeech(prompt));
    ASSERT_TRUE(pcm.ok()) << pcm.status().message();
    double seconds = static_cast<double>((*pcm)->size()) / telephony::kSampleRate;
    EXPECT_LT(seconds, kMaxPromptSeconds) << prompt;
  }
}

TEST(IvrTreeTest, EveryFaqOfTheNamedAreasIsReachableByKeysWithinThreeLevels) {
  IvrMenu menu = Shipped();
  std::map<std::string, Reached> reached = Walk(menu);
  std::set<std::string> areas;
  for (const IvrLevel& level : menu.menus) areas.insert(level.areas.begin(), level.areas.end());
  EXPECT_EQ(areas, (std::set<std::string>{"yl", "sy", "gs", "sbk", "yb", "gjj"}));
  int faqs = 0;
  for (const auto& [id, kind] : Catalog().kinds) {
    std::string area = id.substr(0, id.find('.'));
    if (kind != "faq" || !areas.count(area)) continue;
    ++faqs;
    auto it = reached.find(id);
    ASSERT_NE(it, reached.end()) << id << " is on no key";
    EXPECT_LE(it->second.levels, 3) << id << " keys " << it->second.keys;
  }
  EXPECT_EQ(faqs, 11 + 4 + 2 + 4 + 9 + 5);  // yl, sy, gs, sbk, yb, gjj
  // ... and every calculator of those areas too.
  for (const char* calc : {"yb.inpatient_calc", "yb.remote_ratio", "yl.retirement_age",
                           "yl.flex_contribution", "sy.duration", "gs.benefits"})
    EXPECT_TRUE(reached.count(calc)) << calc;
  EXPECT_EQ(reached.at("yb.remote_filing").keys, "211");
}

TEST(IvrTreeTest, KeysWalkTheTreeAndStarGoesBack) {
  IvrMenu menu = Shipped();
  MenuSession s(menu);
  EXPECT_EQ(s.Greeting(), menu.greeting + menu.menus.front().pages[0]);
  EXPECT_EQ(s.Key('2').text, menu.Level("yb")->pages[0]);
  EXPECT_EQ(s.Key('1').text, menu.Level("yb.care")->pages[0]);
  EXPECT_EQ(s.Key('8').text, menu.Level("yb.care")->pages[1]);
  MenuSession::Step step = s.Key('4');  // a key of page 2
  EXPECT_EQ(step.kind, MenuSession::Step::kChoose);
  EXPECT_EQ(step.topic, "yb.e_voucher");
  EXPECT_EQ(step.text, "按键：医保 > 就医报销 > 医保电子凭证");
  EXPECT_EQ(s.Reply("答复。", "yb.e_voucher", ""), "答复。" + menu.after_answer);
  EXPECT_EQ(s.Key('9').kind, MenuSession::Step::kRepeat);
  EXPECT_EQ(s.Key('*').text, menu.Level("yb.care")->pages[0]);  // from the answer to its menu
  EXPECT_EQ(s.Key('*').text, menu.Level("yb")->pages[0]);
  EXPECT_EQ(s.Key('*').text, menu.menus.front().pages[0]);
  EXPECT_EQ(s.Key('*').text, menu.menus.front().pages[0]);  // the top stays
  EXPECT_EQ(s.Key('7').text, menu.invalid_key + menu.menus.front().pages[0]);
  step = s.Key('0');  // the hook of key 0 stays the dialogue's
  EXPECT_EQ(step.kind, MenuSession::Step::kKey);
  EXPECT_EQ(step.key->action, "agent");
}

TEST(IvrTreeTest, ACalculatorCollectsItsSlotsByKeypad) {
  IvrMenu menu = Shipped();
  MenuSession s(menu);
  s.Key('2');
  s.Key('3');
  MenuSession::Step step = s.Key('1');
  ASSERT_EQ(step.kind, MenuSession::Step::kChoose);
  EXPECT_EQ(step.topic, "yb.inpatient_calc");
  const IvrInput* level = menu.Input("yb.inpatient_calc", "hospital_level");
  EXPECT_EQ(s.Reply("您住的是几级医院？", "yb.inpatient_calc", "hospital_level"), level->prompt);
  EXPECT_EQ(s.Key('5').text, menu.invalid_key + level->prompt);
  step = s.Key('3');
  EXPECT_EQ(step.kind, MenuSession::Step::kAnswer);
  EXPECT_EQ(step.text, "三级");
  EXPECT_EQ(s.Reply("甲类费用是多少？", "yb.inpatient_calc", "class_a"),
            "请输入甲类费用金额，以井号键结束。");
  for (char k : std::string("12000*5")) EXPECT_EQ(s.Key(k).kind, MenuSession::Step::kNone);
  step = s.Key('#');
  EXPECT_EQ(step.kind, MenuSession::Step::kAnswer);
  EXPECT_EQ(step.text, "12000.5元");
  // Refused (out of range): its message, then the prompt again.
  EXPECT_EQ(s.Reply("不对", "yb.inpatient_calc", "class_a"),
            "甲类费用的金额好像不对，请再说一下。请输入甲类费用金额，以井号键结束。");
  EXPECT_EQ(s.Key('#').text, "请输入甲类费用金额，以井号键结束。");  // # alone: asked again
  s.Key('0');                                                        // 0 and 9 are digits here
  s.Key('9');
  EXPECT_EQ(s.Key('#').text, "09元");
  EXPECT_EQ(s.Reply("结果……", "yb.inpatient_calc", ""), "结果……" + menu.after_answer);
  EXPECT_FALSE(s.entering());
  EXPECT_EQ(s.Key('*').text, menu.Level("yb.calc")->pages[0]);
  // * before any digit leaves the calculator for its menu.
  s.Key('1');
  s.Reply("甲类？", "yb.inpatient_calc", "class_a");
  EXPECT_TRUE(s.entering());
  EXPECT_EQ(s.Key('*').text, menu.Level("yb.calc")->pages[0]);
  EXPECT_FALSE(s.entering());
}

// The words keypad entry sends are what the flows understand: every calculator of the menu,
// fed only keypad words for the slots it asks, answers.
TEST(IvrTreeTest, EveryCalculatorOfTheMenuAnswersFromKeypadEntry) {
  IvrMenu menu = Shipped();
  auto flows = dialogue::FlowRegistry::Load(kKb + "/flows");
  ASSERT_TRUE(flows.ok()) << flows.status().message();
  auto norm = text::Normalizer::Create();
  ASSERT_TRUE(norm.ok());
  // A plausible keypad entry by slot.
  std::map<std::string, std::string> digits = {
      {"class_a", "12000#"}, {"class_b", "3000*5#"}, {"birth", "197005#"}, {"base", "5000#"},
      {"months", "27#"},     {"grade", "7#"},        {"wage", "6000#"}};
  for (const IvrLevel& level : menu.menus)
    for (const IvrItem& item : level.items) {
      if (item.calc.empty()) continue;
      const dialogue::FlowDef* flow = flows->Find(item.calc);
      ASSERT_NE(flow, nullptr) << item.calc;
      // Walk to the item, choose it.
      MenuSession s(menu);
      std::vector<const IvrLevel*> chain;
      for (const IvrLevel* l = &level; l; l = l->parent.empty() ? nullptr : menu.Level(l->parent))
        chain.insert(chain.begin(), l);
      for (size_t i = 1; i < chain.size(); ++i)
        for (const IvrItem& up : chain[i - 1]->items)
          if (up.menu == chain[i]->id) s.Key(up.key[0]);
      ASSERT_EQ(s.Key(item.key[0]).topic, item.calc);
      dialogue::FlowState state;
      dialogue::StepResult r = dialogue::Step(*flow, state, (*norm)->Normalize(""));
      int turns = 0;
      while (r.kind == dialogue::StepKind::kAsk && ++turns < 10) {
        s.Reply(r.text, item.calc, r.asking);
        ASSERT_TRUE(s.entering()) << item.calc << " asks " << r.asking << " with no input";
        const IvrInput* in = menu.Input(item.calc, r.asking);
        MenuSession::Step step;
        if (!in->keys.empty()) {
          step = s.Key(in->keys.size() > 1 && in->type == "bool" ? '2' : '1');
        } else {
          ASSERT_TRUE(digits.count(r.asking)) << r.asking;
          for (char k : digits[r.asking]) step = s.Key(k);
        }
        ASSERT_EQ(step.kind, MenuSession::Step::kAnswer) << item.calc << " " << r.asking;
        std::string asked = r.asking;
        r = dialogue::Step(*flow, state, (*norm)->Normalize(step.text));
        EXPECT_EQ(r.changed, std::vector<std::string>{asked})
            << item.calc << ": \"" << step.text << "\" did not fill " << asked << ": " << r.text;
      }
      EXPECT_EQ(r.kind, dialogue::StepKind::kAnswer) << item.calc << ": " << r.text;
      EXPECT_TRUE(r.result.has_value()) << item.calc;
    }
}

// ---- errors name the file, the menu and the key ----

std::string Write(const std::string& text) {
  static int n = 0;
  auto path = std::filesystem::temp_directory_path() /
              ("zx_ivr_tree_" + std::to_string(::getpid()) + "_" + std::to_string(++n) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

constexpr const char* kHead = R"(greeting = "您好"
[[key]]
key = "0"
action = "agent"
text = "转人工"
[[key]]
key = "9"
action = "repeat"
)";

std::string Error(const std::string& body, bool catalog = true) {
  std::string path = Write(std::string(kHead) + body);
  auto m = LoadIvrMenu(path, catalog ? &Catalog() : nullptr);
  std::filesystem::remove(path);
  EXPECT_FALSE(m.ok());
  if (m.ok()) return "";
  EXPECT_NE(m.status().message().find(path), std::string::npos) << m.status().message();
  return m.status().message();
}

constexpr const char* kGjj = R"(
[[menu]]
id = "main"
  [[menu.item]]
  key = "3"
  label = "公积金"
  menu = "gjj"
[[menu]]
id = "gjj"
areas = ["gjj"]
  [[menu.item]]
  key = "1"
  label = "租房"
  entry = "gjj.rent"
  [[menu.item]]
  key = "2"
  label = "贷款"
  entry = "gjj.loan"
  [[menu.item]]
  key = "3"
  label = "转移"
  entry = "gjj.transfer"
  [[menu.item]]
  key = "4"
  label = "离职"
  entry = "gjj.withdraw_leave"
)";

TEST(IvrTreeTest, AnUnreachableFaqIsAnError) {
  std::string e = Error(kGjj);
  EXPECT_NE(e.find("menu gjj names area 'gjj'"), std::string::npos) << e;
  EXPECT_NE(e.find("gjj.rate"), std::string::npos) << e;
  // With it on a key, the menu loads.
  std::string path = Write(std::string(kHead) + kGjj +
                           "  [[menu.item]]\n  key = \"5\"\n  label = \"比例\"\n"
                           "  entry = \"gjj.rate\"\n");
  auto m = LoadIvrMenu(path, &Catalog());
  EXPECT_TRUE(m.ok()) << m.status().message();
  std::filesystem::remove(path);
}

TEST(IvrTreeTest, UnknownEntriesKeysTwiceAndDepthAreErrors) {
  std::string e = Error(R"(
[[menu]]
id = "main"
  [[menu.item]]
  key = "1"
  label = "x"
  entry = "yb.nothing"
)");
  EXPECT_NE(e.find("menu main key 1: unknown entry 'yb.nothing'"), std::string::npos) << e;
  e = Error(R"(
[[menu]]
id = "main"
  [[menu.item]]
  key = "1"
  label = "x"
  entry = "yb.newborn"
  [[menu.item]]
  key = "1"
  label = "y"
  entry = "yb.chronic"
)");
  EXPECT_NE(e.find("menu main key 1: the key is used twice"), std::string::npos) << e;
  e = Error(R"(
[[menu]]
id = "main"
  [[menu.item]]
  key = "1"
  label = "a"
  menu = "a"
[[menu]]
id = "a"
  [[menu.item]]
  key = "1"
  label = "b"
  menu = "b"
[[menu]]
id = "b"
  [[menu.item]]
  key = "2"
  label = "c"
  menu = "c"
[[menu]]
id = "c"
  [[menu.item]]
  key = "1"
  label = "x"
  entry = "yb.newborn"
)",
            false);
  EXPECT_NE(e.find("menu b key 2: menu 'c' would be level 4"), std::string::npos) << e;
  e = Error(R"(
[[menu]]
id = "main"
  [[menu.item]]
  key = "9"
  label = "x"
  entry = "yb.newborn"
)");
  EXPECT_NE(e.find("'key' must be one of 1-7"), std::string::npos) << e;
  e = Error(R"(
[[menu]]
id = "main"
  [[menu.item]]
  key = "1"
  label = "住院"
  calc = "yb.inpatient_calc"
)");
  EXPECT_NE(e.find("menu main key 1: calculator 'yb.inpatient_calc' may ask 'hospital_level'"),
            std::string::npos)
      << e;
  e = Error(R"(
[[menu]]
id = "main"
  [[menu.item]]
  key = "1"
  label = "一个说起来非常非常长的标签"
  entry = "yb.newborn"
  [[menu.item]]
  key = "2"
  label = "另一个说起来也非常长的标签"
  entry = "yb.chronic"
)",
            false);
  EXPECT_NE(e.find("menu main page 1 takes"), std::string::npos) << e;
}

}  // namespace
}  // namespace zx::voice
