#include "base/readiness.h"

#include "base/log.h"

namespace zx {

void Readiness::SetDatabase(const Status& status) {
  bool was_ok = database_ok_.exchange(status.ok());
  if (status.ok()) {
    if (!was_ok) log::Info("node.database_reachable");
    return;
  }
  {
    std::lock_guard lock(mu_);
    database_error_ = status.message();
  }
  if (was_ok) log::Warn("node.database_unreachable error=\"{}\"", status.message());
}

std::string Readiness::Why() const {
  if (draining_) return "draining";
  if (database_ok_) return "";
  std::lock_guard lock(mu_);
  return "database unreachable: " + database_error_;
}

}  // namespace zx
