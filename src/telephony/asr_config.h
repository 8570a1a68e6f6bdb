// The [asr] section (config/zhixian.toml): speech recognition by a FunASR runtime server
// (telephony/funasr_recognizer.h); an empty url means callers use keys only.
#pragma once

#include <string>

#include "base/config.h"

namespace zx::telephony {

struct AsrConfig {
  std::string url;              // ws://HOST:PORT of a FunASR runtime server (port 10095)
  std::string mode = "2pass";   // 2pass, online or offline
  int final_timeout_ms = 5000;  // end of utterance -> final text; longer is "not understood"
};

// asr.url, asr.mode, asr.final_timeout_ms.
const ConfigSection<AsrConfig>& AsrConfigSection();

}  // namespace zx::telephony
