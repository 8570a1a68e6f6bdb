// FakeCallControl: a CallControl that records what it was asked to do, for unit tests of what
// drives calls (the phone menu, notice calls) without SIP. Tests play the gateway's part by
// calling the call's CallHandler themselves (handler() returns the one given to Originate).
//
// Thread-safe: the code under test may call it from its worker threads while the test reads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "telephony/call_control.h"

namespace zx::telephony::testing {

class FakeCallControl final : public CallControl {
 public:
  struct Played {
    CallId call = 0;
    uint64_t prompt_id = 0;
    size_t samples = 0;
    SharedPcm audio;
    bool first = false;  // the first since a StopPlayback of the call: a new prompt begins
  };
  struct Transferred {
    CallId call = 0;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  void Play(CallId call, SharedPcm audio, uint64_t prompt_id) override {
    std::lock_guard lock(mu_);
    bool first = stopped_[call];
    stopped_[call] = false;
    played_.push_back({call, prompt_id, audio ? audio->size() : 0, audio, first});
  }
  void StopPlayback(CallId call) override {
    std::lock_guard lock(mu_);
    stops_.push_back(call);
    stopped_[call] = true;
  }
  void Hangup(CallId call) override {
    std::lock_guard lock(mu_);
    hangups_.push_back(call);
  }
  // Ids 100, 101, ... in order; or the status set by Refuse().
  Result<CallId> Originate(const std::string& target, const OriginateOptions& options,
                           std::shared_ptr<CallHandler> handler) override {
    std::function<void(CallId)> hook;
    CallId id = 0;
    {
      std::lock_guard lock(mu_);
      if (!refusal_.ok()) return refusal_;
      id = next_id_++;
      targets_.push_back(target);
      last_options_ = options;
      handlers_[id] = std::move(handler);
      hook = on_originate_;
    }
    if (hook) hook(id);  // e.g. events a gateway thread reports before Originate returns
    return id;
  }
  // Records the request; the test reports its progress with the handler's OnTransfer.
  Status Transfer(CallId call, const std::string& target,
                  const std::vector<std::pair<std::string, std::string>>& headers) override {
    std::lock_guard lock(mu_);
    if (!transfer_status_.ok()) return transfer_status_;
    transfers_.push_back({call, target, headers});
    return Status::Ok();
  }

  // ---- for tests ----
  void Refuse(Status status) {
    std::lock_guard lock(mu_);
    refusal_ = std::move(status);
  }
  void FailTransfers(Status status) {
    std::lock_guard lock(mu_);
    transfer_status_ = std::move(status);
  }
  void OnOriginate(std::function<void(CallId)> hook) {
    std::lock_guard lock(mu_);
    on_originate_ = std::move(hook);
  }
  std::shared_ptr<CallHandler> handler(CallId call) const {
    std::lock_guard lock(mu_);
    auto it = handlers_.find(call);
    return it == handlers_.end() ? nullptr : it->second;
  }
  std::vector<Played> played() const {
    std::lock_guard lock(mu_);
    return played_;
  }
  std::vector<Played> played(CallId call) const {
    std::lock_guard lock(mu_);
    std::vector<Played> out;
    for (const Played& p : played_)
      if (p.call == call) out.push_back(p);
    return out;
  }
  std::vector<CallId> stops() const {
    std::lock_guard lock(mu_);
    return stops_;
  }
  std::vector<CallId> hangups() const {
    std::lock_guard lock(mu_);
    return hangups_;
  }
  std::vector<std::string> targets() const {
    std::lock_guard lock(mu_);
    return targets_;
  }
  OriginateOptions last_options() const {
    std::lock_guard lock(mu_);
    return last_options_;
  }
  std::vector<Transferred> transfers() const {
    std::lock_guard lock(mu_);
    return transfers_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Played> played_;
  std::vector<CallId> stops_;
  std::map<CallId, bool> stopped_;
  std::vector<CallId> hangups_;
  std::vector<std::string> targets_;
  std::vector<Transferred> transfers_;
  OriginateOptions last_options_;
  std::map<CallId, std::shared_ptr<CallHandler>> handlers_;
  Status refusal_ = Status::Ok();
  Status transfer_status_ = Status::Ok();
  std::function<void(CallId)> on_originate_;
  CallId next_id_ = 100;
};

}  // namespace zx::telephony::testing
