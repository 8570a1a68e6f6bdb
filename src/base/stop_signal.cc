#include "base/stop_signal.h"

#include <pthread.h>

#include <csignal>
#include <ctime>

#include "base/log.h"

namespace zx {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
}

}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

StopRequest WaitForStopSignal() {
  sigset_t set = StopSignals();
  int sig = 0;
  sigwait(&set, &sig);
  if (sig == SIGUSR1) {
    log::Info("serve.drain_requested signal={}", sig);
    return StopRequest::kDrain;
  }
  log::Info("serve.stopping signal={}", sig);
  return StopRequest::kStop;
}

bool StopSignalWithin(std::chrono::milliseconds timeout) {
  sigset_t set = StopSignals();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    timespec ts{static_cast<time_t>(left.count() / 1000000000),
                static_cast<long>(left.count() % 1000000000)};
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      log::Info("serve.stopping signal={}", sig);
      return true;
    }
    // SIGUSR1 again, EINTR or EAGAIN (time is up): go round; the deadline decides.
  }
}

}  // namespace zx
