// Clock: the only source of "now" in zhixian, injectable so that SLA, retention and calling
// windows can be tested at any date. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace zx {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that people read and store.
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time, for durations and latency.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
  int64_t NowUnixMillis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
  // A process-wide instance for production wiring.
  static SystemClock& Instance();
};

// A clock that moves only when told to; for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_millis = 0) : millis_(unix_millis) {}
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(millis_.load()));
  }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(millis_.load()));
  }
  void Advance(std::chrono::milliseconds d) { millis_ += d.count(); }
  void Set(int64_t unix_millis) { millis_ = unix_millis; }

 private:
  std::atomic<int64_t> millis_;
};

}  // namespace zx
