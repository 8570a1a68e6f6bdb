// What the assistant says to one question: the value type shared by the CLI, HTTP and the
// dialogue engine. Its JSON form, the `zhixian ask --json` contract (README.md,
// api/openapi.yaml), is written at the edge (http/knowledge_json.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace zx::knowledge {

struct Citation {
  std::string id;     // knowledge entry id, e.g. "yb.remote_filing"
  std::string title;  // the entry's title
  int version = 0;    // the entry's version the answer came from (Entry::version)
};

struct Alternative {
  std::string topic;
  double confidence = 0;
};

struct Answer {
  std::string question;              // as asked (sanitised UTF-8)
  std::optional<std::string> topic;  // intent id; nullopt when asking back
  double confidence = 0;             // calibrated probability that `topic` is right
  std::string text;                  // the reply, or the question asked back
  // The line of `text` naming its basis ("（依据：…《…》）"), last in `text`; "" when none. A
  // reply written anew (knowledge/written_assistant.h) keeps it.
  std::string basis;
  std::string written_by;  // "" for the knowledge base's own words; else the engine that wrote
  std::vector<Citation> citations;
  std::vector<Alternative> alternatives;  // the next most likely topics, best first
};

// One topic pushed to an agent for what the citizen just said (the agent desk).
struct TopicSuggestion {
  std::string topic;
  std::string title;
  double confidence = 0;
  std::vector<std::string> matched_terms;  // the question's words the topic's entry holds
};

// Answers questions. Implementations are thread-safe: one instance serves every thread.
class Assistant {
 public:
  virtual ~Assistant() = default;
  virtual Answer Ask(std::string_view question) const = 0;
  // The best `n` topics for `question`, best first, whether or not Ask would answer. Without
  // an engine's evidence: Ask's topic and alternatives, no matched terms.
  virtual std::vector<TopicSuggestion> Suggest(std::string_view question, int n) const {
    Answer a = Ask(question);
    std::vector<TopicSuggestion> out;
    if (a.topic && n > 0) {
      const Citation* c = a.citations.empty() ? nullptr : &a.citations.front();
      out.push_back({*a.topic, c ? c->title : *a.topic, a.confidence, {}});
    }
    for (const auto& alt : a.alternatives)
      if (static_cast<int>(out.size()) < n)
        out.push_back({alt.topic, alt.topic, alt.confidence, {}});
    return out;
  }
};

}  // namespace zx::knowledge
