// The knowledge stage: answering the topic the knowledge base found (or the citizen chose), with
// the meta topics' special cases (a person, repeat, goodbye, praise), starting a calculator for a
// calculator topic, or asking back when no topic is sure.
#include <algorithm>

#include "dialogue/turn.h"

namespace zx::dialogue {
namespace {

constexpr char kTellMore[] =
    "好的。请您说说具体遇到了什么事，我来帮您查；需要人工也可以直接说“转人工”。";
constexpr char kNotUnderstood[] = "抱歉，我没有听明白。您可以换个说法，或者说“转人工”。";

// A danger told in a complaint ("井盖没了" then "已经有人摔倒了，头都流血了") stays with that
// complaint: the topic is kept (the work order's subject) and the conversation is handed over
// at once (the reply stage), instead of asking back with unrelated topics or jumping to another
// area. The complaint is the current one when there is one, else the one the text found.
std::optional<std::string> DangerComplaint(const TurnContext& c, const knowledge::Answer& a) {
  if (!HeardDanger(c.u.risks)) return std::nullopt;
  auto complaint = [&](const std::optional<std::string>& t) {
    const knowledge::Entry* e = t ? c.deps.kb.Find(*t) : nullptr;
    return e && e->kind == "complaint";
  };
  if (complaint(c.st.topic) && !complaint(a.topic)) return c.st.topic;
  if (complaint(a.topic)) return a.topic;
  return std::nullopt;
}

}  // namespace

Reply AnswerOrAskBack(TurnContext& c) {
  const knowledge::Answer& a = c.u.Reading();
  if (auto kept = DangerComplaint(c, a)) {
    const knowledge::Entry* e = c.deps.kb.Find(*kept);
    c.st.topic = *kept;
    c.st.last_question = c.u.text;
    if (std::find(c.st.topics.begin(), c.st.topics.end(), *kept) == c.st.topics.end())
      c.st.topics.push_back(*kept);
    return Finish(c, {*kept, e->answer, TurnOutcome::kResolved});
  }
  // A danger with no complaint in sight: a person at once, not a list of unrelated topics.
  if (!a.topic && HeardDanger(c.u.risks))
    return Finish(c, {std::nullopt, kNotUnderstood, TurnOutcome::kUnresolved});
  if (a.topic) return AnswerTopic(c, *a.topic, &a);
  // Not sure: ask back with the likeliest topics.
  for (const auto& alt : a.alternatives)
    if (alt.topic != "meta.out_of_scope") c.st.pending_choices.push_back(alt.topic);
  return Finish(c,
                {std::nullopt, a.text.empty() ? kNotUnderstood : a.text, TurnOutcome::kUnresolved});
}

Reply AnswerTopic(TurnContext& c, const std::string& topic, const knowledge::Answer* answer) {
  State& st = c.st;
  const knowledge::Entry* e = c.deps.kb.Find(topic);
  if (!e) return Finish(c, {std::nullopt, kNotUnderstood, TurnOutcome::kUnresolved});
  if (!c.deps.rules.Allows(topic, c.u.norm)) {
    // A feeling or a pleasantry, not a request: acknowledge it and carry on.
    return Finish(c, {std::nullopt, kTellMore, TurnOutcome::kNeutral});
  }
  if (topic == "meta.service_complaint" && c.u.emotion.dominant.any() &&
      c.u.emotion.dominant.emotion == Emotion::kSatisfaction) {
    // Praise of the service, not a complaint about it.
    st.request_types.insert("表扬");
    const knowledge::Entry* thanks = c.deps.kb.Find("meta.thanks");
    return Finish(c, {"meta.thanks", thanks ? thanks->answer : kTellMore, TurnOutcome::kNeutral});
  }
  if (e->kind != "meta") {
    st.topic = topic;
    st.last_question = c.u.text;
    if (std::find(st.topics.begin(), st.topics.end(), topic) == st.topics.end())
      st.topics.push_back(topic);
  }
  if (topic == "meta.human")
    return Finish(c, {topic, e->answer, TurnOutcome::kNeutral, /*remember=*/true,
                      /*asked_for_human=*/true});
  if (topic == "meta.repeat")
    return Finish(c, {topic, "好的，我再说一遍：" + st.last_reply, TurnOutcome::kNeutral,
                      /*remember=*/false});
  if (topic == "meta.goodbye") {
    c.reply.done = true;
    Reply r = Finish(c, {topic, e->answer, TurnOutcome::kNeutral});
    st.state = kEnded;
    return r;
  }
  // Calculator topics run their flow, starting with what this utterance already says.
  if (const FlowDef* flow = c.deps.flows.Find(topic)) return StartFlow(c, *flow);
  knowledge::Answer local;
  if (!answer) {
    // Chosen from an ask-back: the entry's own answer, with the confidence its title gets (the
    // title is ranked, not the citizen's text, which said only "第二个").
    local = c.deps.assistant.Ask(e->title);
    local.topic = topic;
    local.text = e->answer;
    local.basis.clear();  // the entry's own words, without the basis line
    local.citations = {{e->id, e->title, e->version}};
    answer = &local;
  }
  c.reply.citations.clear();
  for (const auto& ci : answer->citations)
    c.reply.citations.push_back({ci.id, ci.title, ci.version});
  c.reply.confidence = answer->confidence;
  TurnOutcome outcome = e->kind == "meta" && topic != "meta.out_of_scope" ? TurnOutcome::kNeutral
                                                                          : TurnOutcome::kResolved;
  // The entry's answer written anew for these words, when a writer is wired and one passed the
  // grounding checker; the basis line stays.
  if (c.deps.writer && e->kind != "meta") {
    if (auto w =
            knowledge::WriteAnswer(*c.deps.writer, c.u.text, e->title, *answer, c.deps.spoken)) {
      c.reply.written_by = w->written_by;
      return Finish(c, {topic, w->text, outcome});
    }
  }
  return Finish(c, {topic, answer->text, outcome});
}

}  // namespace zx::dialogue
