#include "dialogue/slots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <variant>

#include "dialogue/calculators.h"
#include "dialogue/flow_json_internal.h"
#include "text/numerals.h"

namespace zx::dialogue {
namespace {

using text::QuantityKind;

// Words that mean "nothing" for an amount or a count that is cued or asked.
constexpr std::string_view kZeroWords[] = {"没有", "无", "零", "不涉及"};
// Measure words after a plain number that say what it counts: a number slot takes such a number
// only when the word is one of its own units ("三天" is not 3 hours, "两次" is not 2 元).
constexpr std::string_view kMeasures[] = {"天", "日", "次", "个", "岁", "周", "号", "人", "倍",
                                          "遍", "趟", "家", "份", "张", "项", "件", "级", "%"};
// Bare answers to a yes/no question (checked at the start of the utterance, "no" first).
constexpr std::string_view kNoWords[] = {"不是", "没有", "不用", "不对", "否", "没", "不"};
constexpr std::string_view kUnsureWords[] = {"不知道", "不清楚",   "不确定", "不记得",
                                             "没听清", "不太清楚", "不懂"};
constexpr std::string_view kYesWords[] = {"是的", "是", "对", "有", "嗯", "好的", "没错"};

bool IsPunct(std::string_view s, size_t i) {
  static constexpr std::string_view kAscii = " ,.?!;:~";
  if (kAscii.find(s[i]) != std::string_view::npos) return true;
  for (std::string_view p : {"，", "。", "？", "！", "；", "：", "、", "…"})
    if (s.substr(i).starts_with(p)) return true;
  return false;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool HasPunct(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i)
    if (IsPunct(s, i)) return true;
  return false;
}

size_t SkipSpaces(std::string_view s, size_t i) {
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

enum class HitKind { kValue, kTrue, kFalse, kAmbiguous, kAlias };

struct WordHit {
  size_t begin, end;
  size_t slot;
  HitKind kind;
  size_t index;
};

void FindAll(std::string_view text, std::string_view word, size_t slot, HitKind kind, size_t index,
             std::vector<WordHit>* out) {
  if (word.empty()) return;
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    out->push_back({at, at + word.size(), slot, kind, index});
  }
}

// Longest matches first, then leftmost; no overlaps.
std::vector<WordHit> SelectHits(std::vector<WordHit> hits) {
  std::sort(hits.begin(), hits.end(), [](const WordHit& a, const WordHit& b) {
    const size_t la = a.end - a.begin, lb = b.end - b.begin;
    if (la != lb) return la > lb;
    return a.begin < b.begin;
  });
  std::vector<WordHit> kept;
  for (const auto& h : hits) {
    bool overlaps = false;
    for (const auto& k : kept)
      if (h.begin < k.end && k.begin < h.end) overlaps = true;
    if (!overlaps) kept.push_back(h);
  }
  std::sort(kept.begin(), kept.end(),
            [](const WordHit& a, const WordHit& b) { return a.begin < b.begin; });
  return kept;
}

struct Num {
  QuantityKind kind;
  double value;
  text::YearMonth ym;
  size_t begin, end;
  std::string text;
  bool zero_word = false;
};

bool IsNumberSlot(const SlotDef& s) {
  return s.type == SlotType::kMoney || s.type == SlotType::kMonths ||
         s.type == SlotType::kYearMonth || s.type == SlotType::kNumber;
}

bool InExpected(const FlowDef& flow, const SlotDef& slot, std::string_view expected) {
  if (expected.empty()) return false;
  if (slot.name == expected) return true;
  if (const SlotGroup* g = flow.FindGroup(expected))
    return std::find(g->slots.begin(), g->slots.end(), slot.name) != g->slots.end();
  return false;
}

// Whole numbers stay whole (15000, not 15000.0).
SlotValue JsonNumber(double v) {
  const double r = std::round(v);
  if (std::fabs(v - r) < 1e-9 && std::fabs(r) < 9e15) return static_cast<int64_t>(r);
  return v;
}

// The value a number gives the slot, or nullopt when the kinds do not fit.
std::optional<SlotValue> ValueFor(const SlotDef& s, const Num& n, bool expected) {
  if (n.zero_word) {
    if (s.type == SlotType::kMoney || s.type == SlotType::kNumber) return int64_t{0};
    if (s.type == SlotType::kMonths) return int64_t{0};
    return std::nullopt;
  }
  switch (s.type) {
    case SlotType::kMoney:
      if (n.kind == QuantityKind::kMoney || n.kind == QuantityKind::kNumber)
        return JsonNumber(n.value);
      if (n.kind == QuantityKind::kPercent && s.percent_of)
        return JsonNumber(static_cast<double>(YuanToCents(n.value / 100.0 * *s.percent_of)) /
                          100.0);
      return std::nullopt;
    case SlotType::kMonths:
      if (n.kind == QuantityKind::kMonths) return static_cast<int64_t>(std::llround(n.value));
      return std::nullopt;
    case SlotType::kYearMonth:
      if (n.kind != QuantityKind::kYearMonth) return std::nullopt;
      {
        char buf[16];
        if (n.ym.month == 0) {
          std::snprintf(buf, sizeof buf, "%04d", n.ym.year);
        } else {
          std::snprintf(buf, sizeof buf, "%04d-%02d", n.ym.year, n.ym.month);
        }
        return std::string(buf);
      }
    case SlotType::kNumber:
      if (n.kind == QuantityKind::kNumber) return JsonNumber(n.value);
      return std::nullopt;
    case SlotType::kEnum:
      if (!expected || n.kind != QuantityKind::kNumber) return std::nullopt;
      for (const auto& v : s.values)
        for (double x : v.numbers)
          if (std::fabs(x - n.value) < 1e-9) return v.name;
      return std::nullopt;
    case SlotType::kBool:
      return std::nullopt;
  }
  return std::nullopt;
}

bool StartsWithAny(std::string_view s, const std::vector<std::string>& words) {
  for (const auto& w : words)
    if (!w.empty() && s.starts_with(w)) return true;
  return false;
}

struct Candidate {
  size_t num;
  size_t slot;
  double score;
  SlotValue value;
};

}  // namespace

const SlotFill* Extraction::Find(std::string_view slot) const {
  for (const auto& f : fills)
    if (f.slot == slot) return &f;
  return nullptr;
}

Extraction ExtractSlots(const FlowDef& flow, std::string_view text, std::string_view expected) {
  std::vector<SlotFill> fills;
  std::vector<SlotAmbiguity> ambiguities;

  // 1. Words.
  std::vector<WordHit> hits;
  for (size_t si = 0; si < flow.slots.size(); ++si) {
    const SlotDef& s = flow.slots[si];
    const bool asked = InExpected(flow, s, expected);
    for (size_t vi = 0; vi < s.values.size(); ++vi) {
      FindAll(text, s.values[vi].name, si, HitKind::kValue, vi, &hits);
      for (const auto& w : s.values[vi].words) FindAll(text, w, si, HitKind::kValue, vi, &hits);
      if (asked)
        for (const auto& w : s.values[vi].asked_words)
          FindAll(text, w, si, HitKind::kValue, vi, &hits);
    }
    for (size_t ai = 0; ai < s.ambiguous.size(); ++ai) {
      for (const auto& w : s.ambiguous[ai].words)
        FindAll(text, w, si, HitKind::kAmbiguous, ai, &hits);
      if (asked)
        for (const auto& w : s.ambiguous[ai].asked_words)
          FindAll(text, w, si, HitKind::kAmbiguous, ai, &hits);
    }
    for (size_t ai = 0; ai < s.aliases.size(); ++ai)
      for (const auto& w : s.aliases[ai].words) FindAll(text, w, si, HitKind::kAlias, ai, &hits);
    for (const auto& w : s.true_words) FindAll(text, w, si, HitKind::kTrue, 0, &hits);
    for (const auto& w : s.false_words) FindAll(text, w, si, HitKind::kFalse, 0, &hits);
  }
  const std::vector<WordHit> words = SelectHits(std::move(hits));
  auto consumed = [&](size_t b, size_t e) {
    for (const auto& w : words)
      if (b < w.end && w.begin < e) return true;
    return false;
  };
  for (const auto& w : words) {
    const SlotDef& s = flow.slots[w.slot];
    std::string said(text.substr(w.begin, w.end - w.begin));
    switch (w.kind) {
      case HitKind::kValue:
        fills.push_back({s.name, s.values[w.index].name, said, w.begin});
        break;
      case HitKind::kTrue:
        fills.push_back({s.name, true, said, w.begin});
        break;
      case HitKind::kFalse:
        fills.push_back({s.name, false, said, w.begin});
        break;
      case HitKind::kAlias:
        fills.push_back({s.name, JsonNumber(s.aliases[w.index].value), said, w.begin});
        break;
      case HitKind::kAmbiguous:
        ambiguities.push_back({s.name, &s.ambiguous[w.index], said});
        break;
    }
  }

  // 2. Numbers.
  // A "number" inside a cue word is part of the cue ("一个月工资六千": 一个月 is not 1 month).
  std::vector<std::pair<size_t, size_t>> cue_spans;
  for (const auto& s : flow.slots)
    for (const auto& c : s.cues)
      for (size_t at = text.find(c); at != std::string_view::npos; at = text.find(c, at + 1))
        cue_spans.emplace_back(at, at + c.size());
  auto in_cue = [&](size_t b, size_t e) {
    for (const auto& [cb, ce] : cue_spans)
      if (cb <= b && e <= ce) return true;
    return false;
  };
  std::vector<Num> nums;
  for (const auto& q : text::FindQuantities(text)) {
    if (consumed(q.begin, q.end) || in_cue(q.begin, q.end)) continue;
    nums.push_back({q.kind, q.value, q.year_month, q.begin, q.end, q.text});
  }
  for (std::string_view z : kZeroWords) {
    for (size_t at = text.find(z); at != std::string_view::npos; at = text.find(z, at + 1)) {
      const size_t e = at + z.size();
      if (consumed(at, e)) continue;
      bool inside = false;
      for (const auto& n : nums)
        if (at < n.end && n.begin < e) inside = true;
      if (!inside) nums.push_back({QuantityKind::kNumber, 0, {}, at, e, std::string(z), true});
    }
  }
  std::sort(nums.begin(), nums.end(), [](const Num& a, const Num& b) { return a.begin < b.begin; });

  // Units of each number slot, to rule out slots whose unit is not the one said.
  std::vector<Candidate> cands;
  for (size_t ni = 0; ni < nums.size(); ++ni) {
    const Num& n = nums[ni];
    const size_t seg_begin = ni == 0 ? 0 : std::min(nums[ni - 1].end, n.begin);
    const size_t next_begin = ni + 1 < nums.size() ? nums[ni + 1].begin : text.size();
    const std::string_view after = text.substr(SkipSpaces(text, n.end));
    std::vector<Candidate> mine;
    for (size_t si = 0; si < flow.slots.size(); ++si) {
      const SlotDef& s = flow.slots[si];
      const bool expected_slot = InExpected(flow, s, expected);
      if (!IsNumberSlot(s) && !(s.type == SlotType::kEnum && expected_slot)) continue;
      std::optional<SlotValue> value = ValueFor(s, n, expected_slot);
      if (!value) continue;
      double score = 0;
      const bool own_unit = StartsWithAny(after, s.units);
      if (own_unit) {
        score += 2;
      } else {
        bool other_unit = false;
        for (const auto& o : flow.slots)
          if (&o != &s && StartsWithAny(after, o.units)) other_unit = true;
        if (n.kind == QuantityKind::kNumber && !n.zero_word)
          for (std::string_view m : kMeasures)
            if (after.starts_with(m)) other_unit = true;
        if (other_unit) continue;
      }
      // Nearest cue before the number, after the previous number; weaker across punctuation
      // ("一万五是甲类，四千是乙类": 甲类 belongs to 一万五, 乙类 to 四千).
      double cue = 0;
      const std::string_view seg = text.substr(seg_begin, n.begin - seg_begin);
      for (const auto& c : s.cues) {
        const size_t at = seg.rfind(c);
        if (at == std::string_view::npos) continue;
        const std::string_view gap = seg.substr(at + c.size());
        const double closeness = 1.0 / (1 + static_cast<double>(CodePoints(gap)));
        cue = std::max(cue, (HasPunct(gap) ? 1.5 : 3) + closeness);
      }
      // A cue right after the number ("4500的基数"): at most two characters between, no
      // punctuation, before the next number.
      const std::string_view tail = text.substr(n.end, next_begin > n.end ? next_begin - n.end : 0);
      for (const auto& c : s.cues) {
        const size_t at = tail.find(c);
        if (at == std::string_view::npos) continue;
        const std::string_view gap = tail.substr(0, at);
        if (CodePoints(gap) > 2 || HasPunct(gap)) continue;
        cue = std::max(cue, 2 + 1.0 / (1 + static_cast<double>(CodePoints(gap))));
      }
      // Nothing ties the number to the slot and it does not fit the slot's range: not this slot
      // ("十级，四千五": 4500 is no grade, so it is the wage).
      if (!own_unit && cue == 0 && !expected_slot && IsNumber(*value)) {
        const double v = NumberOf(*value);
        if ((s.min && v < *s.min) || (s.max && v > *s.max)) continue;
      }
      score += cue;
      if (expected_slot) score += 1;
      if (score == 0 && n.zero_word) continue;
      mine.push_back({ni, si, score, std::move(*value)});
    }
    if (mine.size() == 1 && !n.zero_word) mine[0].score += 0.5;  // the only slot of its kind
    for (auto& c : mine)
      if (c.score > 0) cands.push_back(std::move(c));
  }
  std::sort(cands.begin(), cands.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    return nums[a.num].begin > nums[b.num].begin;  // later mentions win (corrections)
  });
  std::vector<bool> num_used(nums.size(), false), slot_used(flow.slots.size(), false);
  for (const auto& s : fills)
    for (size_t si = 0; si < flow.slots.size(); ++si)
      if (flow.slots[si].name == s.slot && IsNumberSlot(flow.slots[si])) slot_used[si] = true;
  for (const auto& c : cands) {
    if (num_used[c.num] || slot_used[c.slot]) continue;
    // Another free slot as good as this one: the number is ambiguous, leave it.
    bool tie = false;
    for (const auto& o : cands)
      if (o.num == c.num && o.slot != c.slot && !slot_used[o.slot] &&
          std::fabs(o.score - c.score) < 1e-9)
        tie = true;
    num_used[c.num] = true;
    if (tie) continue;
    slot_used[c.slot] = true;
    fills.push_back({flow.slots[c.slot].name, c.value, nums[c.num].text, nums[c.num].begin});
  }

