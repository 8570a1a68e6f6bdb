// Figures of a text as the grounding checker compares them (grounding.h): every amount,
// percentage, date, time of day, duration, count, age, phone or case number, with its value and
// its unit in one canonical spelling, so that 1500元, 一千五百元, 0.15万元 and 1,500元 compare
// equal and 30个工作日, 30日 and 30元 do not.
//
// Canonical units (Figure::unit): 元 (块, 万元: scaled), % (百分之, 成 ×10, 折 ×10: 八折 is the
// share paid, 80%), 百分点, 分数 (三分之二 as "2/3"), 倍, 工作日, 日 (天, 自然日; a duration),
// 月 (个月; N年 is 12N 月, 半年 6), 周, 小时, 分钟, 岁 (周岁), 日期 (a calendar date, value
// "y2026 m3 d1" with the parts said; 每月15日, 6月底), 时刻 (09:30; 下午5点 is 17:00), 号码 (phone
// and hotline numbers, digit by digit: 0531-12345678, 一二三四五), 编号 (letters with digits:
// A2026001), a classifier for counts (次, 人, 套, 级 ...; 第 before it for ordinals: 第3批),
// or "" for a plain number.
//
// Not figures: list numbering ("1." or "一、" at the start of a line or item), 第一/第二 as
// sequence words (第 without a classifier), lone Chinese numerals that are not before a
// classifier (一般, 一起, 统一), fixed words (一次性, 一站式, 万一, 五险一金), ranges said with
// two adjacent digits (三四天). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zx::llm {

struct Figure {
  std::string unit;   // canonical unit (above)
  std::string value;  // canonical value: "1500", "0.5", "y2026 m3 d1", "09:30", "12345"
  double number = 0;  // the number as written before its unit word (500 in 500万元)
  std::string per;  // the rate it is said per: "月" for 每月/每个月/元/月, "年", "人" ... or ""
  int bound = 0;  // -1 at most (以内, 最多, 不超过, 前), +1 at least (以上, 满, 起), 0 unsaid
  bool calculation = false;  // a plain number in a sum (8000 − 800): it may stand for any unit
  size_t begin = 0;          // byte span in the text
  size_t end = 0;
  std::string text;  // the words as written
};

// Every figure of `text` (normalised: text/normalizer.h), left to right.
std::vector<Figure> ExtractFigures(std::string_view text);

// True when `answer` (one figure of an answer) states what `source` states: the same unit and
// value. A date matches when every part the answer says (year, month, day) is the source's; a
// plain number matches a source figure of any unit with its value.
bool SameFigure(const Figure& answer, const Figure& source);

}  // namespace zx::llm
