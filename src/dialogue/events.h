// The facts the dialogue tells others, as types: a conversation started, the citizen is saying or
// said something, a turn was answered, a conversation was handed over or changed state, an agent
// spoke, a conversation ended, its summary is ready. Live channels (the WebSocket chat) turn
// them into frames at the edge (http/dialogue_json.h); other modules (metrics, later tickets or
// campaigns) subscribe to the ones they need instead of polling the service or reading its
// replies.
//
// Delivery: DialogueService calls subscribers after the change is stored, on the caller's
// thread, without its locks held, in the order the facts happened. A subscriber should return
// quickly (it delays the caller's reply); it may call the service.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "dialogue/reply.h"
#include "dialogue/summary.h"

namespace zx::dialogue {

struct ConversationStarted {
  std::string conversation_id;
  std::string channel;
};
// The citizen's words of one turn (live channels show them in a second tab).
struct CitizenSaid {
  std::string conversation_id;
  std::string text;
};
// The assistant answered a citizen turn (Reply::text may be empty while an agent holds it).
struct TurnAnswered {
  std::string conversation_id;
  Reply reply;
};
// The turn handed the conversation over to the agents' queue.
struct HandedOver {
  std::string conversation_id;
  std::string reason_code;  // "risk", "anger", "asked_for_human", "failures" (escalation.h)
  std::string reason;       // for the agent
  int queue_position = 0;
};
// The conversation's state or queue position changed outside a citizen turn (an agent took it,
// the queue moved up).
struct StateChanged {
  std::string conversation_id;
  std::string state;
  int queue_position = 0;
};
struct AgentSaid {
  std::string conversation_id;
  std::string text;
  std::string agent;  // what citizens see of the agent (User::display_name); "" none
};
struct ConversationEnded {
  std::string conversation_id;
};
// The citizen rated the conversation after its end (satisfaction.h: 满意, 基本满意, 不满意).
struct Rated {
  std::string conversation_id;
  std::string rating;
};
// What the citizen is saying right now, before the turn: a speech recogniser's partial text of
// an utterance not finished yet ("" when it ended without words). Ephemeral: never stored, and
// the CitizenSaid of the finished utterance supersedes it (live staff screens only).
struct CitizenSpeaking {
  std::string conversation_id;
  std::string text;
};
struct SummaryReady {
  std::string conversation_id;
  Summary summary;
  std::string reference;  // 受理编号 (satisfaction.h), for the citizen
};

using Event = std::variant<ConversationStarted, CitizenSaid, TurnAnswered, HandedOver, StateChanged,
                           AgentSaid, ConversationEnded, SummaryReady, Rated, CitizenSpeaking>;

// The conversation an event is about.
const std::string& ConversationOf(const Event& event);

// Someone who wants to hear the dialogue's facts.
class EventSubscriber {
 public:
  virtual ~EventSubscriber() = default;
  virtual void OnEvent(const Event& event) = 0;
};

// Fan-out of events to subscribers of one conversation or of all ("" conversation id).
// Thread-safe; subscribers are called without the bus's lock held, so they may subscribe or
// unsubscribe from within a call.
class EventBus {
 public:
  using Listener = std::function<void(const Event& event)>;

  // Returns a subscription id (> 0) for Unsubscribe.
  int Subscribe(const std::string& conversation_id, Listener listener);
  int Subscribe(const std::string& conversation_id, EventSubscriber& subscriber) {
    return Subscribe(conversation_id, [&subscriber](const Event& e) { subscriber.OnEvent(e); });
  }
  void Unsubscribe(int subscription);
  void Publish(const Event& event) const;

 private:
  mutable std::mutex mu_;
  int next_ = 0;
  std::map<int, std::pair<std::string, Listener>> listeners_;
};

}  // namespace zx::dialogue
