// How a long-running process stops: on SIGINT or SIGTERM at once, or on SIGUSR1 after draining
// (no new work; what runs finishes), handled by one thread that waits for them rather than by
// an asynchronous handler.
#pragma once

#include <chrono>

namespace zx {

enum class StopRequest { kStop, kDrain };

// Blocks SIGINT, SIGTERM and SIGUSR1 in the calling thread and every thread it starts after
// (call it first, in main's thread), and ignores SIGPIPE (a peer that went away is an error of
// the write).
void BlockStopSignals();

// Blocks until SIGINT or SIGTERM (kStop) or SIGUSR1 (kDrain) arrives (BlockStopSignals first),
// logging which.
StopRequest WaitForStopSignal();

// While draining: true when SIGINT or SIGTERM arrived within `timeout` (stop now); another
// SIGUSR1 is ignored.
bool StopSignalWithin(std::chrono::milliseconds timeout);

}  // namespace zx
