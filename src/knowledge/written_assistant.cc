#include "knowledge/written_assistant.h"

namespace zx::knowledge {

Answer WrittenAssistant::Ask(std::string_view question) const {
  Answer a = base_.Ask(question);
  if (!a.topic || a.citations.empty()) return a;
  std::string_view evidence = a.text;
  std::string suffix = a.basis.empty() ? "" : "\n" + a.basis;
  if (!suffix.empty() && evidence.ends_with(suffix)) evidence.remove_suffix(suffix.size());
  std::optional<WrittenText> w = writer_.Write(question, a.citations.front().title, evidence, spoken_);
  if (!w) return a;
  a.text = w->text + suffix;
  a.written_by = w->written_by;
  return a;
}

}  // namespace zx::knowledge
