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
  std::vector<Citation> citations;
  std::vector<Alternative> alternatives;  // the next most likely topics, best first
};

// Answers questions. Implementations are thread-safe: one instance serves every thread.
class Assistant {
 public:
  virtual ~Assistant() = default;
  virtual Answer Ask(std::string_view question) const = 0;
};

}  // namespace zx::knowledge
