// GroundedWriter: a model writes from numbered evidence, the checker decides whether a citizen
// may see it.
//
//   GroundedWriter writer(router, {"deepseek", "qwen"}, rules, prompt, "answers", metrics);
//   Written w = writer.Write({question, {{"租房提取公积金", entry_answer}}, /*spoken=*/false});
//   reply = w.ok ? w.text : deterministic_answer;
//
// The request carries the citizen's words with phone and ID numbers masked (text::MaskText)
// and the evidence, numbered [1], [2]...; the prompt (data: kb/llm/prompts.toml) asks for
// sentences each ending with the numbers of its sources. The whole output is then checked
// (llm/grounding.h, tags required): one figure, unit, name or negation that the cited sources
// do not support, and the output is dropped. A written answer is shown without its tags.
// Every outcome is counted: zhixian_llm_generations_total{use, outcome}, where outcome is "ok",
// the router's reason ("no_engine", "exhausted", "refusal", ...) or "checker_<kind>".
//
// WriteSpoken is for a voice that speaks while the model writes: each sentence is checked alone
// (against the sources it cites) as soon as it is complete, and handed on only if it passes;
// the first that fails ends the answer there (`ok` false, `released` saying how many sentences
// were already handed on, so that the caller can go on with the deterministic answer).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/metrics.h"
#include "llm/grounding.h"
#include "llm/router.h"

namespace zx::llm {

struct Evidence {
  std::string title;  // the entry's title, or what a calculator worked out
  std::string text;   // what the model may say
};

struct WriteRequest {
  std::string question;  // the citizen's words (masked here before they leave); "" for none
  std::vector<Evidence> evidence;
  bool spoken = false;  // for the phone: shorter sentences in a spoken style
};

struct Written {
  bool ok = false;
  std::string text;    // when ok: what the citizen sees or hears, tags removed
  std::string reason;  // when not: the outcome counted
  std::string engine;  // the engine that wrote it (also when the checker refused it)
  std::vector<GroundingProblem> problems;
  int released = 0;  // WriteSpoken: sentences handed on before the end
};

struct WriterPrompt {
  std::string system;       // the instructions (kb/llm/prompts.toml)
  std::string spoken_hint;  // added for the phone
};

// The prompt of `use` ("answers", "summaries") from a prompts file (kb/llm/prompts.toml):
// [use] system = "...", spoken_hint = "...". kInvalidArgument naming the file and table.
Result<WriterPrompt> LoadWriterPrompt(const std::string& path, const std::string& use);

class GroundedWriter {
 public:
  GroundedWriter(EngineRouter& router, std::vector<std::string> chain, GroundingRules rules,
                 WriterPrompt prompt, std::string use, Metrics& metrics);

  Written Write(const WriteRequest& request) const;
  Written WriteSpoken(const WriteRequest& request,
                      const std::function<void(std::string_view sentence)>& speak) const;

  // The chat request Write sends (for tests and docs: nothing personal leaves).
  ChatRequest BuildRequest(const WriteRequest& request) const;

 private:
  Written Count(Written w) const;

  EngineRouter& router_;
  const std::vector<std::string> chain_;
  const GroundingRules rules_;
  const WriterPrompt prompt_;
  const std::string use_;
  CounterFamily& generations_;
};

}  // namespace zx::llm
