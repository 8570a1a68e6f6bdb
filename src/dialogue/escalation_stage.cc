// The escalation stage: the conversation joins the agents' queue and the citizen is told so,
// with their place when no agent is free.
#include <algorithm>

#include "dialogue/turn.h"

namespace zx::dialogue {

Reply HandOver(TurnContext& c, const EscalationDecision& d) {
  State& st = c.st;
  st.state = kQueued;
  st.escalation.handed_over = true;
  st.handoff_reason = d.reason_text.empty() ? d.reason_code : d.reason_text;
  st.handoff_priority = std::max(st.handoff_priority, d.priority);
  int position = c.deps.queue_position(c.id, st);
  ToneGuidance tone = ChooseTone(c.deps.emotions, c.u.emotion);
  std::string text = tone.prefix + "正在为您转接人工坐席。";
  text +=
      c.deps.agents_online > 0 && position <= c.deps.agents_online
          ? "请稍候。"
          : "目前坐席繁忙，您排在第" + std::to_string(position) +
                "位。您可以继续留言，坐席接入后会先看到您说的内容；也可以留下电话，我们会回拨。";
  st.last_reply = text;
  c.reply.text = std::move(text);
  c.reply.handoff = true;
  c.reply.handoff_reason = d.reason_code;
  return std::move(c.reply);
}

}  // namespace zx::dialogue
