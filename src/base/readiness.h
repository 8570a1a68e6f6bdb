// Whether this node takes new work, for whoever sends it some: the HTTP balancer's health check
// (GET /healthz), the SIP dispatcher's OPTIONS pings and new INVITEs. Not while it drains
// (`zhixian drain`: what runs finishes, nothing new starts) nor while its database cannot be
// reached (another node can serve the caller). Thread-safe; Why() is cheap enough for the SIP
// thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "base/status.h"

namespace zx {

class Readiness {
 public:
  // From now on, for good: this node is going away.
  void StartDraining() { draining_ = true; }
  bool draining() const { return draining_; }

  // The outcome of the latest database check.
  void SetDatabase(const Status& status);

  // "" when ready; else why not, for a reason phrase or a 503's message ("draining", "database
  // unreachable: ...").
  std::string Why() const;

 private:
  std::atomic<bool> draining_{false};
  std::atomic<bool> database_ok_{true};
  mutable std::mutex mu_;
  std::string database_error_;  // guarded by mu_
};

}  // namespace zx
