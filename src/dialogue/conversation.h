// Conversation: one citizen's exchange with the assistant, whatever the channel. Each turn is
// answered from the knowledge base; the meta topics steer the exchange (repeat the last reply,
// hand over to a person, end). At the end, Summary() gives the seven-element after-call summary
// of DOMAIN.md, made without a language model.
//
// Not thread-safe: one conversation is driven by one caller at a time.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "knowledge/answer.h"
#include "knowledge/entry.h"

namespace zx::dialogue {

struct Reply {
  std::string text;
  std::optional<std::string> topic;
  bool handoff = false;  // the citizen is being passed to a human agent
  bool done = false;     // the conversation has ended
  knowledge::Answer answer;
};

struct Turn {
  std::string citizen;
  Reply reply;
};

// {"reply","topic","slots":{},"emotion":null,"handoff","ticket":null,"done"}
nlohmann::json ToJson(const Reply& reply);

class Conversation {
 public:
  Conversation(const knowledge::Assistant& assistant, const knowledge::KnowledgeBase& kb)
      : assistant_(assistant), kb_(kb) {}

  Reply Say(std::string_view citizen_text);
  const std::vector<Turn>& turns() const { return turns_; }
  bool done() const { return done_; }

  // 咨询主体, 诉求类型, 涉及政策, 处理建议, 待办事项, 风险提示, 满意度预测.
  nlohmann::json Summary() const;

 private:
  const knowledge::Assistant& assistant_;
  const knowledge::KnowledgeBase& kb_;
  std::vector<Turn> turns_;
  bool done_ = false;
};

}  // namespace zx::dialogue
