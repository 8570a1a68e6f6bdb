#include "http/dialogue_json.h"

#include "dialogue/contact.h"
#include "text/pii.h"

namespace zx::http {

using nlohmann::json;

json ToJson(const dialogue::SlotMap& slots) {
  json out = json::object();
  for (const auto& [name, value] : slots)
    out[name] = std::visit([](const auto& v) { return json(v); }, value);
  return out;
}

json ToJson(const dialogue::CalcResult& r) {
  return {{"summary", r.summary},
          {"amount", r.amount_cents ? json(dialogue::FormatCents(*r.amount_cents)) : json(nullptr)},
          {"figures", ToJson(r.figures)},
          {"steps", r.steps},
          {"notes", r.notes},
          {"rule", r.rule}};
}

json ToJson(const std::optional<dialogue::EmotionTag>& emotion) {
  if (!emotion) return nullptr;
  return {{"name", emotion->name}, {"level", emotion->level}};
}

json ToJson(const dialogue::Reply& r) {
  json cites = json::array();
  for (const auto& c : r.citations)
    cites.push_back({{"id", c.id}, {"title", c.title}, {"version", c.version}});
  json out = {{"conversation_id", r.conversation_id},
              {"reply", r.text},
              {"topic", r.topic ? json(*r.topic) : json(nullptr)},
              {"slots", ToJson(r.slots)},
              {"emotion", ToJson(r.emotion)},
              {"handoff", r.handoff},
              {"ticket", r.ticket ? json{{"id", r.ticket->id},
                                         {"department", r.ticket->department.empty()
                                                            ? json(nullptr)
                                                            : json(r.ticket->department)},
                                         {"sla", r.ticket->sla}}
                                  : json(nullptr)},
              {"done", r.done},
              {"citations", cites},
              {"steps", r.steps},
              {"state", r.state},
              {"queue_position", r.queue_position}};
  if (r.confidence) out["confidence"] = *r.confidence;
  if (r.result) out["result"] = ToJson(*r.result);
  if (r.handoff_reason) out["handoff_reason"] = *r.handoff_reason;
  if (!r.written_by.empty()) out["written_by"] = r.written_by;
  return out;
}

json ToJson(const dialogue::Summary& s) {
  json policies = json::array();
  for (const auto& p : s.policies)
    policies.push_back({{"topic", p.topic}, {"title", p.title}, {"version", p.version}});
  json out = {
      {"咨询主体",
       {{"type", s.subject.type},
        {"name", s.subject.name ? json(*s.subject.name) : json(nullptr)},
        {"district", s.subject.district ? json(*s.subject.district) : json(nullptr)},
        {"age_band", s.subject.age_band ? json(*s.subject.age_band) : json(nullptr)},
        // What the citizen gave to be reached: masked wherever shown (issue 11 #6).
        {"contact", s.subject.contact ? json(text::MaskPhone(*s.subject.contact)) : json(nullptr)},
        {"address",
         s.subject.address ? json(dialogue::MaskAddress(*s.subject.address)) : json(nullptr)}}},
      {"诉求类型", s.request_type},
      {"涉及政策", policies},
      {"处理建议", s.advice},
      {"待办事项", s.todo},
      {"风险提示", s.risks},
      {"满意度预测", s.satisfaction}};
  // 小结: sentences a language model wrote from the elements above (checked), once it has.
  if (!s.narrative.empty()) out["小结"] = {{"text", s.narrative}, {"written_by", s.narrative_by}};
  return out;
}

json ToJson(const std::optional<dialogue::Summary>& summary) {
  return summary ? ToJson(*summary) : json(nullptr);
}

std::optional<json> EventFrame(const dialogue::Event& event) {
  using namespace dialogue;
  if (const auto* e = std::get_if<CitizenSaid>(&event))
    return json{{"type", "citizen"}, {"text", e->text}};
  if (const auto* e = std::get_if<TurnAnswered>(&event)) {
    json frame = ToJson(e->reply);
    frame["type"] = "reply";
    return frame;
  }
  if (const auto* e = std::get_if<AgentSaid>(&event))
    return json{{"type", "agent"},
                {"text", e->text},
                {"agent", e->agent.empty() ? json(nullptr) : json(e->agent)}};
  if (const auto* e = std::get_if<StateChanged>(&event))
    return json{{"type", "state"}, {"state", e->state}, {"queue_position", e->queue_position}};
  if (const auto* e = std::get_if<CitizenSpeaking>(&event))
    return json{{"type", "partial"}, {"text", e->text}};  // for other nodes' staff streams
  if (const auto* e = std::get_if<SummaryReady>(&event))
    return json{{"type", "summary"},
                {"summary", ToJson(e->summary)},
                {"reference", e->reference.empty() ? json(nullptr) : json(e->reference)}};
  return std::nullopt;
}

}  // namespace zx::http
