#include "storage/database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace zx::storage {
namespace {

TEST(Database, MigratesOnceAndRoundTrips) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  std::vector<Migration> m = {{"t", 1, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)"}};
  ASSERT_TRUE((*db)->Migrate(m).ok());
  ASSERT_TRUE((*db)->Migrate(m).ok());  // idempotent
  auto ins = (*db)->Prepare("INSERT INTO kv VALUES (?1, ?2)");
  ASSERT_TRUE(ins.ok());
  ins->Bind(1, "社保").Bind(2, "卡");
  ASSERT_TRUE(ins->Run().ok());
  auto sel = (*db)->Prepare("SELECT v FROM kv WHERE k = ?1");
  ASSERT_TRUE(sel.ok());
  sel->Bind(1, "社保");
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(sel->Text(0), "卡");
}

TEST(Database, FailedTransactionRollsBack) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x INTEGER)").ok());
  Status s = (*db)->Transaction([&]() -> Status {
    ZX_RETURN_IF_ERROR((*db)->Exec("INSERT INTO t VALUES (1)"));
    return InvalidArgument("stop");
  });
  EXPECT_FALSE(s.ok());
  auto c = (*db)->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(*c->Step());
  EXPECT_EQ(c->Int(0), 0);
}

TEST(Database, BadSqlIsAnError) {
  auto db = Database::Open(":memory:");
  EXPECT_FALSE((*db)->Exec("SELEC nothing").ok());
  EXPECT_FALSE((*db)->Prepare("SELEC nothing").ok());
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

// Issue 9 #14: a write that finds the database locked by another process waits
// busy_timeout_ms, then is kUnavailable (503 at the HTTP edge), not kInternal (500).
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
