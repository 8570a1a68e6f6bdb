// Worker: one thread that runs posted tasks in order and timers when they fall due on the
// injectable Clock; the one way zhixian runs background work (retention, recordings register,
// calls in progress), instead of a hand-rolled thread, queue and condition variable each time.
//
// Order: tasks run one at a time, in the order they were posted; a timer runs on the same
// thread, before posted tasks once it is due, so a task never races another of the same
// worker. Timers use Clock::Monotonic(): with a FakeClock, move the clock and call Flush() (or
// Poke()) so that the worker looks again; with the SystemClock it wakes by itself.
//
// Stop() (also by the destructor) runs the tasks already posted, drops timers not yet due and
// joins the thread; Post() after that returns false. Tasks must not throw and must not call
// Stop() or Flush() on their own worker. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "base/clock.h"

namespace zx {

class Worker {
 public:
  using Task = std::function<void()>;
  using TimerId = uint64_t;

  // `name` names the thread (up to 15 bytes are kept) in logs and `top -H`.
  explicit Worker(std::string name, const Clock& clock = SystemClock::Instance());
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs `task` after the tasks posted before it; false (and `task` dropped) once stopping.
  bool Post(Task task);
  // Runs `task` once, when `delay` has passed on the clock. 0 when stopping.
  TimerId After(std::chrono::milliseconds delay, Task task);
  // Runs `task` every `period`, the first time after `first_delay`. A run that falls behind
  // (the task took longer than a period) is not repeated to catch up.
  TimerId Every(std::chrono::milliseconds period, Task task,
                std::chrono::milliseconds first_delay = std::chrono::milliseconds(0));
  // Cancels a timer not yet run (a periodic one for good); false when there is none.
  bool Cancel(TimerId id);

  // Returns when every task posted before, and every timer due by now, has run. For tests and
  // for ordering at shutdown; returns at once on the worker's own thread.
  void Flush();
  // Makes the worker look at the clock again (after a FakeClock moved).
  void Poke();
  void Stop();

  bool OnWorkerThread() const { return std::this_thread::get_id() == thread_.get_id(); }
  size_t pending_timers() const;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Timer {
    Task task;
    std::chrono::milliseconds period{0};  // 0: once
  };
  void Loop();
  TimerId Schedule(TimePoint due, std::chrono::milliseconds period, Task task);

  const std::string name_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;                                 // guarded by mu_
  std::map<std::pair<TimePoint, TimerId>, Timer> timers_;  // by due time; guarded by mu_
  std::unordered_map<TimerId, TimePoint> due_of_;          // guarded by mu_
  TimerId next_id_ = 1;                                    // guarded by mu_
  TimerId running_timer_ = 0;                              // guarded by mu_
  bool stopping_ = false;                                  // guarded by mu_
  std::thread thread_;                                     // last: starts after the members it uses
};

}  // namespace zx
