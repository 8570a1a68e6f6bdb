// WrittenAssistant: the knowledge base's answer, written anew for the citizen's words when a
// writer (a language model whose output passed the grounding checker; llm, wired by app) has
// one, else exactly the knowledge base's own.
//
// Only answers are written anew, never a question asked back; the writer sees the entry's text
// as evidence (the answer without its basis line) and the reply keeps that line, so the
// citizen still sees where it comes from.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "knowledge/answer.h"

namespace zx::knowledge {

struct WrittenText {
  std::string text;        // what the citizen sees, instead of the entry's words
  std::string written_by;  // the engine
};

class AnswerWriter {
 public:
  virtual ~AnswerWriter() = default;
  // `evidence`: what the answer may say (the entry's text). `spoken`: for a caller on the phone
  // (shorter sentences, each checked before it may be said). nullopt: keep the entry's words.
  // Thread-safe.
  virtual std::optional<WrittenText> Write(std::string_view question, std::string_view title,
                                           std::string_view evidence, bool spoken) const = 0;
};

// `answer` (an entry's, with its basis line last) written anew by `writer` for `question`: the
// written text followed by the same basis line, and the engine; nullopt when the writer has
// none, or the answer is no entry's (asked back, nothing cited).
std::optional<WrittenText> WriteAnswer(const AnswerWriter& writer, std::string_view question,
                                       std::string_view title, const Answer& answer, bool spoken);

class WrittenAssistant final : public Assistant {
 public:
  // Both outlive this. `spoken`: answers for callers on the phone.
  WrittenAssistant(const Assistant& base, const AnswerWriter& writer, bool spoken = false)
      : base_(base), writer_(writer), spoken_(spoken) {}

  Answer Ask(std::string_view question) const override;
  std::vector<TopicSuggestion> Suggest(std::string_view question, int n) const override {
    return base_.Suggest(question, n);
  }

 private:
  const Assistant& base_;
  const AnswerWriter& writer_;
  const bool spoken_;
};

}  // namespace zx::knowledge
