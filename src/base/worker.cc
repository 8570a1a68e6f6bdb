#include "base/worker.h"

#include <pthread.h>

#include <cassert>
#include <future>

namespace zx {

Worker::Worker(std::string name, const Clock& clock) : name_(std::move(name)), clock_(clock) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    Loop();
  });
}

Worker::~Worker() { Stop(); }

bool Worker::Post(Task task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

Worker::TimerId Worker::After(std::chrono::milliseconds delay, Task task) {
  return Schedule(clock_.Monotonic() + delay, std::chrono::milliseconds(0), std::move(task));
}

Worker::TimerId Worker::Every(std::chrono::milliseconds period, Task task,
                              std::chrono::milliseconds first_delay) {
  assert(period.count() > 0);
  return Schedule(clock_.Monotonic() + first_delay, period, std::move(task));
}

Worker::TimerId Worker::Schedule(TimePoint due, std::chrono::milliseconds period, Task task) {
  TimerId id;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return 0;
    id = next_id_++;
    timers_.emplace(std::make_pair(due, id), Timer{std::move(task), period});
    due_of_[id] = due;
  }
  wake_.notify_one();
  return id;
}

bool Worker::Cancel(TimerId id) {
  std::lock_guard lock(mu_);
  auto it = due_of_.find(id);
  if (it == due_of_.end()) {
    // A periodic timer cancelled from its own run is not in the map at that moment.
    if (running_timer_ == id) {
      running_timer_ = 0;
      return true;
    }
    return false;
  }
  timers_.erase({it->second, id});
  due_of_.erase(it);
  return true;
}

void Worker::Flush() {
  if (OnWorkerThread()) return;
  std::promise<void> done;
  if (!Post([&done] { done.set_value(); })) return;  // stopping: Stop() runs what is posted
  done.get_future().wait();
}

void Worker::Poke() { wake_.notify_one(); }

void Worker::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  assert(!OnWorkerThread() && "Stop() from the worker's own task");
  if (thread_.joinable()) thread_.join();
}

size_t Worker::pending_timers() const {
  std::lock_guard lock(mu_);
  return timers_.size();
}

void Worker::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    // Timers first: a due timer is older than any task posted after it fell due.
    TimePoint now = clock_.Monotonic();
    if (!stopping_ && !timers_.empty() && timers_.begin()->first.first <= now) {
      auto node = timers_.extract(timers_.begin());
      TimerId id = node.key().second;
      TimePoint due = node.key().first;
      due_of_.erase(id);
      Timer timer = std::move(node.mapped());
      running_timer_ = id;
      lock.unlock();
      timer.task();
      lock.lock();
      bool cancelled = running_timer_ != id;
      running_timer_ = 0;
      if (timer.period.count() > 0 && !cancelled && !stopping_) {
        TimePoint next = due + timer.period;
        TimePoint after = clock_.Monotonic();
        if (next <= after) next = after + timer.period;  // fell behind: no burst to catch up
        timers_.emplace(std::make_pair(next, id), std::move(timer));
        due_of_[id] = next;
      }
      continue;
    }
    if (!tasks_.empty()) {
      Task task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
      continue;
    }
    if (stopping_) break;
    if (timers_.empty()) {
      wake_.wait(lock);
    } else {
      wake_.wait_for(lock, timers_.begin()->first.first - now);
    }
  }
  timers_.clear();
  due_of_.clear();
}

}  // namespace zx
