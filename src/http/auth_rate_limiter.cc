#include "http/auth_rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace zx::http {

RateLimiter::RateLimiter(int per_minute, const Clock& clock, size_t max_clients)
    : capacity_(std::max(per_minute, 0)),
      per_ms_(std::max(per_minute, 0) / 60000.0),
      clock_(clock),
      max_clients_(std::max<size_t>(max_clients, 1)) {}

int64_t RateLimiter::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             clock_.Monotonic().time_since_epoch())
      .count();
}

void RateLimiter::Evict(int64_t now_ms) {
  // First the buckets that have refilled completely: forgetting them changes nothing.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double tokens = it->second.tokens + (now_ms - it->second.last_ms) * per_ms_;
    it = tokens >= capacity_ ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() < max_clients_) return;
  // Still full (a flood of distinct addresses): drop the older half.
  std::vector<int64_t> seen;
  seen.reserve(buckets_.size());
  for (const auto& [_, b] : buckets_) seen.push_back(b.last_ms);
  auto mid = seen.begin() + static_cast<std::ptrdiff_t>(seen.size() / 2);
  std::nth_element(seen.begin(), mid, seen.end());
  int64_t cutoff = *mid;
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = it->second.last_ms <= cutoff ? buckets_.erase(it) : std::next(it);
}

bool RateLimiter::Allow(std::string_view client, int* retry_after_seconds) {
  if (capacity_ <= 0) return true;
  int64_t now = NowMs();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(client));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) Evict(now);
    it = buckets_.emplace(std::string(client), Bucket{capacity_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(capacity_, b.tokens + std::max<int64_t>(now - b.last_ms, 0) * per_ms_);
  b.last_ms = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  if (retry_after_seconds)
    *retry_after_seconds =
        std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / per_ms_ / 1000)));
  return false;
}

size_t RateLimiter::clients() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

std::string_view ClientAddress(std::string_view remote) {
  size_t colon = remote.rfind(':');
  if (colon == std::string_view::npos) return remote;
  std::string_view address = remote.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  return address;
}

bool IsLoopback(std::string_view address) {
  if (address.rfind("::ffff:", 0) == 0) address.remove_prefix(7);
  return address.rfind("127.", 0) == 0 || address == "::1";
}

}  // namespace zx::http
