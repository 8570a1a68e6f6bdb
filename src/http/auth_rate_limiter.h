// RateLimiter: a token bucket per client address, for the auth middleware (http/auth.h).
//
// Each address may make `per_minute` requests in a burst, refilled at per_minute / 60 a
// second. Memory is bounded: at most `max_clients` buckets; when full, buckets that are full
// again (idle long enough) are dropped, and failing that the oldest-seen ones, so a flood of
// distinct addresses costs memory proportional to max_clients only.
//
// Thread-safe (one mutex; a lookup and an update per request). Times from the injected Clock's
// monotonic time, so tests can move time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace zx::http {

class RateLimiter {
 public:
  // per_minute 0 means "no limit": Allow always answers true.
  RateLimiter(int per_minute, const Clock& clock, size_t max_clients = 100000);

  // Takes a token for `client`; false when its bucket is empty. `retry_after_seconds`, when
  // given, receives how long until a token is back (at least 1).
  bool Allow(std::string_view client, int* retry_after_seconds = nullptr);

  size_t clients() const;

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_ms = 0;
  };
  int64_t NowMs() const;
  void Evict(int64_t now_ms);

  const double capacity_;
  const double per_ms_;
  const Clock& clock_;
  const size_t max_clients_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

// The address part of "1.2.3.4:5678" or "::1:5678" (the port is whatever follows the last
// ':'), as Request::remote_address carries it; the input when there is no ':'.
std::string_view ClientAddress(std::string_view remote);
// True for 127.0.0.0/8, ::1 and ::ffff:127.x.y.z.
bool IsLoopback(std::string_view address);

}  // namespace zx::http
