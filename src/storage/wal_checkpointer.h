// WalCheckpointer: the SQLite driver's checkpoints, off the writers' path. Private to storage.
//
// Why: SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past 1,000 pages;
// that COMMIT copies the pages into the database file and syncs both files, milliseconds every
// few dozen writes (the p99 of a write). Here the writing connection only reports the WAL's
// length after each commit (OnCommit, from its wal_hook; automatic checkpoints are then off) and
// a thread of its own, on a connection of its own, checkpoints:
//   - PASSIVE once `passive_pages` more pages are in the WAL (and, when writes have stopped,
//     on the `every` period): copies what no reader still needs, waits for no one;
//   - then rewinds the WAL (RESTART: the next writer starts it from the beginning) when
//     everything was copied and either no commit came in meanwhile (nothing left to copy, so it
//     holds writers back for microseconds) or the WAL has reached `rewind_pages` (it copies the
//     short tail while holding writers back; rare by design).
// A WAL that is never rewound keeps growing and every read pays for its length, so a rewind is
// not skipped for long: only while a reader keeps an older snapshot (a statement left stepped
// and not reset or destroyed, on any connection), in which case the round says so and the next
// one tries again. The WAL file is crash-safe either way; the checkpoint connection syncs as
// synchronous=NORMAL does (the WAL before copying, the database after).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"

struct sqlite3;

namespace zx::storage {

class BusyWait;

struct WalCheckpointerOptions {
  // A round once the WAL grew by this many pages (~32 MB; SQLite's own is 1,000). Each round's
  // syncs may hold up a commit that is writing the WAL meanwhile; fewer, larger rounds hold up
  // fewer commits (orders_bench: create p99 5.6-8.5 ms instead of 12.7-12.9 ms with 1,000).
  int passive_pages = 8000;
  int rewind_pages = 16000;  // rewind even under a steady stream of writes past this (~64 MB)
  std::chrono::milliseconds every{1000};      // a round after writes stopped
  std::chrono::milliseconds writer_wait{20};  // the longest a rewind waits for locks
  bool thread = true;                         // false: rounds only through Round() (tests)
};

class WalCheckpointer {
 public:
  // What one round found and did.
  struct Report {
    int wal_pages = 0;         // pages in the WAL when the round started
    int copied = 0;            // of them, in the database file afterwards
    bool rewound = false;      // the WAL starts again from the beginning with the next write
    bool reader_held = false;  // a reader's older snapshot kept pages from being copied
  };

  // Opens a connection of its own to the database file at `path` (in WAL mode already).
  // Errors: kUnavailable when it cannot be opened.
  static Result<std::unique_ptr<WalCheckpointer>> Open(const std::string& path,
                                                       WalCheckpointerOptions options = {});
  ~WalCheckpointer();  // stops the thread, closes the connection
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // From the writing connection's wal_hook after each commit: `wal_pages` now in the WAL.
  // Cheap (atomics; wakes the thread only when a round is due).
  void OnCommit(int wal_pages);
  // One round now, on the calling thread (the thread calls it too; rounds never overlap).
  // Errors: kUnavailable when another checkpoint was running; kInternal otherwise.
  Result<Report> Round();

 private:
  WalCheckpointer(sqlite3* conn, WalCheckpointerOptions options);
  void Run();
  bool Due() const;

  sqlite3* const conn_;
  const WalCheckpointerOptions options_;
  std::unique_ptr<BusyWait> busy_;    // conn_'s busy handler
  std::atomic<int> wal_pages_{0};     // as last reported by OnCommit
  std::atomic<int> checkpointed_{0};  // the WAL length the last round started from
  std::atomic<int64_t> commits_{0};   // commits reported so far
  std::atomic<int64_t> clean_at_{0};  // commits_ when the WAL was last left rewound
  std::mutex round_mu_;               // one round at a time
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  bool due_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace zx::storage
