// The phone menu of kb/ivr.toml: greeting, the fixed prompts, the keys that work everywhere
// ([[key]]: 0 a person, 9 repeat, * back) and the menu tree ([[menu]]): the first menu is the
// top level; each item of a menu opens a sub-menu, plays a knowledge base entry's answer by id
// or starts a calculator flow whose slots the caller enters by keypad ([[input]]). What a
// deployment decides about calls (capacity, answer delay, recording, the hand-over target) is
// not the menu's: it lives in the configuration file's [call] section (base/config.h).
//
// The loader checks the tree: keys 1-7 (8 pages a long menu, 9, 0, * and # are the [[key]]s),
// no key twice in a menu, every sub-menu reached from exactly one item, at most three levels,
// every page's prompt shorter than kMaxPromptSeconds when spoken. Given the knowledge base
// (MenuCatalog), also: every entry and calculator named exists, every slot a calculator may ask
// has its [[input]], and every `faq` entry of the areas the menus name is on a key.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"

namespace zx::voice {

// The synthesiser's pace: espeak-ng's cmn voice at the rate the gateway uses (165 wpm,
// telephony/espeak_synthesizer.h) says about 3.5 characters a second, pauses at punctuation
// included (measured: 35 characters in 10.3 s). Prompts are counted with it.
inline constexpr double kSpokenCharsPerSecond = 3.5;
// A level's prompt must be shorter than this: the caller has to remember the keys.
inline constexpr double kMaxPromptSeconds = 10;
// Menu levels at most, the top level being the first: a caller reaches every answer with at most
// three keys (plus 8 for a menu's next page).
inline constexpr int kMaxMenuDepth = 3;

// How long `text` takes to say at kSpokenCharsPerSecond (characters, whitespace not counted).
double SpokenSeconds(const std::string& text);

// A key that works at every level ([[key]]).
struct IvrKey {
  std::string key;     // "0"
  std::string label;   // "人工", for logs
  std::string action;  // ask | agent | repeat | menu | back
  std::string text;    // what `ask` and `agent` say to the assistant
};

// One key of a menu ([[menu.item]]): exactly one of menu, entry and calc.
struct IvrItem {
  std::string key;    // "1"
  std::string label;  // "异地备案": spoken as item_prompt, and in the turn the choice stores
  std::string menu;   // a sub-menu's id
  std::string entry;  // a knowledge base entry, answered by id
  std::string calc;   // a calculator flow (kb/flows), started by id
};

// One level ([[menu]]).
struct IvrLevel {
  std::string id;                  // "yb"
  std::string title;               // "医保": logs and the path stored with a choice
  std::vector<std::string> areas;  // entry id prefixes whose faq entries must be reachable
  std::vector<IvrItem> items;
  // Filled in by the loader.
  std::string parent;              // the menu whose item opens this one; "" for the top level
  int depth = 1;                   // the top level is 1
  std::vector<std::string> pages;  // what is said for each page (page_size items each)

  const IvrItem* Find(char key) const;
};

// How the caller enters one slot of a calculator ([[input]]).
struct IvrInput {
  std::string calc;  // the flow's id
  std::string slot;  // the flow's slot name
  std::string prompt;  // "请输入甲类费用金额，以井号键结束。" / "一级医院请按1，…"
  // Enumerations and yes/no: the value of key 1, 2, ... (the slot's value names; 是 / 否 for a
  // bool). Empty: digits ended by #.
  std::vector<std::string> keys;
  // Filled in from the flow when the loader has the catalog: the slot's type (money, months,
  // number, year_month, enum, bool; "number" without) and the message for a refused value.
  std::string type = "number";
  std::string retry;
};

// A [call] section left in kb/ivr.toml from before it moved to the configuration file; still
// honoured (with a warning naming what moved), so that an old deployment keeps its behaviour.
struct LegacyCallSection {
  int max_calls = 500;
  int over_capacity_code = 486;
  int answer_delay_ms = 300;
  bool record = true;
  std::string transfer_to;
};

// kb/ivr.toml.
struct IvrMenu {
  std::string greeting;  // said once when the call is answered, before the top level
  std::string invalid_key = "抱歉，没有这个选项。";
  std::string no_input;
  int no_input_seconds = 10;
  int max_no_input = 2;
  std::string goodbye = "感谢您的来电，再见。";
  std::string not_understood = "抱歉，没有听清，请再说一遍，或者按键选择。";
  std::string speech_unavailable = "语音输入暂时不可用，请按键选择。";
  std::string transfer_failed = "暂时无法接通人工，您的问题已经记录，工作人员会尽快联系您。";
  // The tree's spoken parts: an item ({label}, {key}), the offer of the next page, the end of a
  // level's last page (the top level has its own `top_tail`), what follows an answer, and what
  // is said when an entered value is refused and the flow has no message of its own.
  std::string item_prompt = "{label}按{key}";
  std::string more_prompt = "更多按8";
  std::string back_prompt = "重听按9，返回按星号";
  std::string top_tail = "人工服务按0，重听按9";
  std::string after_answer = "重听请按9，返回请按星号。";
  std::string input_retry = "输入有误，请重新输入。";
  int page_size = 3;  // items said per page

  std::vector<IvrKey> keys;
  std::vector<IvrLevel> menus;  // the first is the top level; none: the keys alone (old files)
  std::vector<IvrInput> inputs;
  // Set when the file still has [call] (checked as before: max_calls >= 1, over_capacity_code
  // 486 or 503, answer_delay_ms 0..10000).
  std::optional<LegacyCallSection> legacy_call;

  const IvrKey* Find(char key) const;
  const IvrLevel* Level(const std::string& id) const;
  const IvrInput* Input(const std::string& calc, const std::string& slot) const;
};

// What the loader needs to know of the knowledge base to check the tree (ReadMenuCatalog).
struct MenuCatalog {
  struct Slot {
    std::string name;
    std::string type;   // money | months | number | year_month | enum | bool
    bool asked = true;  // the flow may ask it (not optional; no default, or asked on conditions)
    std::vector<std::string> values;  // enum value names
    std::string range_message;
  };
  struct Flow {
    std::vector<Slot> slots;
    bool groups = false;  // asks a group of slots at once: no keypad form
  };
  std::map<std::string, std::string> kinds;   // entry id -> kind (faq, calc, ...)
  std::map<std::string, std::string> titles;  // entry id -> title
  std::map<std::string, Flow> flows;          // flow id -> its slots
};

// The catalog of the knowledge base in `kb_dir` (entries/*.toml and flows/*.toml).
Result<MenuCatalog> ReadMenuCatalog(const std::string& kb_dir);

// Reads and checks the menu; errors name the file, the menu, the key and why. Without a catalog
// the entries and calculators named are not checked (a menu for tests).
Result<IvrMenu> LoadIvrMenu(const std::string& path, const MenuCatalog* catalog = nullptr);
// KB_DIR/ivr.toml checked against the knowledge base it leads to (ReadMenuCatalog: entries,
// calculators, faq topics reachable).
Result<IvrMenu> LoadIvrMenuOf(const std::string& kb_dir);

}  // namespace zx::voice