  // 3. A bare yes or no to the bool slot just asked (and nothing else said).
  if (const SlotDef* s = flow.FindSlot(expected);
      s && s->type == SlotType::kBool && fills.empty()) {
    size_t i = 0;
    while (i < text.size() && IsPunct(text, i)) ++i;
    const std::string_view t = text.substr(i);
    bool unsure = false;
    for (std::string_view w : kUnsureWords) unsure = unsure || t.starts_with(w);
    auto answer = [&](const auto& words, bool value) {
      for (std::string_view w : words) {
        if (!t.starts_with(w)) continue;
        fills.push_back({s->name, value, std::string(w), i});
        return true;
      }
      return false;
    };
    if (!unsure && !answer(kNoWords, false)) answer(kYesWords, true);
  }

  // Later mentions win; keep one fill per slot, in utterance order.
  std::stable_sort(fills.begin(), fills.end(),
                   [](const SlotFill& a, const SlotFill& b) { return a.begin < b.begin; });
  Extraction out;
  for (auto& f : fills) {
    auto it = std::find_if(out.fills.begin(), out.fills.end(),
                           [&](const SlotFill& o) { return o.slot == f.slot; });
    if (it != out.fills.end()) out.fills.erase(it);
    out.fills.push_back(std::move(f));
  }
  for (auto& a : ambiguities) {
    if (out.Find(a.slot)) continue;
    bool seen = false;
    for (const auto& o : out.ambiguities) seen = seen || o.slot == a.slot;
    if (!seen) out.ambiguities.push_back(std::move(a));
  }
  return out;
}

