#include "dialogue/flow_json_internal.h"

#include <string>
#include <variant>

namespace zx::dialogue {

using nlohmann::json;

json SlotValueToJson(const SlotValue& value) {
  return std::visit([](const auto& x) { return json(x); }, value);
}

std::optional<SlotValue> SlotValueFromJson(const json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_integer()) return j.get<int64_t>();  // signed or unsigned
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  return std::nullopt;
}

json SlotValuesToJson(const SlotMap& values) {
  json out = json::object();
  for (const auto& [k, v] : values) out[k] = SlotValueToJson(v);
  return out;
}

json ToJson(const FlowState& s) {
  json clarify = nullptr;
  if (!s.clarify_slot.empty())
    clarify = {
        {"slot", s.clarify_slot}, {"prompt", s.clarify_prompt}, {"values", s.clarify_values}};
  return {{"flow", s.flow},         {"slots", SlotValuesToJson(s.slots)},
          {"asking", s.asking},     {"clarify", clarify},
          {"complete", s.complete}, {"answered", s.answered}};
}

Result<FlowState> FlowStateFromJson(const json& j) {
  if (!j.is_object()) return InvalidArgument("flow state must be a JSON object");
  FlowState s;
  auto str = [&](const char* key, std::string* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return Status::Ok();
    if (!it->is_string())
      return InvalidArgument(std::string("flow state: ") + key + " must be a string");
    *out = it->get<std::string>();
    return Status::Ok();
  };
  ZX_RETURN_IF_ERROR(str("flow", &s.flow));
  ZX_RETURN_IF_ERROR(str("asking", &s.asking));
  if (auto it = j.find("slots"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("flow state: slots must be an object");
    // A null (or any value no slot can hold) reads as not said, as it always did.
    for (const auto& [k, v] : it->items())
      if (auto value = SlotValueFromJson(v)) s.slots[k] = std::move(*value);
  }
  if (auto it = j.find("clarify"); it != j.end() && !it->is_null()) {
    if (!it->is_object() || !it->contains("slot") || !(*it)["slot"].is_string())
      return InvalidArgument("flow state: clarify must be {slot, prompt, values}");
    s.clarify_slot = (*it)["slot"].get<std::string>();
    s.clarify_prompt = it->value("prompt", "");
    if (it->contains("values") && (*it)["values"].is_array())
      for (const auto& v : (*it)["values"])
        if (v.is_string()) s.clarify_values.push_back(v.get<std::string>());
  }
  if (auto it = j.find("complete"); it != j.end() && it->is_boolean()) s.complete = it->get<bool>();
  if (auto it = j.find("answered"); it != j.end() && it->is_boolean()) s.answered = it->get<bool>();
  return s;
}

json ToJson(const CalcResult& r) {
  return {{"summary", r.summary},
          {"amount", r.amount_cents ? json(FormatCents(*r.amount_cents)) : json(nullptr)},
          {"figures", SlotValuesToJson(r.figures)},
          {"steps", r.steps},
          {"notes", r.notes},
          {"rule", r.rule}};
}

}  // namespace zx::dialogue
