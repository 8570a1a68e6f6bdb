// The seven-element after-call summary (话后小结, DOMAIN.md), made from what the conversation
// recorded, without a language model: 咨询主体, 诉求类型, 涉及政策, 处理建议, 待办事项, 风险提示,
// 满意度预测. It names no person in full: the subject carries a masked name at most.
// Pure function; fast (well under a millisecond).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dialogue/emotion.h"
#include "knowledge/entry.h"

namespace zx::dialogue {

struct SummaryInput {
  std::vector<std::string> topics;     // topics dealt with, in order, unique
  std::vector<std::string> results;    // calculator results given ("预计可报销14600.00元")
  std::vector<std::string> risks;      // 风险提示 labels heard
  std::vector<EmotionLabel> emotions;  // per citizen turn
  std::vector<std::string> districts;  // districts named
  std::vector<std::string> request_types;  // 举报, 表扬 ... said in so many words
  bool handed_over = false;
  std::string handoff_reason;
  int unresolved_turns = 0;
};

nlohmann::json MakeSevenElementSummary(const SummaryInput& in, const knowledge::KnowledgeBase& kb);

}  // namespace zx::dialogue
