// PROVISIONAL (the lead's stand-in until the scenarios' templates land): the words of one call.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "campaigns/scenarios.h"
#include "campaigns/target_import.h"

namespace zx::campaigns {

struct ScriptOptions {
  bool agent_line = false;
};

struct CallScript {
  std::string identity;
  std::string notice;
  std::string sms;
  std::string salutation;
  std::vector<std::string> scenarios;
  std::string wrong_party, later;
};

Result<CallScript> RenderCallScript(const PlannedCall& call, const ScenarioTable& scenarios,
                                    const ScriptOptions& options);

}  // namespace zx::campaigns