std::optional<std::string> CheckSlotValue(const SlotDef& slot, const SlotValue& value) {
  auto range_message = [&](const std::string& shown) -> std::string {
    if (!slot.range_message.empty()) return slot.range_message;
    std::string m = "您说的" + slot.label + "是" + shown + "，";
    if (slot.min && slot.max) {
      m += "应在" + FormatNumber(*slot.min) + "到" + FormatNumber(*slot.max) + "之间";
    } else if (slot.min) {
      m += "不能小于" + FormatNumber(*slot.min);
    } else {
      m += "不能大于" + FormatNumber(*slot.max);
    }
    return m + "，请再说一下。";
  };
  switch (slot.type) {
    case SlotType::kMoney:
    case SlotType::kMonths:
    case SlotType::kNumber: {
      if (!IsNumber(value)) return slot.label + "应该是一个数。";
      const double v = NumberOf(value);
      if ((slot.min && v < *slot.min - 1e-9) || (slot.max && v > *slot.max + 1e-9))
        return range_message(FormatSlotValue(slot, value));
      return std::nullopt;
    }
    case SlotType::kYearMonth: {
      if (!std::holds_alternative<std::string>(value)) return slot.label + "应该是年和月。";
      int y = 0, m = 0;
      char tail = 0;
      const std::string s = std::get<std::string>(value);
      const int got = std::sscanf(s.c_str(), "%4d-%2d%c", &y, &m, &tail);
      if (got == 1 && s.size() == 4)
        return "请把" + slot.label + "说到月份，比如" + std::to_string(y) + "年5月。";
      if (got != 2 || m < 1 || m > 12) return slot.label + "应该是年和月，比如1970年5月。";
      if ((slot.min && y < *slot.min) || (slot.max && y > *slot.max))
        return range_message(FormatSlotValue(slot, value));
      return std::nullopt;
    }
    case SlotType::kEnum:
      if (!std::holds_alternative<std::string>(value) ||
          !slot.FindValue(std::get<std::string>(value)))
        return slot.label + "没有这一项。";
      return std::nullopt;
    case SlotType::kBool:
      if (!std::holds_alternative<bool>(value)) return slot.label + "应该是“是”或“否”。";
      return std::nullopt;
  }
  return std::nullopt;
}

