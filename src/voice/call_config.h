// The [call] section (config/zhixian.toml): the calls of this deployment — capacity, ringing,
// recording and where hand-overs go (telephony/gateway.h, voice/voice_bridge.h). What callers
// hear is the menu of kb/ivr.toml; these keys were its [call] section before issue 10.
#pragma once

#include <string>

#include "base/config.h"
#include "base/status.h"

namespace zx::voice {

struct CallConfig {
  int max_calls = 500;           // concurrent calls; more are refused with over_capacity_code
  int over_capacity_code = 486;  // 486 Busy Here or 503 Service Unavailable
  int answer_delay_ms = 300;     // ring (180) this long before answering
  int record = 1;                // 1: record calls (only encrypted, with a key file)
  std::string transfer_to;       // hand-overs go here (SIP URI or extension); empty: none
  // Without transfer_to the agents take calls in zhixian (voice_bridge.h): the waiting caller's
  // estimate per caller ahead before any conversation was handled, and how often the place is
  // said again.
  int agent_handling_seconds = 180;
  int queue_announce_seconds = 30;
};

// call.max_calls, call.over_capacity_code, call.answer_delay_ms, call.record, call.transfer_to,
// call.agent_handling_seconds, call.queue_announce_seconds.
const ConfigSection<CallConfig>& CallConfigSection();

struct IvrMenu;

// The calls of this deployment: `configured` ([call]), checked (over_capacity_code 486 or 503,
// else kInvalidArgument), unless the menu read from KB_DIR/ivr.toml still carries its own [call]
// (IvrMenu::legacy_call): then that is used as before, and a warning tells the operator where
// it belongs now.
Result<CallConfig> CallConfigFor(CallConfig configured, const IvrMenu& menu,
                                 const std::string& kb_dir);

}  // namespace zx::voice
