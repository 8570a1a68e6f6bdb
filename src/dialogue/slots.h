// Slot extraction: fills any number of a flow's slots from one normalised utterance, in any
// order, from words and numbers ("三级医院住院两万，甲类一万五" -> hospital_level=三级,
// total=20000, class_a=15000).
//
// How it decides, all from the flow's data (kb/flows/README.md):
//   1. Words. Every enum value's words, bool true/false words, ambiguity words and aliases are
//      found in the text; overlapping matches keep the longest ("不是急诊" beats "急诊", "没备案"
//      beats "备案"). Numbers inside a matched word are not numbers ("三级" is not 3).
//   2. Numbers. text::FindQuantities gives money, months, year-months and plain numbers. Each is
//      scored against each number slot of a compatible type: a cue word of the slot between the
//      previous number and this one (+3, closer is better; +1.5 across punctuation) or right
//      after it ("4500的基数", +2); a unit of the slot right after it ("10小时", "七级", +2); the
//      slot being the one just asked (+1); the slot being the only one that fits (+0.5).
//      A unit of another slot, or a measure word (三天, 两个), right after the number rules the
//      slot out; so does the slot's range when nothing else ties the number to it. Best pairs
//      win, one number per slot; a number whose best slots tie is left unassigned.
//      "没有" / "无" / "零" count as 0 for a slot that is cued or asked.
//   3. Bare yes / no ("是的", "没有") answers the bool slot just asked.
// Later mentions of the same slot win over earlier ones (corrections: "不对，是二级医院").
//
// Pure functions; the FlowDef must outlive the Extraction (it points into it).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialogue/flow_def.h"

namespace zx::dialogue {

struct SlotFill {
  std::string slot;
  SlotValue value;   // in the SlotValues form (flow_def.h)
  std::string said;  // the words it came from
  size_t begin = 0;  // byte offset in the utterance
};

struct SlotAmbiguity {
  std::string slot;
  const Ambiguity* ambiguity = nullptr;  // points into the FlowDef
  std::string said;
};

struct Extraction {
  std::vector<SlotFill> fills;             // at most one per slot, in utterance order
  std::vector<SlotAmbiguity> ambiguities;  // only for slots without a fill
  bool empty() const { return fills.empty() && ambiguities.empty(); }
  const SlotFill* Find(std::string_view slot) const;
};

// `expected`: the slot or group just asked about ("" for none); bare answers go there.
Extraction ExtractSlots(const FlowDef& flow, std::string_view normalized,
                        std::string_view expected = {});

// nullopt when `value` is acceptable for the slot; otherwise what to tell the citizen
// (the slot's range_message, or a generic one naming the range).
std::optional<std::string> CheckSlotValue(const SlotDef& slot, const SlotValue& value);

// How a reply states a value: "15000元", "3年7个月", "1970年5月", "三级", "是", "10小时".
std::string FormatSlotValue(const SlotDef& slot, const SlotValue& value);

}  // namespace zx::dialogue
