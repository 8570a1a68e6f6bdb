#include "storage/wal_checkpointer.h"

#include <sqlite3.h>

#include "storage/busy_wait.h"

namespace zx::storage {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Open(const std::string& path,
                                                               WalCheckpointerOptions options) {
  sqlite3* conn = nullptr;
  if (int rc = sqlite3_open_v2(path.c_str(), &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                               nullptr);
      rc != SQLITE_OK) {
    std::string msg = conn ? sqlite3_errmsg(conn) : "out of memory";
    sqlite3_close(conn);
    return Unavailable("cannot open database " + path + " to checkpoint it: " + msg);
  }
  // Syncs as the writing connection's synchronous=NORMAL: the WAL before copying from it, the
  // database file after.
  (void)sqlite3_exec(conn, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(conn, options));
}

WalCheckpointer::WalCheckpointer(sqlite3* conn, WalCheckpointerOptions options)
    : conn_(conn), options_(options) {
  // A rewind waits for the writer's lock and then for readers, holding writers back while it
  // waits for readers: finely, and not for long.
  busy_ = std::make_unique<BusyWait>(options_.writer_wait);
  busy_->Install(conn_);
  if (options_.thread) thread_ = std::thread([this] { Run(); });
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  sqlite3_close_v2(conn_);
}

bool WalCheckpointer::Due() const {
  int pages = wal_pages_.load(std::memory_order_relaxed);
  int done = checkpointed_.load(std::memory_order_relaxed);
  int base = pages < done ? 0 : done;  // shorter than the last round saw: rewound since
  return pages - base >= options_.passive_pages;
}

void WalCheckpointer::OnCommit(int wal_pages) {
  wal_pages_.store(wal_pages, std::memory_order_relaxed);
  commits_.fetch_add(1, std::memory_order_relaxed);
  if (!Due()) return;
  {
    std::lock_guard lock(mu_);
    due_ = true;
  }
  wake_.notify_one();
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  bool retry = false;  // a long WAL was not rewound: try again soon, not 8,000 pages later
  while (!stop_) {
    wake_.wait_for(lock, retry ? std::chrono::milliseconds(20) : options_.every,
                   [this] { return stop_ || due_; });
    if (stop_) break;
    bool due = due_ || retry;
    due_ = false;
    // On the period: only when something was committed since the WAL was last rewound.
    if (!due && commits_.load() == clean_at_.load()) continue;
    lock.unlock();
    auto report = Round();
    retry = report.ok() && !report->rewound && report->wal_pages >= options_.rewind_pages;
    lock.lock();
  }
}

Result<WalCheckpointer::Report> WalCheckpointer::Round() {
  std::lock_guard round(round_mu_);
  Report report;
  const int64_t commits_before = commits_.load();
  int log = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(conn_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if ((rc & 0xff) == SQLITE_BUSY)
    return Unavailable("sqlite: another checkpoint is running (the database is busy)");
  if (rc != SQLITE_OK) return Internal(std::string("sqlite: checkpoint: ") + sqlite3_errmsg(conn_));
  report.wal_pages = log;
  report.copied = copied;
  checkpointed_.store(log);
  if (log <= 0) {  // an empty WAL: nothing to copy or rewind
    clean_at_.store(commits_before);
    return report;
  }
  // A reader still on an older snapshot needs the pages it kept from being copied; a rewind now
  // would only wait for it while holding writers back.
  if (copied < log) {
    report.reader_held = true;
    return report;
  }
  // Everything copied. If no commit came in meanwhile, RESTART has nothing to copy and holds the
  // writer's lock only to check that no reader is in the WAL. Under a steady stream of writes
  // that moment never comes: past rewind_pages, RESTART copies the tail holding writers back.
  const bool quiet = commits_.load() == commits_before;
  if (!quiet && log < options_.rewind_pages) return report;
  if (!quiet) {  // copy what came in meanwhile first, so that RESTART's tail is short
    int tail_log = 0, tail_copied = 0;
    rc = sqlite3_wal_checkpoint_v2(conn_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &tail_log,
                                   &tail_copied);
    if (rc != SQLITE_OK || tail_copied < tail_log) {
      report.reader_held = rc == SQLITE_OK;
      return report;
    }
  }
  const int64_t commits_at_rewind = commits_.load();
  rc = sqlite3_wal_checkpoint_v2(conn_, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &copied);
  if (rc == SQLITE_OK) {
    report.rewound = true;
    checkpointed_.store(0);
    clean_at_.store(commits_at_rewind);
  } else if ((rc & 0xff) == SQLITE_BUSY) {
    report.reader_held = true;  // a reader (or a long writer) outlasted writer_wait
  } else {
    return Internal(std::string("sqlite: checkpoint: ") + sqlite3_errmsg(conn_));
  }
  return report;
}

}  // namespace zx::storage
