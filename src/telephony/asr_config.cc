#include "telephony/asr_config.h"

namespace zx::telephony {

const ConfigSection<AsrConfig>& AsrConfigSection() {
  static const auto* section = new ConfigSection<AsrConfig>(
      ConfigSection<AsrConfig>("asr")
          .Text("url", &AsrConfig::url, "FunASR runtime server ws://HOST:PORT; empty: keys only")
          .Text("mode", &AsrConfig::mode, "FunASR mode: 2pass, online or offline")
          .Number("final_timeout_ms", &AsrConfig::final_timeout_ms, 500, 60000,
                  "end of utterance to final text, at most"));
  return *section;
}

}  // namespace zx::telephony
