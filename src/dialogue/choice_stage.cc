// The choice stage: a citizen answering an ask-back ("您是想咨询：1. …；2. …？") by number.
#include "dialogue/turn.h"

namespace zx::dialogue {

std::optional<std::string> ChosenTopic(TurnContext& c) {
  std::optional<std::string> chosen;
  if (c.u.choice >= 0 && c.u.choice < static_cast<int>(c.st.pending_choices.size()))
    chosen = c.st.pending_choices[c.u.choice];
  c.st.pending_choices.clear();  // offered once: anything else moves on
  return chosen;
}

}  // namespace zx::dialogue
