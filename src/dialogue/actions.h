// Actions a dialogue may trigger, by name: the application registers what exists (today: telling
// the agents' desk about a hand-over; later: creating a work order, scheduling a call-back) and
// the dialogue invokes them by the names its data gives (kb/dialogue.toml [actions]), without
// knowing the modules that carry them out.
//
//   ActionRegistry actions;
//   actions.Register("notify_agents", [&](const ActionRequest& r) { ...; return Status::Ok(); });
//   DialogueService::Create(..., std::move(actions));
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
  std::string trigger;  // the event in the data that named it ("on_handoff")
  std::string conversation_id;
  std::optional<std::string> topic;
  SlotMap slots;       // the active calculator's slots
  std::string reason;  // on_handoff: why the conversation was handed over, for the agent
};

using ActionFn = std::function<Status(const ActionRequest& request)>;

class ActionRegistry {
 public:
  // already_exists when the name is taken; invalid_argument for an empty name or no callback.
  Status Register(std::string name, ActionFn fn);
  bool Has(std::string_view name) const { return actions_.find(name) != actions_.end(); }
  std::vector<std::string> Names() const;
  // not_found when no action of that name is registered; otherwise what the action returns.
  Status Invoke(std::string_view name, const ActionRequest& request) const;

 private:
  std::map<std::string, ActionFn, std::less<>> actions_;
};

}  // namespace zx::dialogue
