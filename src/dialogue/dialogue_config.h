// The [dialogue] section (config/zhixian.toml): limits of one conversation.
#pragma once

#include "base/config.h"

namespace zx::dialogue {

struct DialogueConfig {
  int max_citizen_turns = 200;  // citizen messages per conversation; more are refused
};

// dialogue.max_citizen_turns.
const ConfigSection<DialogueConfig>& DialogueConfigSection();

}  // namespace zx::dialogue
