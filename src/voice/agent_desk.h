// The agents' side of a phone call whose conversation was handed over while agents take calls in
// zhixian itself (no [call] transfer_to): the voice bridge watches the conversation (an agent
// took it, typed a message, the queue moved, it was closed), asks its place in the queue and the
// recent handling time for the estimate it says to the caller, and leaves a call-back task when
// the caller presses 1 or hangs up while queued. Like menu_dialogue.h, the bridge sees only what
// it acts on, so it is tested with a fake desk, and the dialogue's types stay behind this seam.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"

namespace zx::dialogue {
class DialogueService;
class CallbackStore;
}  // namespace zx::dialogue

namespace zx::voice {

// What happened to a watched conversation, outside the caller's own turns.
struct DeskEvent {
  enum class Kind {
    kQueueMoved,  // its place in the queue changed (`position`, 1-based)
    kTaken,       // an agent took it
    kAgentSaid,   // the agent wrote `text` (including the "agent joined" notice)
    kEnded,       // the conversation was ended (closed by the agent, or elsewhere)
  };
  Kind kind = Kind::kQueueMoved;
  int position = 0;
  std::string text;
};

// Why a call-back is left (stored as dialogue::kCallbackAsked / kCallbackHungUp).
enum class CallbackReason { kCallerAsked, kHungUpInQueue };

// Thread-safe. Listeners run on whatever thread made the change (an HTTP thread for an agent's
// message): post the work to the call's own worker.
class AgentDesk {
 public:
  using Listener = std::function<void(const DeskEvent& event)>;
  virtual ~AgentDesk() = default;

  // Watches conversation `id`; returns a watch id for Unwatch (> 0).
  virtual int Watch(const std::string& id, Listener listener) = 0;
  virtual void Unwatch(int watch) = 0;
  // 1-based place in the agents' queue; 0 when not queued (taken, ended, unknown).
  virtual int QueuePosition(const std::string& id) const = 0;
  // Mean seconds an agent held a conversation, over the recent ones ended since start; none
  // before the first.
  virtual std::optional<int64_t> AverageHandlingSeconds() const = 0;
  // Ends conversation `id` (its summary is written) and leaves a call-back task with it, the
  // summary and `phone` (the number called from; "" when the caller withheld it).
  virtual Status LeaveCallback(const std::string& id, const std::string& phone,
                               CallbackReason reason) = 0;
  // What the caller of conversation `id` is saying right now (the recogniser's partial text;
  // "" when the utterance ended without words), for the agents' live transcript only: not
  // stored. Personal data: never logged.
  virtual void Speaking(const std::string& id, const std::string& text) { (void)id, (void)text; }
};

// Over the dialogue service's events and queue, leaving tasks in `callbacks`; both must outlive
// the desk. `clock` times the handling (agent took it → ended).
std::unique_ptr<AgentDesk> AgentDeskOver(dialogue::DialogueService& service,
                                         dialogue::CallbackStore& callbacks,
                                         const Clock& clock = SystemClock::Instance());

}  // namespace zx::voice
