// The flow stage: calculator flows (kb/flows) filling their slots turn by turn.
#include <algorithm>

#include "dialogue/turn.h"

namespace zx::dialogue {
namespace {

// Confidence above which a question about another calculator leaves the active one.
constexpr double kSwitchConfidence = 0.6;

// True when `norm` uses one of the topic's own words (its keywords, synonyms, colloquial
// words): "加班费怎么算" names ld.overtime, "我月工资6000" names no calculator.
bool NamesTopic(const TurnDeps& d, const std::string& norm, const std::string& topic) {
  const knowledge::Entry* e = d.kb.Find(topic);
  if (!e) return false;
  for (const auto* l : {&e->keywords, &e->synonyms, &e->colloquial})
    for (const auto& w : *l)
      if (norm.find(d.normalizer.Normalize(w)) != std::string::npos) return true;
  return false;
}

// `started`: this turn opened the flow, so a question back is no failure.
Reply FinishFlowTurn(TurnContext& c, const FlowDef& flow, const StepResult& r, bool started) {
  State& st = c.st;
  st.topic = flow.id;
  if (std::find(st.topics.begin(), st.topics.end(), flow.id) == st.topics.end())
    st.topics.push_back(flow.id);
  c.reply.slots = st.flows[flow.id].slots;
  TurnOutcome outcome = TurnOutcome::kNeutral;
  if (r.kind == StepKind::kAnswer && r.result) {
    c.reply.steps = r.result->steps;
    c.reply.result = std::make_shared<const CalcResult>(*r.result);
    const knowledge::Entry* e = c.deps.kb.Find(flow.id);
    c.reply.citations = {{flow.id, flow.title, e ? e->version : 0}};
    outcome = TurnOutcome::kResolved;
  } else if (!started && r.kind == StepKind::kAsk && r.changed.empty() && r.problems.empty()) {
    outcome = TurnOutcome::kUnresolved;  // asked again: the answer was not understood
  }
  if (r.kind == StepKind::kAsk) c.reply.asking = r.asking;
  return Finish(c, {flow.id, r.text, outcome});
}

}  // namespace

std::optional<Reply> ContinueFlow(TurnContext& c) {
  State& st = c.st;
  if (st.active_flow.empty()) return std::nullopt;
  const FlowDef* flow = c.deps.flows.Find(st.active_flow);
  if (!flow) return std::nullopt;
  // A confident question about another calculator switches to it ("加班费怎么算？...").
  const knowledge::Answer& other = c.u.answer;
  bool other_flow = other.topic && *other.topic != st.active_flow &&
                    c.deps.flows.Find(*other.topic) && other.confidence >= kSwitchConfidence &&
                    NamesTopic(c.deps, c.u.norm, *other.topic);
  if (other_flow) return std::nullopt;
  FlowState before = st.flows[st.active_flow];
  StepResult r = Step(*flow, st.flows[st.active_flow], c.u.norm);
  bool used = !r.changed.empty() || !r.problems.empty() || r.kind == StepKind::kAnswer;
  bool elsewhere = !used && other.topic && *other.topic != st.active_flow;
  if (used || (!elsewhere && r.kind == StepKind::kAsk && !other.topic))
    return FinishFlowTurn(c, *flow, r, /*started=*/false);
  st.flows[st.active_flow] = before;  // nothing for the flow: leave it as it was
  return std::nullopt;
}

Reply StartFlow(TurnContext& c, const FlowDef& flow) {
  State& st = c.st;
  // A related flow already under way (住院 → 异地) keeps what was said.
  FlowState& fs = st.flows[flow.id];
  if (fs.flow.empty()) {
    fs.flow = flow.id;
    if (!st.active_flow.empty() && st.flows.count(st.active_flow) &&
        st.flows[st.active_flow].flow != flow.id) {
      for (const auto& [k, v] : st.flows[st.active_flow].slots)
        if (flow.FindSlot(k)) fs.slots[k] = v;
    }
  }
  st.active_flow = flow.id;
  StepResult r = Step(flow, fs, c.u.norm);
  return FinishFlowTurn(c, flow, r, /*started=*/true);
}

}  // namespace zx::dialogue
