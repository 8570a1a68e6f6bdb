// The language models of [llm] (docs/llm.md) wired to what uses them. With no engine or no
// chain for a use, that use gets nothing and the deterministic text serves, exactly as before.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "base/worker.h"
#include "dialogue/service.h"
#include "knowledge/entry.h"
#include "knowledge/written_assistant.h"
#include "llm/grounded.h"
#include "llm/llm_config.h"
#include "llm/router.h"

namespace zx::app {

struct LanguageModels {
  std::unique_ptr<llm::EngineRouter> router;     // null without engines
  std::unique_ptr<llm::GroundedWriter> answers;  // null when [llm].answers is empty
  std::unique_ptr<knowledge::AnswerWriter> answer_writer;
  std::unique_ptr<knowledge::WrittenAssistant> written;
  std::unique_ptr<knowledge::WrittenAssistant> spoken;    // the same, for the phone
  std::unique_ptr<llm::GroundedWriter> summaries;         // null when [llm].summaries is empty
  std::unique_ptr<llm::GroundedWriter> push_cards;        // null when [llm].push_cards is empty
  std::unique_ptr<llm::GroundedWriter> drafts;            // null when [llm].drafts is empty
  std::unique_ptr<knowledge::AnswerWriter> draft_writer;  // over `drafts`: document imports

  ~LanguageModels();

  // What answers citizens: `base`, or base written anew when answers are on.
  const knowledge::Assistant& Assistant(const knowledge::Assistant& base) const {
    return written ? static_cast<const knowledge::Assistant&>(*written) : base;
  }
  // What answers callers on the phone (questions during notice calls): shorter sentences, each
  // checked before it may be said.
  const knowledge::Assistant& SpokenAssistant(const knowledge::Assistant& base) const {
    return spoken ? static_cast<const knowledge::Assistant&>(*spoken) : base;
  }

  // With push cards on: the brief of a pushed entry for the citizen's words (the agent desk's
  // POST /api/v1/agent/cards/brief); empty when off.
  std::function<std::optional<knowledge::WrittenText>(std::string_view, const knowledge::Entry&)>
  CardBriefs() const;

  // The conversations' side: with answers on, the dialogue's answers are written anew (in the
  // phone's style on calls); with summaries on, each summary, once ready, gets its 小结 written
  // from its facts on a worker of its own (the end is not kept waiting) and stored with the
  // conversation. `dialogue` outlives this; the destructor detaches.
  void Attach(dialogue::DialogueService& dialogue);

 private:
  dialogue::DialogueService* dialogue_ = nullptr;
  int subscription_ = -1;
  std::unique_ptr<Worker> narrator_;
};

// Builds the engines (each key read from its key_env; a missing one stops start-up naming it),
// the router and the writers the configuration switches on; the checker's lists and the
// prompts come from KB/llm/. `base` and `metrics` outlive the result.
Result<std::unique_ptr<LanguageModels>> OpenLanguageModels(const llm::LlmConfig& config,
                                                           const std::string& kb_dir,
                                                           const knowledge::Assistant& base,
                                                           const Clock& clock, Metrics& metrics);

}  // namespace zx::app
