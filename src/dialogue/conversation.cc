#include "dialogue/conversation.h"

#include <set>

namespace zx::dialogue {

nlohmann::json ToJson(const Reply& r) {
  return {{"reply", r.text},
          {"topic", r.topic ? nlohmann::json(*r.topic) : nlohmann::json(nullptr)},
          {"slots", nlohmann::json::object()},
          {"emotion", nullptr},
          {"handoff", r.handoff},
          {"ticket", nullptr},
          {"done", r.done}};
}

Reply Conversation::Say(std::string_view citizen_text) {
  Reply r;
  r.answer = assistant_.Ask(citizen_text);
  r.topic = r.answer.topic;
  r.text = r.answer.text;
  if (r.topic == "meta.repeat" && !turns_.empty()) {
    // Say the last substantive reply again.
    for (auto it = turns_.rbegin(); it != turns_.rend(); ++it) {
      if (it->reply.topic != "meta.repeat") {
        r.text = "好的，我再说一遍：" + it->reply.text;
        break;
      }
    }
  }
  r.handoff = r.topic == "meta.human";
  r.done = r.topic == "meta.goodbye" || r.handoff;
  done_ = r.done;
  turns_.push_back({std::string(citizen_text), r});
  return r;
}

nlohmann::json Conversation::Summary() const {
  std::vector<std::string> topics, titles, todo;
  std::set<std::string> seen;
  std::string type = "咨询";
  bool unresolved = false, handoff = false;
  for (const auto& t : turns_) {
    handoff |= t.reply.handoff;
    if (!t.reply.topic) {
      unresolved = true;
      continue;
    }
    const knowledge::Entry* e = kb_.Find(*t.reply.topic);
    if (!e || e->kind == "meta" || !seen.insert(e->id).second) continue;
    topics.push_back(e->id);
    titles.push_back(e->title);
    if (e->kind == "complaint") {
      type = e->id == "ts.suggestion" ? "建议" : "投诉";
      todo.push_back("登记工单并派至" + e->department + "（时限" + e->sla + "）");
    } else if (e->kind == "query") {
      type = type == "咨询" ? "求助" : type;
      todo.push_back("核验身份后查询办理进度");
    }
  }
  std::string advice = topics.empty() ? "未识别明确诉求，建议人工回访确认"
                       : todo.empty() ? "已按知识库答复，无需后续处理"
                                      : "按诉求登记工单并跟踪办理";
  if (handoff) todo.push_back("人工坐席接续处理");
  nlohmann::json policies = nlohmann::json::array();
  for (size_t i = 0; i < topics.size(); ++i)
    policies.push_back({{"topic", topics[i]}, {"title", titles[i]}});
  return {{"咨询主体", {{"type", "个人"}, {"name", nullptr}, {"district", nullptr}}},
          {"诉求类型", type},
          {"涉及政策", policies},
          {"处理建议", advice},
          {"待办事项", todo},
          {"风险提示", nlohmann::json::array()},
          {"满意度预测", unresolved || handoff ? "基本满意" : "满意"}};
}

}  // namespace zx::dialogue
