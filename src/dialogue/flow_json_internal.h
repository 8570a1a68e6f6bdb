// The JSON forms of calculator flows' values, inside the dialogue module only: the conversation
// state stores each FlowState as JSON (state.cc), an assistant turn's meta stores the CalcResult
// (state.cc), and the flows' unit tests check both. The public headers carry no JSON; the chat
// API's JSON is made at the edge (http/dialogue_json.h), in the same shapes.
//
// These shapes are stored in conversations: changing them breaks stored conversations.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "base/status.h"
#include "dialogue/calculators.h"
#include "dialogue/flow.h"
#include "dialogue/slot_value.h"

namespace zx::dialogue {

// true / 15000 / 1234.5 / "三级".
nlohmann::json SlotValueToJson(const SlotValue& value);
// A JSON bool, number (whole numbers stay whole) or string; nullopt for anything else (null,
// arrays, objects: never written, and read as "not said").
std::optional<SlotValue> SlotValueFromJson(const nlohmann::json& j);
// {"name": value, ...}.
nlohmann::json SlotValuesToJson(const SlotMap& values);

// {"flow","slots":{...},"asking","clarify":{"slot","prompt","values"}|null,"complete","answered"}
nlohmann::json ToJson(const FlowState& state);
Result<FlowState> FlowStateFromJson(const nlohmann::json& j);

// {"summary","amount":"14600.00"|null,"figures":{},"steps":[],"notes":[],"rule"}
nlohmann::json ToJson(const CalcResult& result);

}  // namespace zx::dialogue
