#include "llm/grounded.h"

#include <toml++/toml.h>
#include <cctype>
#include <optional>

#include "text/pii.h"

namespace zx::llm {
namespace {

// A sentence that names none of its sources: the prompt asks for a tag on every sentence, and a
// text that cites nothing (an echo, a refusal in words, chatter) has no claim to be grounded.
bool Untagged(const std::string& sentence) {
  std::string stripped = StripSourceTags(sentence);
  if (stripped != sentence) return false;
  for (unsigned char c : stripped)
    if (c >= 0x80 || std::isalnum(c)) return true;  // words, not only punctuation or spaces
  return false;
}

// The first problem of `text` (a whole answer or one sentence), or nothing.
std::optional<GroundingProblem> FirstProblem(const std::string& text,
                                             const std::vector<std::string>& sources,
                                             const GroundingRules& rules) {
  GroundingResult g = CheckGrounding(text, sources, rules, GroundingOptions{.require_tags = true});
  if (!g.ok) return g.problems.front();
  for (const std::string& sentence : SplitSentences(text))
    if (Untagged(sentence)) return GroundingProblem{"untagged", sentence + " (cites no source)"};
  return std::nullopt;
}

std::vector<std::string> SourceTexts(const WriteRequest& request) {
  std::vector<std::string> out;
  for (const Evidence& e : request.evidence) out.push_back(e.title + "：" + e.text);
  return out;
}

}  // namespace

Result<WriterPrompt> LoadWriterPrompt(const std::string& path, const std::string& use) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(path + ": " + std::string(e.description()));
  }
  const toml::table* t = doc[use].as_table();
  if (!t) return InvalidArgument(path + ": no [" + use + "] table");
  WriterPrompt p;
  p.system = (*t)["system"].value_or(std::string());
  p.spoken_hint = (*t)["spoken_hint"].value_or(std::string());
  if (p.system.empty()) return InvalidArgument(path + ": [" + use + "] system is empty");
  return p;
}

GroundedWriter::GroundedWriter(EngineRouter& router, std::vector<std::string> chain,
                               GroundingRules rules, WriterPrompt prompt, std::string use,
                               Metrics& metrics)
    : router_(router),
      chain_(std::move(chain)),
      rules_(std::move(rules)),
      prompt_(std::move(prompt)),
      use_(std::move(use)),
      generations_(metrics.AddCounter(
          "zhixian_llm_generations_total",
          "Texts asked of language models, by use and outcome: ok, the router's reason for "
          "having none, or the checker's (checker_figure, checker_unit, checker_entity, "
          "checker_negation, checker_untagged); all but ok fell back to the deterministic text.",
          {"use", "outcome"})) {}

ChatRequest GroundedWriter::BuildRequest(const WriteRequest& request) const {
  ChatRequest r;
  std::string system = prompt_.system;
  if (request.spoken && !prompt_.spoken_hint.empty()) system += "\n" + prompt_.spoken_hint;
  r.messages.push_back({"system", system});
  std::string user = "资料：\n";
  for (size_t i = 0; i < request.evidence.size(); ++i)
    user += "[" + std::to_string(i + 1) + "] " + request.evidence[i].title + "：" +
            text::MaskText(request.evidence[i].text) + "\n";
  if (!request.question.empty()) user += "\n市民的话：" + text::MaskText(request.question);
  r.messages.push_back({"user", user});
  return r;
}

Written GroundedWriter::Count(Written w) const {
  generations_.With({use_, w.ok ? "ok" : w.reason}).Inc();
  return w;
}

Written GroundedWriter::Write(const WriteRequest& request) const {
  Written w;
  if (request.evidence.empty()) {
    w.reason = "no_evidence";
    return Count(std::move(w));
  }
  // Text is buffered: nothing is shown before the whole answer passed the checker.
  RouteResult r = router_.Run(chain_, BuildRequest(request), [](std::string_view) { return true; });
  if (!r.ok) {
    w.reason = r.reason;
    return Count(std::move(w));
  }
  w.engine = r.completion.engine;
  if (auto problem = FirstProblem(r.completion.content, SourceTexts(request), rules_)) {
    w.reason = "checker_" + problem->kind;
    w.problems = {*problem};
    return Count(std::move(w));
  }
  w.ok = true;
  w.text = StripSourceTags(r.completion.content);
  if (w.text.empty()) {
    w.ok = false;
    w.reason = "empty";
  }
  return Count(std::move(w));
}

Written GroundedWriter::WriteSpoken(const WriteRequest& request,
                                    const std::function<void(std::string_view)>& speak) const {
  Written w;
  if (request.evidence.empty()) {
    w.reason = "no_evidence";
    return Count(std::move(w));
  }
  std::vector<std::string> sources = SourceTexts(request);
  std::string pending;  // text of the sentence being written
  bool failed = false;
  // Checks and speaks every complete sentence of `pending`; keeps the unfinished rest.
  auto release = [&](bool final) {
    std::vector<std::string> sentences = SplitSentences(pending);
    size_t complete = final ? sentences.size() : (sentences.empty() ? 0 : sentences.size() - 1);
    size_t used = 0;
    for (size_t i = 0; i < complete && !failed; ++i) {
      used += sentences[i].size();
      if (auto problem = FirstProblem(sentences[i], sources, rules_)) {
        failed = true;
        w.reason = "checker_" + problem->kind;
        w.problems = {*problem};
        break;
      }
      std::string said = StripSourceTags(sentences[i]);
      if (said.empty()) continue;
      speak(said);
      w.text += said;
      ++w.released;
    }
    pending.erase(0, std::min(used, pending.size()));
  };
  RouteResult r = router_.Run(chain_, BuildRequest(request), [&](std::string_view piece) {
    pending += piece;
    release(false);
    return !failed;  // a refused sentence ends the request
  });
  if (failed) {
    w.engine = r.tried.empty() ? "" : r.tried.back();
    return Count(std::move(w));
  }
  if (!r.ok) {
    w.reason = r.reason;
    return Count(std::move(w));
  }
  w.engine = r.completion.engine;
  release(true);
  w.ok = !failed && w.released > 0;
  if (!w.ok && w.reason.empty()) w.reason = "empty";
  return Count(std::move(w));
}

}  // namespace zx::llm
