// The turns of calls in zhixian_turns_total{channel="voice"} (http/conversation_routes.h
// ChannelTurns): the HTTP and WebSocket routes count their own turns; calls reach the dialogue
// through this module, so they are counted from the dialogue's events instead.
#pragma once

#include "base/metrics.h"
#include "dialogue/service.h"

namespace zx::voice {

// A listener for DialogueService::Subscribe("") that adds one to `turns` for each answered
// turn (TurnAnswered) of a conversation started on channel "voice" (menu_dialogue.h).
// Calls do not outlive the process, so the conversations it has seen start are all there are;
// ended ones are forgotten. Thread-safe; `turns` must outlive it.
dialogue::DialogueService::Listener CountVoiceTurns(Counter& turns);

}  // namespace zx::voice
