// The notice scenarios a campaign target file may name (kb/campaigns/scenarios.toml): for each,
// the fields of the file its notice needs (DOMAIN.md "Target files for notification
// campaigns", rule 4). Data, not code: a deployment adds its own scenarios to the file.
// Immutable after Load; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::campaigns {

struct Scenario {
  std::string id;                  // "ob.overdue", as written in the 场景 column
  std::string name;                // "社保欠费提醒"
  std::vector<std::string> needs;  // columns of campaigns/target_fields.h, in checking order
};

class ScenarioTable {
 public:
  // Reads the file at `path`. kInvalidArgument "<path>:<line>: <what>" for a syntax error, a
  // missing or unknown key, an id given twice, a need that is not a column of a target file.
  static Result<ScenarioTable> Load(const std::string& path);
  // The same from text; `origin` names it in messages.
  static Result<ScenarioTable> Parse(std::string_view toml, const std::string& origin);

  // The scenario `id`, or nullptr.
  const Scenario* Find(std::string_view id) const;
  const std::vector<Scenario>& scenarios() const { return scenarios_; }

 private:
  std::vector<Scenario> scenarios_;
};

}  // namespace zx::campaigns
