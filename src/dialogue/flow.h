// Calculator flows: loading them from kb/flows/*.toml, and the engine that fills their slots
// from what a citizen says, one utterance at a time, until the calculator can answer.
//
//   auto flows = FlowRegistry::Load("kb/flows");          // once, at start-up
//   FlowState state;                                       // one per conversation and flow
//   StepResult r = Step(*flows->Find("ld.severance"), state, normalized_utterance);
//   // r.text: the next question, or the result with its working; r.kind says which.
//
// Step is pure (no I/O, no clock); FlowState is a value that round-trips through JSON
// (flow_json_internal.h), so a conversation can be stored between turns. FlowRegistry is immutable
// after Load and shared read-only across threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "dialogue/calculators.h"
#include "dialogue/flow_def.h"

namespace zx::dialogue {

// Parses one flow file's text. `origin` names the file in messages ("kb/flows/x.toml");
// errors read "ORIGIN:LINE: reason". When `expected_id` is set, the flow's id must equal it.
Result<FlowDef> ParseFlow(const std::string& toml_text, const std::string& origin,
                          std::string_view expected_id = {});

class FlowRegistry {
 public:
  // Loads every *.toml in `flows_dir` (name order); each file is one flow whose id is the file
  // name without .toml. Any malformed file fails the whole load with "FILE:LINE: reason".
  static Result<FlowRegistry> Load(const std::string& flows_dir);

  // Adds a parsed flow; fails if its id is taken.
  Status Add(FlowDef flow);

  const FlowDef* Find(std::string_view id) const;
  const std::vector<FlowDef>& flows() const { return flows_; }

 private:
  std::vector<FlowDef> flows_;
};

// What a conversation remembers of one flow between turns.
struct FlowState {
  std::string flow;          // flow id
  SlotValues slots;          // what the citizen said, by slot name (defaults and derived values not
                             // included: they are recomputed each turn)
  std::string asking;        // the slot or group just asked about ("" before the first question)
  std::string clarify_slot;  // an enum slot the citizen named only vaguely ("外地")
  std::string clarify_prompt;
  std::vector<std::string> clarify_values;  // the values the vague word allows
  bool complete = false;                    // the last reply was a result and nothing is pending
  bool answered = false;  // a result has been given at least once (later ones are recomputations)

  bool operator==(const FlowState&) const = default;
};

enum class StepKind {
  kAsk,       // text asks for the next slot (or clarifies one)
  kAnswer,    // text is the computed result (first time, or recomputed after a change)
  kNoChange,  // the flow was complete and the utterance changed nothing: the caller may route
              // it elsewhere (a new question); text is a short offer to recompute
};

struct StepResult {
  StepKind kind = StepKind::kAsk;
  std::string text;                   // what to say next
  std::string asking;                 // the slot or group asked about, with kAsk
  std::vector<std::string> changed;   // slots set by this utterance
  std::vector<std::string> problems;  // values refused (out of range), as said to the citizen
  std::optional<CalcResult> result;   // with kAnswer
};

// One citizen utterance (already normalised, text::Normalizer) into the flow. A state of another
// flow (or a fresh one) is reset to this flow, keeping the slot values this flow also has (so a
// switch from yb.inpatient_calc to yb.remote_ratio asks nothing twice). The calculator failing
// (malformed parameters: impossible after ParseFlow) gives kAnswer with an apology and no result.
StepResult Step(const FlowDef& flow, FlowState& state, std::string_view normalized_utterance);

// The values the calculator would use now: what was said, then derived parts (FlowDef::sum),
// then defaults. `assumed` (optional) receives the default notes that apply; `derived` the
// names of derived slots.
SlotValues EffectiveValues(const FlowDef& flow, const FlowState& state,
                           std::vector<std::string>* assumed = nullptr,
                           std::vector<std::string>* derived = nullptr);

// The next thing to ask: a slot or group name, or "" when the calculator can run.
std::string NextMissing(const FlowDef& flow, const FlowState& state);

// The reply for a computed result: steps, the result, notes, assumptions and the rule.
std::string FormatResult(const FlowDef& flow, const CalcResult& result,
                         const std::vector<std::string>& assumed);

}  // namespace zx::dialogue
