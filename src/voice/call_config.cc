#include "voice/call_config.h"

#include <filesystem>

#include "base/log.h"
#include "voice/ivr_menu.h"

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

Result<CallConfig> CallConfigFor(CallConfig call, const IvrMenu& menu, const std::string& kb_dir) {
  if (call.over_capacity_code != 486 && call.over_capacity_code != 503)
    return InvalidArgument("call.over_capacity_code must be 486 or 503");
  if (!menu.legacy_call) return call;
  const LegacyCallSection& legacy = *menu.legacy_call;
  call.max_calls = legacy.max_calls;
  call.over_capacity_code = legacy.over_capacity_code;
  call.answer_delay_ms = legacy.answer_delay_ms;
  call.record = legacy.record ? 1 : 0;
  call.transfer_to = legacy.transfer_to;
  log::Warn(
      "voice.ivr_call_moved file={} fix=\"[call] max_calls, over_capacity_code, "
      "answer_delay_ms, record and transfer_to moved from kb/ivr.toml to the configuration "
      "file ([call] in config/zhixian.toml, or ZHIXIAN_CALL_*); the values of kb/ivr.toml are "
      "used until its [call] section is removed\"",
      (std::filesystem::path(kb_dir) / "ivr.toml").string());
  return call;
}

}  // namespace zx::voice
