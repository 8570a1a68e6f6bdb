// The SQLite driver: the conformance tests of every driver (testing/conformance.h), then what is
// SQLite's own (its files, its lock, its in-memory databases) and the data directory.
#include "storage/database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "storage/testing/conformance.h"

namespace zx::storage {
namespace {

using testing::DatabaseConformance;  // the macro takes a plain name

INSTANTIATE_TEST_SUITE_P(Sqlite, DatabaseConformance,
                         ::testing::Values(testing::ConformanceDriver{
                             "sqlite", [](const std::string& place, DatabaseOptions options) {
                               return Database::Open(place, options);
                             }}));

TEST(Database, InMemoryDatabasesArePrivateAndNotOnDisk) {
  auto a = Database::Open(":memory:");
  auto b = Database::Open(":memory:");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->dialect(), Dialect::kSqlite);
  EXPECT_FALSE((*a)->on_disk());
  (*a)->SyncCommitted();  // a no-op
  ASSERT_TRUE((*a)->Exec("CREATE TABLE t (x INTEGER)").ok());
  EXPECT_TRUE((*a)->HasTable("t"));
  EXPECT_FALSE((*b)->HasTable("t"));
}

// An older version made schema_migrations with a datetime('now') default: it is still used.
TEST(Database, MigratesADatabaseOfAnOlderVersion) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE((*db)
                  ->Exec("CREATE TABLE schema_migrations (module TEXT NOT NULL, version INTEGER "
                         "NOT NULL, applied_at TEXT NOT NULL DEFAULT (datetime('now')), PRIMARY "
                         "KEY (module, version)); INSERT INTO schema_migrations (module, version) "
                         "VALUES ('m', 1)")
                  .ok());
  ASSERT_TRUE((*db)
                  ->Migrate({{"m", 1, "CREATE TABLE not_again (x INTEGER)"},
                             {"m", 2, "CREATE TABLE now_too (x INTEGER)"}})
                  .ok());
  EXPECT_FALSE((*db)->HasTable("not_again"));
  EXPECT_TRUE((*db)->HasTable("now_too"));
  auto q = (*db)->Prepare("SELECT applied_at FROM schema_migrations WHERE version = 2");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0).size(), 19u) << q->Text(0);  // "2026-12-05 16:00:00"
}

// A temporary directory, removed at the end of the test.
struct TempDir {
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "zx-db-XXXXXX").string();
    path = ::mkdtemp(templ.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

int ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

// Issue 9 #14, with SQLite's own exclusive lock (the conformance test holds a write
// transaction): busy_timeout_ms, then kUnavailable.
TEST(Database, LockedDatabaseIsUnavailableAfterTheBusyTimeout) {
  TempDir dir;
  std::string path = dir.path + "/busy.db";
  auto holder = Database::Open(path);
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE((*holder)->Exec("CREATE TABLE t (x INTEGER)").ok());
  auto db = Database::Open(path, {.busy_timeout_ms = 100});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*holder)->Exec("BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);").ok());
  auto start = std::chrono::steady_clock::now();
  Status direct = (*db)->Exec("INSERT INTO t VALUES (2)");
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(direct.code(), Code::kUnavailable) << direct.ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(90));  // it did wait for the lock first
  Status in_transaction =
      (*db)->Transaction([&] { return (*db)->Exec("INSERT INTO t VALUES (3)"); });
  EXPECT_EQ(in_transaction.code(), Code::kUnavailable) << in_transaction.ToString();
  auto ins = (*db)->Prepare("INSERT INTO t VALUES (4)");
  ASSERT_TRUE(ins.ok());
  EXPECT_EQ(ins->Run().code(), Code::kUnavailable);
  ASSERT_TRUE((*holder)->Exec("COMMIT").ok());
  // Once the lock is gone the same connection works again (no transaction left open).
  Status after = (*db)->Transaction([&] { return (*db)->Exec("INSERT INTO t VALUES (5)"); });
  EXPECT_TRUE(after.ok()) << after.ToString();
}

// Issue 9 #18: the database files are private whatever the umask.
TEST(Database, FilesAreMode0600) {
  TempDir dir;
  std::string path = dir.path + "/private.db";
  mode_t old = ::umask(022);
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);").ok());
    EXPECT_EQ(ModeOf(path), 0600);
    EXPECT_EQ(ModeOf(path + "-wal"), 0600);
    EXPECT_EQ(ModeOf(path + "-shm"), 0600);
  }
  // Files left readable by an older version are fixed when opened.
  {
    auto db = Database::Open(path);
    ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES (2);").ok());
    ::chmod(path.c_str(), 0644);
    ::chmod((path + "-wal").c_str(), 0644);
  }
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(ModeOf(path), 0600);
  }
  ::umask(old);
}

TEST(Database, PrepareDataDirMakesItPrivate) {
  TempDir dir;
  std::string data = dir.path + "/data";
  std::filesystem::create_directories(data + "/index");
  ::chmod(data.c_str(), 0755);
  ::chmod((data + "/index").c_str(), 0755);
  std::ofstream(data + "/index/postlist.glass") << "x";
  ::chmod((data + "/index/postlist.glass").c_str(), 0644);
  ASSERT_TRUE(PrepareDataDir(data).ok());
  EXPECT_EQ(ModeOf(data), 0700);
  EXPECT_EQ(ModeOf(data + "/index"), 0700);
  EXPECT_EQ(ModeOf(data + "/index/postlist.glass"), 0600);
  std::string fresh = dir.path + "/fresh/data";
  ASSERT_TRUE(PrepareDataDir(fresh).ok());
  EXPECT_EQ(ModeOf(fresh), 0700);
}

}  // namespace
}  // namespace zx::storage
