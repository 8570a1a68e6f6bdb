#include "voice/call_config.h"

namespace zx::voice {

const ConfigSection<CallConfig>& CallConfigSection() {
  static const auto* section = new ConfigSection<CallConfig>(
      ConfigSection<CallConfig>("call")
          .Number("max_calls", &CallConfig::max_calls, 1, 100000,
                  "concurrent calls; more are refused with over_capacity_code")
          .Number("over_capacity_code", &CallConfig::over_capacity_code, 486, 503,
                  "SIP code for calls over max_calls: 486 or 503")
          .Number("answer_delay_ms", &CallConfig::answer_delay_ms, 0, 10000,
                  "ring this long before answering")
          .Number("record", &CallConfig::record, 0, 1,
                  "1: record calls (kept only encrypted, with a key file)")
          .Text("transfer_to", &CallConfig::transfer_to,
                "SIP URI or extension that hand-overs are transferred to")
          .Number("agent_handling_seconds", &CallConfig::agent_handling_seconds, 10, 7200,
                  "without transfer_to: a waiting caller's estimate per caller ahead until "
                  "conversations have been handled")
          .Number("queue_announce_seconds", &CallConfig::queue_announce_seconds, 10, 600,
                  "without transfer_to: a waiting caller hears the place this often"));
  return *section;
}

}  // namespace zx::voice
