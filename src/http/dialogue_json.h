// The dialogue's types as JSON: the one place their wire form is written, shared by the REST
// routes, the WebSocket chat and the CLI (`zhixian chat --json`). The shapes are the contracts
// of api/openapi.yaml and README.md; the dialogue itself speaks types (dialogue/reply.h,
// dialogue/summary.h, dialogue/events.h).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "dialogue/calculators.h"
#include "dialogue/events.h"
#include "dialogue/reply.h"
#include "dialogue/summary.h"

namespace zx::http {

// {"conversation_id","reply","topic","slots","emotion","handoff","ticket","done","citations",
//  "steps","state","queue_position"} plus "confidence" (knowledge answers), "result"
// (calculator answers) and "handoff_reason" (hand-overs) where they apply.
nlohmann::json ToJson(const dialogue::Reply& reply);
// {"咨询主体": {"type","name","district"}, "诉求类型", "涉及政策": [{"topic","title","version"}],
//  "处理建议", "待办事项": [], "风险提示": [], "满意度预测"}
nlohmann::json ToJson(const dialogue::Summary& summary);
// {"summary": ...} | null
nlohmann::json ToJson(const std::optional<dialogue::Summary>& summary);
// {"slot": value, ...}
nlohmann::json ToJson(const dialogue::SlotMap& slots);
// {"summary","amount":"14600.00"|null,"figures":{},"steps":[],"notes":[],"rule"}: a calculator's
// answer (the same shape the dialogue stores with the turn).
nlohmann::json ToJson(const dialogue::CalcResult& result);
// {"name","level"} | null
nlohmann::json ToJson(const std::optional<dialogue::EmotionTag>& emotion);

// The live chat frame of an event ({"type":"reply"|"citizen"|"agent"|"state"|"summary"|
// "partial", ...}); none for the events live channels do not show (started, handed over,
// ended). "partial" (CitizenSpeaking) travels between nodes for staff streams only: the
// citizen's chat never shows it.
std::optional<nlohmann::json> EventFrame(const dialogue::Event& event);

}  // namespace zx::http
