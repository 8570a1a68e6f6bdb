// A calculator flow as data: what one `calc` topic asks the citizen, in which order, how the
// citizen's words map to slot values, and the calculator's parameters. Loaded from
// kb/flows/<topic>.toml by FlowRegistry (flow.h); see kb/flows/README.md for the file format.
//
// Values are immutable after loading and shared read-only by every conversation.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "dialogue/params.h"
#include "dialogue/slot_value.h"

namespace zx::dialogue {

enum class SlotType { kEnum, kMoney, kMonths, kYearMonth, kNumber, kBool };

// "enum", "money", "months", "year_month", "number", "bool".
std::string_view SlotTypeName(SlotType type);
std::optional<SlotType> SlotTypeFromName(std::string_view name);

// Slot values by slot name (dialogue/slot_value.h):
//   enum -> the value's name ("三级"), money -> number of 元 (15000, 1234.5),
//   months -> integer, year_month -> "YYYY-MM", number -> number, bool -> true/false.
using SlotValues = SlotMap;

// One value of an enum slot and the words that mean it. The value's name is itself a word.
struct EnumValue {
  std::string name;
  std::vector<std::string> words;
  // Words and bare numbers that mean this value only while the slot is being asked ("没办",
  // "50" -> 女职工原50岁): too vague out of context.
  std::vector<std::string> asked_words;
  std::vector<double> numbers;
};

// A slot is asked only when one of its conditions holds; each condition is "all of these slots
// have these values" ({designated = false}).
using Condition = std::map<std::string, SlotValue, std::less<>>;

// Words that narrow an enum slot to several values without choosing one ("外地", "女"):
// the engine asks `prompt` unless the slot already holds one of `values`, or what the citizen
// said of other slots settles it (`settled_by`, then the slot takes `settled_value`: 急诊抢救
// in a remote hospital counts as 临时外出已备案, so nobody is asked about filing).
struct Ambiguity {
  std::vector<std::string> words;
  std::vector<std::string> asked_words;  // only while the slot is being asked
  std::vector<std::string> values;
  std::string prompt;
  Condition settled_by;  // empty: never settled without asking
  std::string settled_value;
};

// Words that stand for a number ("最低档" -> the base floor), resolved at load time.
struct Alias {
  std::vector<std::string> words;
  double value = 0;
};

struct SlotDef {
  std::string name;   // "class_a": the key in SlotValues and the calculator's input name
  std::string label;  // "甲类费用": how replies name it
  SlotType type = SlotType::kNumber;
  std::string prompt;  // one short question (parameters already substituted)

  // Numbers (money, months, year_month, number): words near the number that say it belongs here.
  std::vector<std::string> cues;  // before the number ("甲类" 15000), or just after ("4500的基数")
  std::vector<std::string> units;  // right after the number ("小时", "级")
  std::vector<Alias> aliases;
  std::optional<double> percent_of;  // money: "60%" means 60% of this parameter's value
  std::optional<double> min, max;    // inclusive; year_month: years
  std::string range_message;         // said when a value is outside [min, max]

  // Enum.
  std::vector<EnumValue> values;
  std::vector<Ambiguity> ambiguous;

  // Bool.
  std::vector<std::string> true_words, false_words;
  std::string true_label = "是", false_label = "否";

  // When the citizen has not said it: a slot with a default is not asked (unless it has ask_if
  // conditions, see below); `default_note` is the phrase that tells the citizen what was assumed
  // ("定点医疗机构"), empty for silent defaults.
  std::optional<SlotValue> default_value;
  std::string default_note;
  // Non-empty: the slot is asked only when one condition holds; otherwise it takes its default.
  std::vector<Condition> ask_if;
  // Never asked and no default: used when said (a total from which a part is derived).
  bool optional = false;

  const EnumValue* FindValue(std::string_view value_name) const;
};

// Slots of which the citizen must give at least one (overtime hours: weekday, rest day,
// holiday); asked with one prompt after the individual slots, the others then take defaults.
struct SlotGroup {
  std::string name;
  std::string prompt;
  std::vector<std::string> slots;
};

// total = sum(parts): when the total and all parts but one are known, the last part is derived.
struct SumRule {
  std::string total;
  std::vector<std::string> parts;
};

struct CalcResult;
// A calculator: pure function of its parameters (the flow file's [params]) and slot values.
using CalcFn = std::function<Result<CalcResult>(const Params& params, const SlotValues&)>;

struct FlowDef {
  std::string id;              // = topic id, e.g. "ld.severance"
  std::string title;           // "经济补偿测算"
  std::string calculator;      // calculator name, e.g. "severance"
  std::string rule;            // the policy in one or two sentences (parameters substituted)
  std::string source;          // issuing body
  std::string origin;          // "kb/flows/ld.severance.toml", for messages
  Params params;               // the calculator's parameters, as written in the file
  std::vector<SlotDef> slots;  // in asking order
  std::vector<SlotGroup> groups;
  std::optional<SumRule> sum;
  CalcFn compute;  // bound at load time

  const SlotDef* FindSlot(std::string_view name) const;
  const SlotGroup* FindGroup(std::string_view name) const;
};

}  // namespace zx::dialogue
