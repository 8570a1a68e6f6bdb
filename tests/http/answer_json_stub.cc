// A stand-in for knowledge::ToJson (src/knowledge/answer.cc), linked into the HTTP tests only
// while the zx_knowledge library does not exist yet. Follows the contract of knowledge/answer.h.
#include "knowledge/answer.h"

namespace zx::knowledge {

nlohmann::json ToJson(const Answer& answer) {
  nlohmann::json citations = nlohmann::json::array();
  for (const auto& c : answer.citations) citations.push_back({{"id", c.id}, {"title", c.title}});
  nlohmann::json alternatives = nlohmann::json::array();
  for (const auto& a : answer.alternatives)
    alternatives.push_back({{"topic", a.topic}, {"confidence", a.confidence}});
  return {{"question", answer.question},
          {"topic", answer.topic ? nlohmann::json(*answer.topic) : nlohmann::json(nullptr)},
          {"confidence", answer.confidence},
          {"answer", answer.text},
          {"citations", citations},
          {"alternatives", alternatives}};
}

}  // namespace zx::knowledge
