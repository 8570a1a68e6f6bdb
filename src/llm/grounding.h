// The grounding checker: before a model-written answer reaches a citizen, every figure in it
// (amounts, percentages and 成/折, dates and deadlines, durations, counts, ages, phone and case
// numbers; Chinese or Arabic numerals: figures.h) must equal a figure of a cited source with the
// same unit; department and programme names must appear in the sources; a negation before a
// figure in the source (不予, 不得, 无需) must still be there, and so must the direction of a
// bound (以内 / 以上, 最多 / 至少). Plain C++, no second model: any problem and the caller gives
// the deterministic answer instead, counting the reason (docs/llm.md).
//
// What it cannot see: a figure the answer leaves out, a condition moved to another figure of
// the same value, a changed word that is not a figure, a name or a negation (可以 vs 必须), and
// arithmetic (an answer's 7.8万元 must be written in the source; 13 × 6000 is not computed).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::llm {

struct GroundingProblem {
  std::string kind;  // "figure", "unit", "entity", "negation", "untagged"
  std::string text;  // the offending words of the answer, and briefly why
};

struct GroundingResult {
  bool ok = true;
  std::vector<GroundingProblem> problems;
};

// Data of the check (kb/llm/grounding.toml; Defaults() are the built-in lists).
struct GroundingRules {
  // Words that negate what follows in their clause (不予, 不得, 无需, ... 未, 不). Bounds that
  // contain one (不超过, 不满, 不低于) and words like 不动产 or 未成年 are not negations.
  std::vector<std::string> negations;
  // Endings of department and programme names (局, 中心, 委员会 ...; 保险, 补贴, 公积金 ...).
  std::vector<std::string> entity_suffixes;
  static GroundingRules Defaults();
};

// Reads a rules file (TOML: `negations = [...]`, `entity_suffixes = [...]`; a missing key keeps
// its default list). kInvalidArgument naming the file and the key when it is not a list of
// non-empty strings, or the file cannot be read or parsed.
Result<GroundingRules> LoadGroundingRules(const std::string& path);

struct GroundingOptions {
  // An untagged sentence that states a figure or a name is a problem ("untagged").
  bool require_tags = false;
};

// Checks `answer` against `sources`. Sentences may end with source tags, [1], [1,3] or [1][2]
// (1-based indexes into `sources`): a tagged sentence is checked against the sources it cites;
// an untagged one against all of them (see require_tags). A tag naming no source is an
// "untagged" problem. Kinds: "figure" (a value no admissible source states), "unit" (the value
// is there with another unit or rate: 30个工作日 vs 30日, 每年 vs 每月), "entity" (a name no
// source has), "negation" (a negation or the direction of a bound lost or added).
GroundingResult CheckGrounding(std::string_view answer, const std::vector<std::string>& sources,
                               const GroundingRules& rules, const GroundingOptions& options = {});

// `answer` without its source tags, as a citizen sees it (no space left before punctuation).
std::string StripSourceTags(std::string_view answer);

// The sentences of `answer`, each ending at 。！？!?；; or a newline (not kept), the tags and
// closing quotes after the end kept with their sentence; blank ones left out. For checking
// voice answers one sentence at a time.
std::vector<std::string> SplitSentences(std::string_view answer);

}  // namespace zx::llm
