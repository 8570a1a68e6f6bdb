#include "knowledge/written_assistant.h"

namespace zx::knowledge {

std::optional<WrittenText> WriteAnswer(const AnswerWriter& writer, std::string_view question,
                                       std::string_view title, const Answer& answer, bool spoken) {
  if (!answer.topic || answer.citations.empty()) return std::nullopt;
  std::string_view evidence = answer.text;
  std::string basis = answer.basis.empty() ? "" : "\n" + answer.basis;
  if (!basis.empty() && evidence.ends_with(basis)) evidence.remove_suffix(basis.size());
  std::optional<WrittenText> w = writer.Write(question, title, evidence, spoken);
  if (w) w->text += basis;
  return w;
}

Answer WrittenAssistant::Ask(std::string_view question) const {
  Answer a = base_.Ask(question);
  if (a.citations.empty()) return a;
  std::optional<WrittenText> w =
      WriteAnswer(writer_, question, a.citations.front().title, a, spoken_);
  if (!w) return a;
  a.text = std::move(w->text);
  a.written_by = std::move(w->written_by);
  return a;
}

}  // namespace zx::knowledge
