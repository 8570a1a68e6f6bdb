// Slot values as types: what a calculator flow holds for each slot (flow_def.h) and what replies
// carry (reply.h). No JSON here: their JSON forms are made where they are stored
// (flow_json_internal.h) or sent (http/dialogue_json.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>

namespace zx::dialogue {

// One slot value: enum names and year-months are text ("三级", "1970-05"), money and numbers are
// numbers (whole numbers stay whole: 15000, 1234.5), months are whole numbers, bools are bools.
using SlotValue = std::variant<bool, int64_t, double, std::string>;
using SlotMap = std::map<std::string, SlotValue, std::less<>>;

// Whether the value is a number (whole or not), and its value as a double (0 when not a number).
inline bool IsNumber(const SlotValue& v) {
  return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
}
inline double NumberOf(const SlotValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return 0;
}

}  // namespace zx::dialogue
