// What a caller hears on the way to an agent who takes calls in zhixian itself (no [call]
// transfer_to): the queue announcement with the place and the estimate, the offer of a
// call-back, and what is said when one is left or the agent ends the call. Data, in
// kb/agent_line.toml, so that a hotline words them its own way.
#pragma once

#include <string>

#include "base/status.h"

namespace zx::voice {

struct AgentLinePrompts {
  std::string queued = "正在为您转接人工坐席。";
  // {ahead}: callers ahead of this one (≥ 1); {minutes}: the estimate in whole minutes (≥ 1).
  std::string position = "您前面还有{ahead}位，预计等待{minutes}分钟。";
  std::string next = "您是下一位，坐席接通后将马上为您服务。";  // nobody ahead
  std::string callback_offer = "如需挂机等待回拨，请按1。";     // said when the number is known
  std::string callback_left = "已为您登记回拨，坐席将拨打您现在的来电号码，请挂机。再见。";
  std::string agent_ended = "坐席已结束本次服务，感谢您的来电，再见。";
};

// Reads `path`; a key that is absent keeps the default above. invalid_argument names the key
// that is not a string, or a `position` without {ahead}.
Result<AgentLinePrompts> LoadAgentLinePrompts(const std::string& path);
// KB_DIR/agent_line.toml (LoadAgentLinePrompts), or the defaults when there is none.
Result<AgentLinePrompts> AgentLinePromptsIn(const std::string& kb_dir);

// `position` with {ahead} and {minutes} filled in.
std::string QueuePositionText(const AgentLinePrompts& prompts, int ahead, int minutes);

}  // namespace zx::voice
