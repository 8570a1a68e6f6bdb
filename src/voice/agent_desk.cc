#include "voice/agent_desk.h"

#include <deque>
#include <mutex>
#include <unordered_map>
#include <variant>

#include "base/log.h"
#include "dialogue/callback_store.h"
#include "dialogue/service.h"
#include "dialogue/states.h"

namespace zx::voice {
namespace {

// Enough of a view for the queue position and the record's scope: no transcript, no summary.
constexpr dialogue::TurnPage kStateOnly{-1, 1, false};
// The handling times averaged: the most recent ones, so the estimate follows the day.
constexpr size_t kRecentHandlings = 20;

class ServiceDesk final : public AgentDesk {
 public:
  ServiceDesk(dialogue::DialogueService& service, dialogue::CallbackStore& callbacks,
              const Clock& clock)
      : service_(service), callbacks_(callbacks), clock_(clock) {
    // Every conversation's hand-overs, whatever the channel: chats count as much as calls.
    all_ = service_.Subscribe("", [this](const dialogue::Event& e) { Track(e); });
  }
  ~ServiceDesk() override { service_.Unsubscribe(all_); }

  int Watch(const std::string& id, Listener listener) override {
    return service_.Subscribe(id, [listener = std::move(listener)](const dialogue::Event& e) {
      if (auto* s = std::get_if<dialogue::StateChanged>(&e)) {
        if (s->state == dialogue::kQueued)
          listener({DeskEvent::Kind::kQueueMoved, s->queue_position, ""});
        else if (s->state == dialogue::kAgent)
          listener({DeskEvent::Kind::kTaken, 0, ""});
      } else if (auto* a = std::get_if<dialogue::AgentSaid>(&e)) {
        listener({DeskEvent::Kind::kAgentSaid, 0, a->text});
      } else if (std::holds_alternative<dialogue::ConversationEnded>(e)) {
        listener({DeskEvent::Kind::kEnded, 0, ""});
      }
    });
  }
  void Unwatch(int watch) override { service_.Unsubscribe(watch); }

  void Speaking(const std::string& id, const std::string& text) override {
    service_.Speaking(id, text);
  }

  int QueuePosition(const std::string& id) const override {
    auto v = service_.Get(id, kStateOnly);
    return v.ok() ? v->queue_position : 0;
  }

  std::optional<int64_t> AverageHandlingSeconds() const override {
    std::lock_guard lock(mu_);
    if (handled_ms_.empty()) return std::nullopt;
    int64_t sum = 0;
    for (int64_t ms : handled_ms_) sum += ms;
    return sum / static_cast<int64_t>(handled_ms_.size()) / 1000;
  }

  Status LeaveCallback(const std::string& id, const std::string& phone,
                       CallbackReason reason) override {
    dialogue::NewCallback cb;
    cb.conversation_id = id;
    cb.phone = phone;
    cb.reason = reason == CallbackReason::kCallerAsked ? dialogue::kCallbackAsked
                                                       : dialogue::kCallbackHungUp;
    ZX_ASSIGN_OR_RETURN(dialogue::ConversationView view, service_.Get(id, kStateOnly));
    cb.channel = view.channel;
    cb.departments = view.departments;
    cb.districts = view.districts;
    // The conversation ends here: it leaves the queue, and the task carries its summary.
    ZX_ASSIGN_OR_RETURN(cb.summary, service_.End(id));
    ZX_ASSIGN_OR_RETURN(std::string callback_id, callbacks_.Add(cb));
    log::Info("callback.left callback={} conversation={} reason={} number={}", callback_id, id,
              cb.reason, phone.empty() ? "none" : "sealed");
    return Status::Ok();
  }

 private:
  void Track(const dialogue::Event& e) {
    std::lock_guard lock(mu_);
    if (auto* s = std::get_if<dialogue::StateChanged>(&e)) {
      if (s->state == dialogue::kAgent)
        taken_ms_.try_emplace(s->conversation_id, clock_.NowUnixMillis());
    } else if (auto* end = std::get_if<dialogue::ConversationEnded>(&e)) {
      auto it = taken_ms_.find(end->conversation_id);
      if (it == taken_ms_.end()) return;
      handled_ms_.push_back(clock_.NowUnixMillis() - it->second);
      if (handled_ms_.size() > kRecentHandlings) handled_ms_.pop_front();
      taken_ms_.erase(it);
    }
  }

  dialogue::DialogueService& service_;
  dialogue::CallbackStore& callbacks_;
  const Clock& clock_;
  int all_ = 0;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> taken_ms_;  // guarded by mu_: held conversations
  std::deque<int64_t> handled_ms_;                     // guarded by mu_: recent, oldest first
};

}  // namespace

std::unique_ptr<AgentDesk> AgentDeskOver(dialogue::DialogueService& service,
                                         dialogue::CallbackStore& callbacks, const Clock& clock) {
  return std::make_unique<ServiceDesk>(service, callbacks, clock);
}

}  // namespace zx::voice
