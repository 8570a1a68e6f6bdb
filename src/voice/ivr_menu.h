// The phone menu of kb/ivr.toml: greeting, keys and the fixed prompts. What a deployment
// decides about calls (capacity, answer delay, recording, the hand-over target) is not the
// menu's: it lives in the configuration file's [call] section (base/config.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace zx::voice {

struct IvrKey {
  std::string key;     // "1"
  std::string label;   // "社保", for logs
  std::string action;  // ask | agent | repeat | menu
  std::string text;    // what `ask` and `agent` say to the assistant
};

// A [call] section left in kb/ivr.toml from before it moved to the configuration file; still
// honoured (with a warning naming what moved), so that an old deployment keeps its behaviour.
struct LegacyCallSection {
  int max_calls = 500;
  int over_capacity_code = 486;
  int answer_delay_ms = 300;
  bool record = true;
  std::string transfer_to;
};

// kb/ivr.toml.
struct IvrMenu {
  std::string greeting;
  std::string invalid_key = "抱歉，没有这个选项。";
  std::string no_input;
  int no_input_seconds = 10;
  int max_no_input = 2;
  std::string goodbye = "感谢您的来电，再见。";
  std::string not_understood = "抱歉，没有听清，请再说一遍，或者按键选择。";
  std::string speech_unavailable = "语音输入暂时不可用，请按键选择。";
  std::string transfer_failed = "暂时无法接通人工，您的问题已经记录，工作人员会尽快联系您。";
  std::vector<IvrKey> keys;
  // Set when the file still has [call] (checked as before: max_calls >= 1, over_capacity_code
  // 486 or 503, answer_delay_ms 0..10000).
  std::optional<LegacyCallSection> legacy_call;

  const IvrKey* Find(char key) const;
};

// Reads and checks the menu; errors name the file, the key and why.
Result<IvrMenu> LoadIvrMenu(const std::string& path);

}  // namespace zx::voice
