#include "http/knowledge_json.h"

#include <cmath>

namespace zx::http {

nlohmann::json ToJson(const knowledge::Answer& a) {
  nlohmann::json j;
  j["question"] = a.question;
  j["topic"] = a.topic ? nlohmann::json(*a.topic) : nlohmann::json(nullptr);
  j["confidence"] = std::round(a.confidence * 1000) / 1000;
  j["answer"] = a.text;
  j["citations"] = nlohmann::json::array();
  for (const auto& c : a.citations)
    j["citations"].push_back({{"id", c.id}, {"title", c.title}, {"version", c.version}});
  j["alternatives"] = nlohmann::json::array();
  for (const auto& alt : a.alternatives)
    j["alternatives"].push_back(
        {{"topic", alt.topic}, {"confidence", std::round(alt.confidence * 1000) / 1000}});
  // Only on a reply a language model wrote (and the checker let through): the knowledge base's
  // own reply reads exactly as it does without engines.
  if (!a.written_by.empty()) j["written_by"] = a.written_by;
  return j;
}

}  // namespace zx::http
