// The SMS rate limit: a token bucket on the injectable Clock (base/clock.h), and a gateway
// decorator that applies it.
//
// At most `rate_per_s` messages a second on average, with a burst of one second's worth (at
// least one message). A Send beyond it WAITS for its turn (Send runs on a worker; turns are
// reserved in order, so concurrent senders are spaced out, not stampeded), unless its turn is
// more than `max_wait` away: then it returns kResourceExhausted at once and reserves nothing,
// and the caller tries again later. Messages refused by validation still take a turn (cheap,
// and it keeps the limiter ignorant of the gateway).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "base/clock.h"
#include "base/status.h"
#include "telephony/sms_gateway.h"

namespace zx::telephony {

class TokenBucket {
 public:
  // rate_per_s > 0.
  TokenBucket(double rate_per_s, const Clock& clock);
  // Reserves the next turn: how long from now until it (0 when a token is there), or nullopt
  // (nothing reserved) when that is longer than `max_wait`.
  std::optional<std::chrono::milliseconds> Reserve(std::chrono::milliseconds max_wait);

 private:
  const double rate_per_s_;
  const double burst_;
  const Clock& clock_;
  std::mutex mu_;
  double tokens_;  // may go negative: turns reserved ahead
  std::chrono::steady_clock::time_point last_;
};

using SleepFunction = std::function<void(std::chrono::milliseconds)>;

// `inner` limited to `rate_per_s` (> 0) messages a second; its Name() is inner's. `sleep` waits for
// a turn: std::this_thread::sleep_for by default; tests pass one that advances a FakeClock.
std::unique_ptr<SmsGateway> RateLimitSmsGateway(std::unique_ptr<SmsGateway> inner,
                                                double rate_per_s,
                                                std::chrono::milliseconds max_wait,
                                                const Clock& clock, SleepFunction sleep = {});

}  // namespace zx::telephony
