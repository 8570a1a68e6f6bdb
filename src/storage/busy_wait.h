// BusyWait: the SQLite driver's busy handler. Private to storage.
//
// SQLite's own (sqlite3_busy_timeout) sleeps 1 ms on the first retry, then 2, 5, 10 ms and
// more: a write that finds the lock held for 200 us waits a millisecond or more. This one
// retries after 50 us, doubling up to 5 ms, until `limit` has passed since the first retry of
// that lock, then gives up (SQLITE_BUSY: kUnavailable), the same bound as busy_timeout_ms.
#pragma once

#include <chrono>

struct sqlite3;

namespace zx::storage {

class BusyWait {
 public:
  explicit BusyWait(std::chrono::milliseconds limit) : limit_(limit) {}
  // Makes this the busy handler of `db`; must outlive the connection's use of it.
  void Install(sqlite3* db);

 private:
  static int Retry(void* self, int count);

  const std::chrono::milliseconds limit_;
  std::chrono::steady_clock::time_point first_;  // of the current wait (count 0)
};

}  // namespace zx::storage