std::string FormatSlotValue(const SlotDef& slot, const SlotValue& value) {
  switch (slot.type) {
    case SlotType::kMoney:
      if (IsNumber(value)) return FormatYuanPlain(YuanToCents(NumberOf(value))) + "元";
      break;
    case SlotType::kMonths:
      if (const int64_t* months = std::get_if<int64_t>(&value)) {
        const int64_t m = *months;
        if (m < 12) return std::to_string(m) + "个月";
        return std::to_string(m / 12) + "年" + (m % 12 ? std::to_string(m % 12) + "个月" : "");
      }
      break;
    case SlotType::kYearMonth:
      if (std::holds_alternative<std::string>(value)) {
        int y = 0, m = 0;
        char tail = 0;
        const std::string s = std::get<std::string>(value);
        const int got = std::sscanf(s.c_str(), "%4d-%2d%c", &y, &m, &tail);
        if (got == 2) return std::to_string(y) + "年" + std::to_string(m) + "月";
        if (got == 1) return std::to_string(y) + "年";
      }
      break;
    case SlotType::kNumber:
      if (IsNumber(value))
        return FormatNumber(NumberOf(value)) + (slot.units.empty() ? "" : slot.units[0]);
      break;
    case SlotType::kBool:
      if (std::holds_alternative<bool>(value))
        return std::get<bool>(value) ? slot.true_label : slot.false_label;
      break;
    case SlotType::kEnum:
      if (std::holds_alternative<std::string>(value)) return std::get<std::string>(value);
      break;
  }
  return SlotValueToJson(value).dump();  // a value of the wrong type, as stored
}

}  // namespace zx::dialogue
