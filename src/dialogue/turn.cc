#include "dialogue/turn.h"

namespace zx::dialogue {

Reply RunTurn(const TurnDeps& deps, const std::string& id, State& st, const Understanding& u) {
  TurnContext c{deps, id, st, u, {}};
  c.reply.conversation_id = id;
  c.reply.emotion = ToEmotionTag(u.emotion.dominant);
  if (auto chosen = ChosenTopic(c)) return AnswerTopic(c, *chosen, nullptr);
  if (auto r = ContinueFlow(c)) return std::move(*r);
  return AnswerOrAskBack(c);
}

Reply ReplyWhileWithAgents(const std::string& id, const State& st, int queue_position,
                           bool moved_up) {
  Reply r;
  r.conversation_id = id;
  r.text = st.state == kQueued
               ? std::string(moved_up ? "您说的情况涉及安全，已为您优先转接。" : "") +
                     "已记下您的留言。您排在第" + std::to_string(queue_position) +
                     "位，坐席接入后会先看到这些内容。"
               : "";  // with an agent: the agent answers
  return r;
}

}  // namespace zx::dialogue
