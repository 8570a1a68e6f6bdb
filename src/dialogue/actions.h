// Actions a dialogue may trigger, by name: the application registers what exists (today: telling
// the agents' desk about a hand-over; later: creating a work order, scheduling a call-back) and
// the dialogue invokes them by the names its data gives (kb/dialogue.toml [actions]), without
// knowing the modules that carry them out.
//
//   ActionRegistry actions;
//   actions.Register("notify_agents", [&](const ActionRequest& r) { ...; return ActionOutcome{};
//   }); DialogueService::Create(..., std::move(actions));
//
// Registration happens at start-up; after that the registry is read-only and shared by every
// conversation (thread-safe to Invoke concurrently). Actions run on the caller's thread after
// the turn is stored, without the service's locks held; an action that fails is logged and the
// conversation carries on (an action is a side effect, never a reason to refuse a turn).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "dialogue/reply.h"

namespace zx::dialogue {

// What an action is told: the conversation and what the dialogue knows of it at that moment.
struct ActionRequest {
  std::string action;   // the name it was invoked by
  std::string trigger;  // the event in the data that named it ("on_handoff", "on_complaint")
  std::string conversation_id;
  std::string channel;  // "chat", "voice", ...
  std::optional<std::string> topic;
  SlotMap slots;       // the active calculator's slots
  std::string reason;  // on_handoff: why the conversation was handed over, for the agent
  // on_complaint: the citizen's words about the matter (every turn since it was raised), the
  // number and address they gave, the districts they named, and whether a danger was heard.
  std::string text;
  std::string contact;
  std::string address;
  std::vector<std::string> districts;
  bool danger = false;
  // The work order the conversation already made (GD...), "" none (DialogueService::
  // WorkOrderFacts only).
  std::string ticket;
};

// What an action gives back, when it made something the citizen should hear of (a work order):
// its reference, department and time limit for the reply's `ticket`, and the sentence to say.
// Actions with nothing to tell return an empty outcome.
struct ActionOutcome {
  std::string reference;   // e.g. the work order's number; "" when nothing was made
  std::string department;  // the department it went to ("" when none yet)
  std::string sla;         // "2h", "24h", "7d", "15d"
  std::string say;         // appended to (or, on a follow-up turn, replaces) the reply
};

using ActionFn = std::function<Result<ActionOutcome>(const ActionRequest& request)>;

class ActionRegistry {
 public:
  // already_exists when the name is taken; invalid_argument for an empty name or no callback.
  Status Register(std::string name, ActionFn fn);
  bool Has(std::string_view name) const { return actions_.find(name) != actions_.end(); }
  std::vector<std::string> Names() const;
  // not_found when no action of that name is registered; otherwise what the action returns.
  Result<ActionOutcome> Invoke(std::string_view name, const ActionRequest& request) const;

 private:
  std::map<std::string, ActionFn, std::less<>> actions_;
};

}  // namespace zx::dialogue
