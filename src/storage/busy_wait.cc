#include "storage/busy_wait.h"

#include <sqlite3.h>

#include <algorithm>
#include <thread>

namespace zx::storage {

void BusyWait::Install(sqlite3* db) { sqlite3_busy_handler(db, &BusyWait::Retry, this); }

// Called by SQLite with the connection's mutex held, so one wait at a time per connection.
int BusyWait::Retry(void* self, int count) {
  auto* w = static_cast<BusyWait*>(self);
  auto now = std::chrono::steady_clock::now();
  if (count == 0) w->first_ = now;
  auto left = w->first_ + w->limit_ - now;
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  auto pause = std::chrono::microseconds(50) * (1 << std::min(count, 7));  // 50 us .. 6.4 ms
  std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
      std::min<std::chrono::steady_clock::duration>(pause, std::chrono::milliseconds(5)), left));
  return 1;
}

}  // namespace zx::storage
