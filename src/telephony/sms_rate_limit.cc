#include "telephony/sms_rate_limit.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>

namespace zx::telephony {

TokenBucket::TokenBucket(double rate_per_s, const Clock& clock)
    : rate_per_s_(rate_per_s),
      burst_(std::max(1.0, rate_per_s)),
      clock_(clock),
      tokens_(burst_),
      last_(clock.Monotonic()) {}

std::optional<std::chrono::milliseconds> TokenBucket::Reserve(std::chrono::milliseconds max_wait) {
  std::lock_guard lock(mu_);
  auto now = clock_.Monotonic();
  double elapsed_s = std::chrono::duration<double>(now - last_).count();
  if (elapsed_s > 0) {
    tokens_ = std::min(burst_, tokens_ + elapsed_s * rate_per_s_);
    last_ = now;
  }
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return std::chrono::milliseconds(0);
  }
  // Turns already reserved ahead make tokens_ negative: this one comes after them.
  auto wait = std::chrono::milliseconds(
      static_cast<int64_t>(std::ceil((1 - tokens_) / rate_per_s_ * 1000)));
  if (wait > max_wait) return std::nullopt;
  tokens_ -= 1;
  return wait;
}

namespace {

class RateLimitedSmsGateway final : public SmsGateway {
 public:
  RateLimitedSmsGateway(std::unique_ptr<SmsGateway> inner, double rate_per_s,
                        std::chrono::milliseconds max_wait, const Clock& clock, SleepFunction sleep)
      : inner_(std::move(inner)),
        rate_per_s_(rate_per_s),
        max_wait_(max_wait),
        bucket_(rate_per_s, clock),
        sleep_(std::move(sleep)) {
    if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }

  Result<SmsReceipt> Send(const SmsMessage& message) override {
    auto wait = bucket_.Reserve(max_wait_);
    if (!wait)
      return ResourceExhausted("sms: rate limit of " + FormatRate() +
                               " messages a second: the next turn is more than " +
                               std::to_string(max_wait_.count()) + " ms away (sms.max_wait_ms)");
    if (wait->count() > 0) sleep_(*wait);
    return inner_->Send(message);
  }

  std::string Name() const override { return inner_->Name(); }

 private:
  std::string FormatRate() const {
    std::string s = std::to_string(rate_per_s_);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  std::unique_ptr<SmsGateway> inner_;
  double rate_per_s_;
  std::chrono::milliseconds max_wait_;
  TokenBucket bucket_;
  SleepFunction sleep_;
};

}  // namespace

std::unique_ptr<SmsGateway> RateLimitSmsGateway(std::unique_ptr<SmsGateway> inner,
                                                double rate_per_s,
                                                std::chrono::milliseconds max_wait,
                                                const Clock& clock, SleepFunction sleep) {
  return std::make_unique<RateLimitedSmsGateway>(std::move(inner), rate_per_s, max_wait, clock,
                                                 std::move(sleep));
}

}  // namespace zx::telephony
