// The SQLite driver's checkpoints off the committing thread (wal_checkpointer.h): the WAL is
// copied while a reader holds an older snapshot only as far as that reader allows, and rewound
// once the reader is gone; with the default options a thread does it without being asked.
#include "storage/wal_checkpointer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "storage/database.h"

namespace zx::storage {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    path = (std::filesystem::temp_directory_path() /
            ("zx_wal_" + std::to_string(::getpid()) + "_" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count())))
               .string();
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// `n` commits of about one 4 KiB page each.
void Write(Database& db, int first, int n) {
  for (int i = first; i < first + n; ++i) {
    auto st = db.Prepare("INSERT INTO t (x, pad) VALUES (?, ?)");
    ASSERT_TRUE(st.ok());
    st->Bind(1, int64_t{i}).Bind(2, std::string(3000, static_cast<char>('a' + i % 26)));
    ASSERT_TRUE(st->Run().ok());
  }
}

int64_t Count(Database& db) {
  auto st = db.Prepare("SELECT COUNT(*) FROM t");
  EXPECT_TRUE(st.ok());
  EXPECT_TRUE(*st->Step());
  return st->Int(0);
}

TEST(WalCheckpointer, RewindsTheWalOnceAReaderHoldingAnOldSnapshotIsGone) {
  TempDir dir;
  const std::string path = dir.path + "/wal.db";
  auto db = Database::Open(path);
  auto reader = Database::Open(path);
  ASSERT_TRUE(db.ok() && reader.ok());
  // Only this test's rounds: the pragma replaces the databases' own checkpoints (their threads
  // then hear of no commit) with none at all.
  ASSERT_TRUE((*db)->Exec("PRAGMA wal_autocheckpoint=0").ok());
  ASSERT_TRUE((*reader)->Exec("PRAGMA wal_autocheckpoint=0").ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x BIGINT PRIMARY KEY, pad TEXT)").ok());
  Write(**db, 0, 20);
  auto checkpointer =
      WalCheckpointer::Open(path, {.passive_pages = 10, .rewind_pages = 50, .thread = false});
  ASSERT_TRUE(checkpointer.ok());

  // A statement stepped and not reset keeps its snapshot (a read transaction) open.
  auto held = (*reader)->Prepare("SELECT x FROM t ORDER BY x");
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(*held->Step());
  Write(**db, 20, 150);

  auto blocked = (*checkpointer)->Round();
  ASSERT_TRUE(blocked.ok()) << blocked.status().ToString();
  EXPECT_GT(blocked->wal_pages, 150);
  EXPECT_LT(blocked->copied, blocked->wal_pages);  // not past the reader's snapshot
  EXPECT_TRUE(blocked->reader_held);
  EXPECT_FALSE(blocked->rewound);

  held->Reset();  // the reader lets go
  auto freed = (*checkpointer)->Round();
  ASSERT_TRUE(freed.ok()) << freed.status().ToString();
  EXPECT_EQ(freed->copied, freed->wal_pages);
  EXPECT_FALSE(freed->reader_held);
  EXPECT_TRUE(freed->rewound);

  // The next write starts the WAL from the beginning: a handful of pages, not 170 and more.
  Write(**db, 170, 1);
  auto after = (*checkpointer)->Round();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_GT(after->wal_pages, 0);
  EXPECT_LE(after->wal_pages, 10);
  EXPECT_EQ(Count(**reader), 171);  // and nothing was lost on the way
}

TEST(WalCheckpointer, TheDatabaseCheckpointsOnItsOwnThreadWithoutBeingAsked) {
  TempDir dir;
  const std::string path = dir.path + "/bg.db";
  auto db = Database::Open(path);  // background checkpoints: the default
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x BIGINT PRIMARY KEY, pad TEXT)").ok());
  Write(**db, 0, 1200);  // 1,200 pages in the WAL, then no more writes
  // The commits only wrote the WAL; the thread's round on its period (writes stopped) copies the
  // pages into the database file.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::filesystem::file_size(path) < 1000u * 4096 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GE(std::filesystem::file_size(path), 1000u * 4096);
  EXPECT_EQ(Count(**db), 1200);
}

// Under a steady stream of commits a PASSIVE checkpoint never finishes before the next commit,
// so the WAL would never start again from the beginning; a round rewinds it all the same.
TEST(WalCheckpointer, RewindsTheWalUnderASteadyStreamOfWrites) {
  TempDir dir;
  const std::string path = dir.path + "/busy.db";
  auto db = Database::Open(path);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("PRAGMA wal_autocheckpoint=0").ok());  // only this test's rounds
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x BIGINT PRIMARY KEY, pad TEXT)").ok());
  auto checkpointer =
      WalCheckpointer::Open(path, {.passive_pages = 10, .rewind_pages = 50, .thread = false});
  ASSERT_TRUE(checkpointer.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      auto st = (*db)->Prepare("INSERT INTO t (x, pad) VALUES (?, ?)");
      if (!st.ok()) continue;
      st->Bind(1, int64_t{i}).Bind(2, std::string(3000, 'w'));
      if (st->Run().ok()) ++written;
    }
  });
  // Rounds while the writer runs, until one of them finds the WAL shorter than the round before
  // found it: it was rewound in between (bounded: 20 s).
  bool shrank = false;
  int last = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!shrank && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto round = (*checkpointer)->Round();
    if (!round.ok()) continue;
    shrank = last > 0 && round->wal_pages < last;
    last = round->wal_pages;
  }
  stop = true;
  writer.join();
  EXPECT_TRUE(shrank) << "the WAL only grew: " << last << " pages";
  EXPECT_EQ(Count(**db), written.load());
}

}  // namespace
}  // namespace zx::storage
