#include "voice/turn_metrics.h"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <variant>

namespace zx::voice {

dialogue::DialogueService::Listener CountVoiceTurns(Counter& turns) {
  struct Calls {
    std::mutex mu;
    std::unordered_set<std::string> ids;  // conversations of calls in progress
  };
  auto calls = std::make_shared<Calls>();
  return [calls, &turns](const dialogue::Event& event) {
    if (const auto* started = std::get_if<dialogue::ConversationStarted>(&event)) {
      if (started->channel != "voice") return;
      std::lock_guard lock(calls->mu);
      calls->ids.insert(started->conversation_id);
    } else if (const auto* answered = std::get_if<dialogue::TurnAnswered>(&event)) {
      std::lock_guard lock(calls->mu);
      if (calls->ids.count(answered->conversation_id)) turns.Inc();
    } else if (const auto* ended = std::get_if<dialogue::ConversationEnded>(&event)) {
      std::lock_guard lock(calls->mu);
      calls->ids.erase(ended->conversation_id);
    }
  };
}

}  // namespace zx::voice
