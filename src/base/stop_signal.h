// How a long-running process stops: on SIGINT or SIGTERM, handled by one thread that waits for
// them rather than by an asynchronous handler.
#pragma once

namespace zx {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts after (call it
// first, in main's thread), and ignores SIGPIPE (a peer that went away is an error of the write).
void BlockStopSignals();

// Blocks until SIGINT or SIGTERM arrives (BlockStopSignals first), logging which.
void WaitForStopSignal();

}  // namespace zx
