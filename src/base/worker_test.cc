#include "base/worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace zx {
namespace {

using std::chrono::milliseconds;

TEST(WorkerTest, RunsPostedTasksInOrderOnItsThread) {
  Worker worker("test");
  std::vector<int> seen;  // touched only by the worker
  std::thread::id ran_on;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(worker.Post([&, i] {
      seen.push_back(i);
      ran_on = std::this_thread::get_id();
    }));
  }
  worker.Flush();
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(WorkerTest, TimersFollowTheInjectedClock) {
  FakeClock clock(1000);
  Worker worker("test", clock);
  std::vector<std::string> seen;
  worker.After(milliseconds(500), [&] { seen.push_back("once"); });
  worker.Every(
      milliseconds(200), [&] { seen.push_back("tick"); }, milliseconds(200));
  worker.Flush();
  EXPECT_TRUE(seen.empty());  // nothing is due while the clock stands still

  clock.Advance(milliseconds(200));
  worker.Flush();
  EXPECT_EQ(seen, (std::vector<std::string>{"tick"}));

  clock.Advance(milliseconds(300));  // t = 500: the one-shot and the second tick (due at 400)
  worker.Flush();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(worker.pending_timers(), 1u);  // only the periodic one remains
}

TEST(WorkerTest, APeriodicTimerThatFallsBehindDoesNotBurst) {
  FakeClock clock(0);
  Worker worker("test", clock);
  int runs = 0;
  worker.Every(
      milliseconds(100), [&] { ++runs; }, milliseconds(100));
  clock.Advance(milliseconds(1000));  // ten periods missed
  worker.Flush();
  EXPECT_EQ(runs, 1);
  clock.Advance(milliseconds(100));
  worker.Flush();
  EXPECT_EQ(runs, 2);
}

TEST(WorkerTest, CancelStopsATimerEvenFromItsOwnRun) {
  FakeClock clock(0);
  Worker worker("test", clock);
  int once = 0, periodic = 0;
  Worker::TimerId a = worker.After(milliseconds(10), [&] { ++once; });
  Worker::TimerId b = 0;
  b = worker.Every(milliseconds(10), [&] {
    if (++periodic == 2) worker.Cancel(b);
  });
  EXPECT_TRUE(worker.Cancel(a));
  EXPECT_FALSE(worker.Cancel(a));
  for (int i = 0; i < 5; ++i) {
    clock.Advance(milliseconds(10));
    worker.Flush();
  }
  EXPECT_EQ(once, 0);
  EXPECT_EQ(periodic, 2);
  EXPECT_EQ(worker.pending_timers(), 0u);
}

TEST(WorkerTest, RealClockTimersWakeByThemselves) {
  Worker worker("test");
  std::atomic<int> runs{0};
  worker.After(milliseconds(20), [&] { ++runs; });
  for (int i = 0; i < 200 && runs.load() == 0; ++i) std::this_thread::sleep_for(milliseconds(5));
  EXPECT_EQ(runs.load(), 1);
}

TEST(WorkerTest, StopRunsWhatIsPostedAndRefusesMore) {
  std::atomic<int> runs{0};
  Worker worker("test");
  std::mutex gate;
  gate.lock();
  worker.Post([&] { std::lock_guard hold(gate); });  // keeps the worker busy
  for (int i = 0; i < 10; ++i) worker.Post([&] { ++runs; });
  std::thread stopper([&] { worker.Stop(); });
  gate.unlock();
  stopper.join();
  EXPECT_EQ(runs.load(), 10);
  EXPECT_FALSE(worker.Post([&] { ++runs; }));
  EXPECT_EQ(worker.After(milliseconds(1), [] {}), 0u);
  worker.Flush();  // returns at once
}

}  // namespace
}  // namespace zx
