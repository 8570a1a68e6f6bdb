// The states of a conversation (DialogueService, ConversationView::state, Reply::state).
#pragma once

namespace zx::dialogue {

inline constexpr char kActive[] = "active";  // with the assistant
inline constexpr char kQueued[] = "queued";  // handed over, waiting for an agent
inline constexpr char kAgent[] = "agent";    // an agent has taken it
inline constexpr char kEnded[] = "ended";

}  // namespace zx::dialogue
