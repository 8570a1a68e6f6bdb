#include "dialogue/dialogue_config.h"

namespace zx::dialogue {

const ConfigSection<DialogueConfig>& DialogueConfigSection() {
  static const auto* section = new ConfigSection<DialogueConfig>(
      ConfigSection<DialogueConfig>("dialogue")
          .Number("max_citizen_turns", &DialogueConfig::max_citizen_turns, 10, 10000,
                  "citizen messages one conversation may hold"));
  return *section;
}

}  // namespace zx::dialogue
