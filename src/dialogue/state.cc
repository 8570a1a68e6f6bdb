#include "dialogue/state.h"

#include <nlohmann/json.hpp>

#include "dialogue/flow_json_internal.h"

namespace zx::dialogue {

using nlohmann::json;

SlotMap State::ActiveSlots() const {
  if (active_flow.empty()) return {};
  auto it = flows.find(active_flow);
  return it == flows.end() ? SlotMap{} : it->second.slots;
}

std::string EncodeState(const State& s) {
  json flows_json = json::object();
  for (const auto& [id, f] : s.flows) flows_json[id] = ToJson(f);
  json emo = json::array();
  for (const auto& e : s.emotions)
    emo.push_back({std::string(EmotionName(e.emotion)), std::string(LevelName(e.level))});
  json j = {{"state", s.state},
            {"topic", s.topic ? json(*s.topic) : json(nullptr)},
            {"last_question", s.last_question},
            {"last_reply", s.last_reply},
            {"pending_choices", s.pending_choices},
            {"flows", flows_json},
            {"active_flow", s.active_flow},
            {"failures", s.escalation.consecutive_failures},
            {"handed_over", s.escalation.handed_over},
            {"emotions", emo},
            {"risks", s.risks},
            {"topics", s.topics},
            {"handoff_reason", s.handoff_reason},
            {"handoff_priority", s.handoff_priority},
            {"danger", s.danger},
            {"districts", s.districts},
            {"request_types", s.request_types},
            {"contact", s.contact},
            {"address", s.address},
            {"age_band", s.age_band},
            {"complaint_text", s.complaint_text},
            {"complaint_turns", s.complaint_turns}};
  if (s.ticket)
    j["ticket"] = {
        {"id", s.ticket->id}, {"department", s.ticket->department}, {"sla", s.ticket->sla}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<State> DecodeState(const std::string& stored) {
  json j = json::parse(stored, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return DataLoss("unreadable conversation state");
  State s;
  s.state = j.value("state", std::string(kActive));
  if (j.contains("topic") && j["topic"].is_string()) s.topic = j["topic"].get<std::string>();
  s.last_question = j.value("last_question", "");
  s.last_reply = j.value("last_reply", "");
  s.pending_choices = j.value("pending_choices", std::vector<std::string>{});
  if (j.contains("flows"))
    for (const auto& [id, f] : j["flows"].items()) {
      auto fs = FlowStateFromJson(f);
      if (fs.ok()) s.flows[id] = *fs;
    }
  s.active_flow = j.value("active_flow", "");
  s.escalation.consecutive_failures = j.value("failures", 0);
  s.escalation.handed_over = j.value("handed_over", false);
  if (j.contains("emotions"))
    for (const auto& e : j["emotions"]) {
      auto em = EmotionFromName(e[0].get<std::string>());
      auto lv = LevelFromName(e[1].get<std::string>());
      if (em && lv) s.emotions.push_back({*em, *lv});
    }
  for (const auto& r : j.value("risks", std::vector<std::string>{})) s.risks.insert(r);
  s.topics = j.value("topics", std::vector<std::string>{});
  s.handoff_reason = j.value("handoff_reason", "");
  s.handoff_priority = j.value("handoff_priority", 0);
  s.danger = j.value("danger", false);
  s.districts = j.value("districts", std::vector<std::string>{});
  for (const auto& r : j.value("request_types", std::vector<std::string>{}))
    s.request_types.insert(r);
  s.contact = j.value("contact", "");
  s.address = j.value("address", "");
  s.age_band = j.value("age_band", "");
  s.complaint_text = j.value("complaint_text", "");
  s.complaint_turns = j.value("complaint_turns", 0);
  if (j.contains("ticket") && j["ticket"].is_object())
    s.ticket = TicketRef{j["ticket"].value("id", ""), j["ticket"].value("department", ""),
                         j["ticket"].value("sla", "")};
  return s;
}

std::string EncodeReplyMeta(const Reply& r) {
  json cites = json::array();
  for (const auto& c : r.citations)
    cites.push_back({{"id", c.id}, {"title", c.title}, {"version", c.version}});
  json m = {{"conversation_id", r.conversation_id},
            {"topic", r.topic ? json(*r.topic) : json(nullptr)},
            {"slots", SlotValuesToJson(r.slots)},
            {"emotion", r.emotion ? json{{"name", r.emotion->name}, {"level", r.emotion->level}}
                                  : json(nullptr)},
            {"handoff", r.handoff},
            {"ticket", r.ticket ? json{{"id", r.ticket->id},
                                       {"department", r.ticket->department},
                                       {"sla", r.ticket->sla}}
                                : json(nullptr)},
            {"done", r.done},
            {"citations", cites},
            {"steps", r.steps}};
  if (r.confidence) m["confidence"] = *r.confidence;
  if (r.result) m["result"] = ToJson(*r.result);
  if (r.handoff_reason) m["handoff_reason"] = *r.handoff_reason;
  if (!r.written_by.empty()) m["written_by"] = r.written_by;
  return m.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EncodeCitizenMeta(const EmotionLabel& emotion, const std::vector<RiskHit>& risks,
                              const std::vector<PushedEntry>& pushed) {
  json m = json::object();
  if (auto tag = ToEmotionTag(emotion)) m["emotion"] = {{"name", tag->name}, {"level", tag->level}};
  json phrases = json::array();
  for (const auto& r : risks)
    if (!r.negated && !r.phrase.empty()) phrases.push_back(r.phrase);
  if (!phrases.empty()) m["risks"] = std::move(phrases);
  if (!pushed.empty()) {
    json kb = json::array();
    for (const auto& e : pushed)
      kb.push_back({{"topic", e.topic},
                    {"title", e.title},
                    {"version", e.version},
                    {"answer", e.answer},
                    {"confidence", e.confidence},
                    {"terms", e.terms}});
    m["kb"] = std::move(kb);
  }
  return m.empty() ? "" : m.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EncodeAgentMeta(const std::string& agent_id, const std::string& display) {
  json meta = {{"agent", agent_id}};
  if (!display.empty()) meta["display"] = display;
  return meta.dump(-1, ' ', false, json::error_handler_t::replace);
}

StoredReplyFacts ReadReplyMeta(const std::string& meta) {
  StoredReplyFacts f;
  if (meta.empty()) return f;
  json m = json::parse(meta, nullptr, false);
  if (!m.is_object()) return f;
  if (m.contains("result")) f.result_summary = m["result"].value("summary", "");
  f.unanswered = m.contains("topic") && m["topic"].is_null();
  if (m.contains("citations") && m["citations"].is_array())
    for (const auto& c : m["citations"])
      if (c.is_object() && c.contains("id") && c["id"].is_string() && c.contains("version") &&
          c["version"].is_number_integer() && c["version"].get<int>() > 0)
        f.cited[c["id"].get<std::string>()] = c["version"].get<int>();
  return f;
}

std::optional<EmotionTag> ToEmotionTag(const EmotionLabel& label) {
  if (!label.any()) return std::nullopt;
  return EmotionTag{std::string(EmotionName(label.emotion)), std::string(LevelName(label.level))};
}

}  // namespace zx::dialogue
