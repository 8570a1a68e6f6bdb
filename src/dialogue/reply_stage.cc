// The reply stage: every path of a turn ends here. The escalation rules decide whether the
// citizen goes to a person; otherwise the reply takes the tone the turn's feeling asks for.
#include "dialogue/turn.h"

namespace zx::dialogue {

Reply Finish(TurnContext& c, Said said) {
  c.reply.topic = said.topic;
  c.reply.unresolved = said.outcome == TurnOutcome::kUnresolved;
  EscalationInput in;
  in.asked_for_human = said.asked_for_human;
  in.outcome = said.outcome;
  in.emotion_levels = c.u.emotion.levels;
  in.risks = c.u.risks;
  EscalationDecision d = DecideEscalation(in, &c.st.escalation);
  if (d.handoff) return HandOver(c, d);
  ToneGuidance tone = ChooseTone(c.deps.emotions, c.u.emotion);
  std::string text = std::move(said.text);
  if (tone.shorter) text = ShortenReply(text, 2);
  text = tone.prefix + text;
  if (said.remember) c.st.last_reply = text;
  c.reply.text = std::move(text);
  return std::move(c.reply);
}

}  // namespace zx::dialogue
