// One assistant turn in stages (internal to the dialogue module). The citizen's text is
// understood once (understanding.h); then, in order:
//   choice     - a choice after asking back ("第二个") answers the topic chosen (choice_stage.cc);
//   flow       - an active calculator flow takes what it can use of the text (flow_stage.cc);
//   knowledge  - the knowledge base's reading answers a topic, starts its calculator, or asks
//                back with the likeliest topics (knowledge_stage.cc);
//   reply      - every path ends here: the escalation rules, then the tone (reply_stage.cc);
//   escalation - a hand-over to the agents' queue, when the rules say so (escalation_stage.cc).
// Stages read the Understanding and change the conversation's State; none ranks the text again.
// No I/O: the service stores the state and the reply afterwards.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "dialogue/escalation.h"
#include "dialogue/flow.h"
#include "dialogue/reply.h"
#include "dialogue/rules.h"
#include "dialogue/state.h"
#include "dialogue/understanding.h"
#include "knowledge/answer.h"
#include "knowledge/entry.h"
#include "knowledge/written_assistant.h"

namespace zx::dialogue {

// What the stages may consult. `assistant` and `kb` are the turn's knowledge snapshot (taken
// once at its start: a turn never mixes two knowledge bases); the rest is fixed for the life of
// the service.
struct TurnDeps {
  const knowledge::Assistant& assistant;
  const knowledge::KnowledgeBase& kb;
  const FlowRegistry& flows;
  const EmotionDetector& emotions;
  const Rules& rules;
  const text::Normalizer& normalizer;
  // The place a conversation not yet queued would take in the agents' queue, with `st` as it
  // will be saved (its urgency: a danger goes first).
  std::function<int(const std::string& id, const State& st)> queue_position;
  int agents_online = 0;
  // Writes an entry's answer anew for the citizen's words (a language model, checked; app wires
  // it with [llm] answers); null: the entry's own words. `spoken`: the conversation is a call.
  const knowledge::AnswerWriter* writer = nullptr;
  bool spoken = false;
};

// One turn in progress.
struct TurnContext {
  const TurnDeps& deps;
  const std::string& id;
  State& st;
  const Understanding& u;
  Reply reply;  // filled in by the stages
};

// What a stage decided to say, before the reply stage applies escalation and tone.
struct Said {
  std::optional<std::string> topic;
  std::string text;
  TurnOutcome outcome = TurnOutcome::kNeutral;
  bool remember = true;  // keep as the last reply (for "repeat")
  bool asked_for_human = false;
};

// The whole turn: the stages in order. `st` is changed in place (the caller stores it).
Reply RunTurn(const TurnDeps& deps, const std::string& id, State& st, const Understanding& u);
// The reply while the conversation waits for or is with an agent: no stage runs.
// `moved_up`: the message told of a danger and the conversation moved up the queue.
Reply ReplyWhileWithAgents(const std::string& id, const State& st, int queue_position,
                           bool moved_up = false);

// choice_stage.cc: the topic chosen after asking back, if the text is a valid choice. Either way
// the offered choices are forgotten.
std::optional<std::string> ChosenTopic(TurnContext& c);

// flow_stage.cc
// The active calculator flow, if the text is for it (and not a confident question about another
// calculator); nullopt leaves the flow as it was.
std::optional<Reply> ContinueFlow(TurnContext& c);
// Starts (or resumes) the calculator of `flow`, keeping what a related flow already holds.
Reply StartFlow(TurnContext& c, const FlowDef& flow);

// knowledge_stage.cc
// Answers the knowledge base's reading of the text, or asks back with the likeliest topics.
Reply AnswerOrAskBack(TurnContext& c);
// Answers `topic` (asked about or chosen); `answer`: the knowledge base's answer for it, when the
// text was ranked to it.
Reply AnswerTopic(TurnContext& c, const std::string& topic, const knowledge::Answer* answer);

// reply_stage.cc: escalation rules, then tone; fills in the reply.
Reply Finish(TurnContext& c, Said said);

// escalation_stage.cc: queues the conversation for an agent and says so.
Reply HandOver(TurnContext& c, const EscalationDecision& decision);

}  // namespace zx::dialogue
