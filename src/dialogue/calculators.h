// Calculators of the `calc` topics (rules as data: kb/flows, kb/README.md): pure functions from
// parameters (a flow file's [params] table, dialogue/params.h) and slot values (flow_def.h
// SlotValues) to an answer with its working.
//
// Money is computed in integer 分 (cents) and rounded half-up to 0.01 元 at every figure that is
// shown, so each step can be checked by hand; rates and divisors are exact decimals (up to six
// places). Input that is out of range for the rule is explained, not refused: a flex base below
// the floor is raised to it and a note says so. An error Result means the parameters or the slot
// values are malformed (a missing parameter, a slot of the wrong type): a bug in the caller or
// the data, never the citizen's fault.
//
// Thread-safe: no state.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "dialogue/flow_def.h"

namespace zx::dialogue {

struct CalcResult {
  std::string summary;                  // the answer in one sentence: "预计可报销14600.00元"
  std::optional<int64_t> amount_cents;  // the main money figure, when the answer is money
  // Named figures, by name: money keys end in _cents (whole cents), percentages in _percent;
  // counts are whole numbers, flags bools, dates text ("2031-05").
  std::map<std::string, SlotValue, std::less<>> figures;
  std::vector<std::string> steps;  // the working, one line per step, with figures
  std::vector<std::string> notes;  // adjustments and special cases ("基数低于下限，按下限计算")
  std::string rule;                // the rule and the parameters used, one line
};

// The JSON form, {"summary","amount":"14600.00"|null,"figures":{},"steps":[],"notes":[],"rule"},
// is made where it is stored (flow_json_internal.h) and sent (http/dialogue_json.h).

// A slot a calculator reads (the flow must declare it with this type).
struct CalcSlot {
  std::string name;
  SlotType type;
  bool required = true;  // false: a missing value reads as 0 / false
};

// A parameter that is missing or malformed: "deductible.二级" and why.
struct ParamProblem {
  std::string path;  // dotted path under [params]
  std::string reason;
};

// Enum values of the flow's slots, by slot name (params keyed by enum value are checked
// against them).
using EnumValueNames = std::map<std::string, std::vector<std::string>, std::less<>>;

struct Calculator {
  std::string name;  // as written in a flow file: calculator = "inpatient"
  std::vector<CalcSlot> slots;
  std::function<std::optional<ParamProblem>(const Params& params, const EnumValueNames& enums)>
      check;
  CalcFn compute;
};

// The built-in calculators, by name; nullptr for an unknown name.
//   inpatient              yb.inpatient_calc, yb.remote_ratio
//   unemployment_duration  sy.duration
//   severance              ld.severance
//   overtime               ld.overtime
//   flex_contribution      yl.flex_contribution
//   retirement_age         yl.retirement_age
//   injury_benefit         gs.benefits
const Calculator* FindCalculator(std::string_view name);
std::vector<std::string> CalculatorNames();

// The calculators themselves (also reachable through FindCalculator).
Result<CalcResult> CalcInpatient(const Params& params, const SlotValues& v);
Result<CalcResult> CalcUnemploymentDuration(const Params& params, const SlotValues& v);
Result<CalcResult> CalcSeverance(const Params& params, const SlotValues& v);
Result<CalcResult> CalcOvertime(const Params& params, const SlotValues& v);
Result<CalcResult> CalcFlexContribution(const Params& params, const SlotValues& v);
Result<CalcResult> CalcRetirementAge(const Params& params, const SlotValues& v);
Result<CalcResult> CalcInjuryBenefit(const Params& params, const SlotValues& v);

// Decimal helpers, shared with the flow engine.
// 元 as a double -> 分, rounded half-up.
int64_t YuanToCents(double yuan);
// "11900.00".
std::string FormatCents(int64_t cents);
// An amount as said: "15000", "1234.5", "1234.56".
std::string FormatYuanPlain(int64_t cents);
// A number as written: 21.75 -> "21.75", 85 -> "85", 1e6 -> "1000000".
std::string FormatNumber(double v);
// 1..10 -> "一".."十" (grades); other numbers in digits.
std::string ChineseOrdinal(int n);

}  // namespace zx::dialogue
