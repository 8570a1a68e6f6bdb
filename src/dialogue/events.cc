#include "dialogue/events.h"

namespace zx::dialogue {

const std::string& ConversationOf(const Event& event) {
  return std::visit([](const auto& e) -> const std::string& { return e.conversation_id; }, event);
}

int EventBus::Subscribe(const std::string& conversation_id, Listener listener) {
  std::lock_guard lock(mu_);
  int sub = ++next_;
  listeners_[sub] = {conversation_id, std::move(listener)};
  return sub;
}

void EventBus::Unsubscribe(int subscription) {
  std::lock_guard lock(mu_);
  listeners_.erase(subscription);
}

void EventBus::Publish(const Event& event) const {
  const std::string& id = ConversationOf(event);
  std::vector<Listener> targets;
  {
    std::lock_guard lock(mu_);
    for (const auto& [sub, l] : listeners_)
      if (l.first.empty() || l.first == id) targets.push_back(l.second);
  }
  for (const auto& t : targets) t(event);
}

}  // namespace zx::dialogue
