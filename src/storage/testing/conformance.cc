// The driver-neutral tests of storage::Database (see conformance.h): only the interface and
// portable SQL, so that every driver runs them unchanged.
#include "storage/testing/conformance.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <limits>
#include <thread>
#include <vector>

namespace zx::storage::testing {
namespace {

TEST_P(DatabaseConformance, BindsAndReadsTypedValues) {
  ASSERT_TRUE(
      db_->Exec("CREATE TABLE v (k BIGINT PRIMARY KEY, t TEXT, i BIGINT, d DOUBLE PRECISION)")
          .ok());
  auto ins = db_->Prepare("INSERT INTO v (k, t, i, d) VALUES (?, ?, ?, ?)");
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  const int64_t big = std::numeric_limits<int64_t>::max(),
                small = std::numeric_limits<int64_t>::min();
  ins->Bind(1, int64_t{1}).Bind(2, "社保卡 'quoted' \"x\"").Bind(3, big).Bind(4, 3.25);
  ASSERT_TRUE(ins->Run().ok());
  ins->Reset();
  ins->Bind(1, int64_t{2}).Bind(2, std::string_view("")).Bind(3, small).Bind(4, -0.5);
  ASSERT_TRUE(ins->Run().ok());
  ins->Reset();
  ins->Bind(1, int64_t{3}).BindNull(2).BindNull(3).BindNull(4);
  ASSERT_TRUE(ins->Run().ok());

  auto q = db_->Prepare("SELECT t, i, d FROM v WHERE k = ?1");
  ASSERT_TRUE(q.ok());
  q->Bind(1, int64_t{1});
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0), "社保卡 'quoted' \"x\"");
  EXPECT_EQ(q->Int(1), big);
  EXPECT_EQ(q->Double(2), 3.25);
  EXPECT_FALSE(q->IsNull(0));
  EXPECT_FALSE(*q->Step());

  q->Reset();
  q->Bind(1, int64_t{2});
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0), "");
  EXPECT_FALSE(q->IsNull(0));  // the empty string is not NULL
  EXPECT_EQ(q->Int(1), small);
  EXPECT_EQ(q->Double(2), -0.5);

  q->Reset();
  q->Bind(1, int64_t{3});
  ASSERT_TRUE(*q->Step());
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(q->IsNull(c)) << c;
  EXPECT_EQ(q->Text(0), "");
  EXPECT_EQ(q->Int(1), 0);
  EXPECT_EQ(q->Double(2), 0.0);
}

TEST_P(DatabaseConformance, NumberedPlaceholdersMayRepeat) {
  auto q = db_->Prepare("SELECT ?1 + ?2, ?1");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  q->Bind(1, int64_t{40}).Bind(2, int64_t{2});
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 42);
  EXPECT_EQ(q->Int(1), 40);
}

TEST_P(DatabaseConformance, ResetClearsBindingsAndRewinds) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE r (n BIGINT, t TEXT)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO r (n, t) VALUES (1, 'a'); INSERT INTO r (n, t) VALUES (2, "
                        "'b'); INSERT INTO r (n, t) VALUES (3, NULL)")
                  .ok());
  auto q = db_->Prepare("SELECT n FROM r ORDER BY n");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 1);
  q->Reset();  // rewinds mid-result
  std::vector<int64_t> seen;
  while (*q->Step()) seen.push_back(q->Int(0));
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3}));

  auto c = db_->Prepare("SELECT count(*) FROM r WHERE t IS NOT DISTINCT FROM ?1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  c->Bind(1, "a");
  ASSERT_TRUE(*c->Step());
  EXPECT_EQ(c->Int(0), 1);
  c->Reset();  // the binding is gone: the parameter is NULL
  ASSERT_TRUE(*c->Step());
  EXPECT_EQ(c->Int(0), 1);  // the row with t NULL
}

TEST_P(DatabaseConformance, BadSqlIsAnError) {
  EXPECT_EQ(db_->Exec("SELEC nothing").code(), Code::kInternal);
  EXPECT_EQ(db_->Prepare("SELEC nothing").status().code(), Code::kInternal);
  EXPECT_FALSE(db_->Prepare("SELECT x FROM no_such_table").ok());
}

TEST_P(DatabaseConformance, AFailedStepResetsTheStatement) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE u (k TEXT PRIMARY KEY)").ok());
  auto ins = db_->Prepare("INSERT INTO u (k) VALUES (?1)");
  ASSERT_TRUE(ins.ok());
  ins->Bind(1, "a");
  ASSERT_TRUE(ins->Run().ok());
  ins->Reset();
  ins->Bind(1, "a");
  Status dup = ins->Run();
  EXPECT_EQ(dup.code(), Code::kInternal) << dup.ToString();
  EXPECT_TRUE(IsUniqueViolation(dup)) << dup.ToString();
  EXPECT_FALSE(IsUniqueViolation(db_->Exec("SELEC nothing")));
  ins->Reset();
  ins->Bind(1, "b");
  EXPECT_TRUE(ins->Run().ok());
  // The failure left nothing open: a transaction still commits.
  EXPECT_TRUE(db_->Transaction([&] { return db_->Exec("INSERT INTO u (k) VALUES ('c')"); }).ok());
  EXPECT_EQ(Count("u"), 3);
}

TEST_P(DatabaseConformance, TransactionCommitsOrRollsBack) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE t (x BIGINT PRIMARY KEY)").ok());
  EXPECT_TRUE(db_->Transaction([&]() -> Status {
                   ZX_RETURN_IF_ERROR(db_->Exec("INSERT INTO t (x) VALUES (1)"));
                   return db_->Exec("INSERT INTO t (x) VALUES (2)");
                 })
                  .ok());
  EXPECT_EQ(Count("t"), 2);
  // The body's own error: its Status comes back and nothing of the body stays.
  Status s = db_->Transaction([&]() -> Status {
    ZX_RETURN_IF_ERROR(db_->Exec("INSERT INTO t (x) VALUES (3)"));
    return InvalidArgument("stop");
  });
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "stop");
  EXPECT_EQ(Count("t"), 2);
  // A failed statement in the body.
  s = db_->Transaction([&]() -> Status {
    ZX_RETURN_IF_ERROR(db_->Exec("INSERT INTO t (x) VALUES (4)"));
    return db_->Exec("INSERT INTO t (x) VALUES (1)");  // duplicate key
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Count("t"), 2);
}

// The same through prepared statements (on PostgreSQL the first goes out with BEGIN in one round
// trip): a failure in the first statement or a later one leaves nothing; a body that runs
// nothing, or only reads, commits.
TEST_P(DatabaseConformance, APreparedStatementsTransactionCommitsOrRollsBack) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE t (x BIGINT PRIMARY KEY)").ok());
  auto insert = [&](int64_t x) -> Status {
    ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("INSERT INTO t (x) VALUES (?1)"));
    return q.Bind(1, x).Run();
  };
  ASSERT_TRUE(insert(1).ok());
  Status first = db_->Transaction([&]() -> Status {
    ZX_RETURN_IF_ERROR(insert(1));  // duplicate key, the transaction's first statement
    return insert(2);
  });
  EXPECT_TRUE(IsUniqueViolation(first)) << first.ToString();
  Status later = db_->Transaction([&]() -> Status {
    ZX_RETURN_IF_ERROR(insert(3));
    return insert(1);
  });
  EXPECT_TRUE(IsUniqueViolation(later)) << later.ToString();
  EXPECT_EQ(Count("t"), 1);
  EXPECT_TRUE(db_->Transaction([] { return Status::Ok(); }).ok());
  int64_t seen = -1;
  EXPECT_TRUE(db_->Transaction([&]() -> Status {
                   ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT COUNT(*) FROM t"));
                   ZX_RETURN_IF_ERROR(q.Step().status());
                   seen = q.Int(0);
                   return insert(4);
                 })
                  .ok());
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(Count("t"), 2);
}

TEST_P(DatabaseConformance, ATransactionInsideATransactionIsAnErrorNotADeadlock) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE t (x BIGINT)").ok());
  bool inner_ran = false;
  Status inner;
  Status outer = db_->Transaction([&]() -> Status {
    ZX_RETURN_IF_ERROR(db_->Exec("INSERT INTO t (x) VALUES (1)"));
    inner = db_->Transaction([&] {
      inner_ran = true;
      return Status::Ok();
    });
    return Status::Ok();
  });
  EXPECT_TRUE(outer.ok()) << outer.ToString();
  EXPECT_EQ(inner.code(), Code::kInternal);
  EXPECT_FALSE(inner_ran);
  EXPECT_EQ(Count("t"), 1);
}

TEST_P(DatabaseConformance, TransactionsFromManyThreadsAreSerialised) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE counter (n BIGINT NOT NULL); INSERT INTO counter (n) "
                        "VALUES (0)")
                  .ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        Status s = db_->Transaction([&]() -> Status {
          ZX_ASSIGN_OR_RETURN(Statement read, db_->Prepare("SELECT n FROM counter"));
          ZX_ASSIGN_OR_RETURN(bool row, read.Step());
          if (!row) return Internal("no counter");
          int64_t n = read.Int(0);
          read.Reset();
          ZX_ASSIGN_OR_RETURN(Statement write, db_->Prepare("UPDATE counter SET n = ?1"));
          write.Bind(1, n + 1);
          return write.Run();
        });
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    });
  for (auto& t : threads) t.join();
  auto q = db_->Prepare("SELECT n FROM counter");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 100);
}

// A write outside any transaction, from another thread, neither joins a transaction that is
// open on the shared connection (and is rolled back with it) nor stops it from committing.
TEST_P(DatabaseConformance, AWriteFromAnotherThreadStaysOutOfAnOpenTransaction) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE t (v BIGINT NOT NULL)").ok());
  std::promise<void> opened;
  std::thread writer([&] {
    opened.get_future().wait();
    auto insert = db_->Prepare("INSERT INTO t (v) VALUES (2) RETURNING v");
    ASSERT_TRUE(insert.ok()) << insert.status().ToString();
    auto row = insert->Step();
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    EXPECT_TRUE(*row);
  });
  Status rolled_back = db_->Transaction([&]() -> Status {
    ZX_RETURN_IF_ERROR(db_->Exec("INSERT INTO t (v) VALUES (1)"));
    opened.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return Internal("rolled back on purpose");
  });
  EXPECT_EQ(rolled_back.code(), Code::kInternal);
  writer.join();
  EXPECT_EQ(Count("t"), 1);  // the writer's row only

  // A write statement left with rows unread (RETURNING, one row of two read) does not block
  // another thread's commit for longer than the statement lives.
  ASSERT_TRUE(db_->Exec("INSERT INTO t (v) VALUES (3)").ok());
  std::promise<void> stepped;
  std::promise<void> release;
  std::thread holder([&] {
    auto update = db_->Prepare("UPDATE t SET v = v + 10 RETURNING v");
    ASSERT_TRUE(update.ok());
    ASSERT_TRUE(*update->Step());
    stepped.set_value();
    release.get_future().wait();
  });
  stepped.get_future().wait();
  std::thread committer([&] {
    Status s = db_->Transaction([&] { return db_->Exec("INSERT INTO t (v) VALUES (4)"); });
    EXPECT_TRUE(s.ok()) << s.ToString();
  });
  release.set_value();
  holder.join();
  committer.join();
  EXPECT_EQ(Count("t"), 3);
}

TEST_P(DatabaseConformance, MigrationsApplyOnceAndInOrder) {
  std::vector<Migration> m = {
      {"m", 1, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)"},
      {"m", 2, "ALTER TABLE kv ADD COLUMN n BIGINT NOT NULL DEFAULT 0"},
      {"seed", 1,
       "INSERT INTO kv (k, v, n) VALUES ('a', 'x', 1); INSERT INTO kv (k, v, n) "
       "VALUES ('b', 'y', 2)"},
  };
  ASSERT_TRUE(db_->Migrate(m).ok());
  Status again = db_->Migrate(m);
  ASSERT_TRUE(again.ok()) << again.ToString();  // the seed would fail on its primary key
  EXPECT_EQ(Count("kv"), 2);
  auto q = db_->Prepare(
      "SELECT module, version FROM schema_migrations WHERE module IN ('m', 'seed') ORDER BY "
      "module, version");
  ASSERT_TRUE(q.ok());
  std::vector<std::string> applied;
  while (*q->Step()) applied.push_back(q->Text(0) + "/" + std::to_string(q->Int(1)));
  EXPECT_EQ(applied, (std::vector<std::string>{"m/1", "m/2", "seed/1"}));
  // A later version is applied alone.
  m.push_back({"m", 3, "CREATE TABLE later (x BIGINT)"});
  ASSERT_TRUE(db_->Migrate(m).ok());
  EXPECT_TRUE(db_->HasTable("later"));
  EXPECT_EQ(Count("kv"), 2);
}

TEST_P(DatabaseConformance, AFailedMigrationIsRolledBackAndNotRecorded) {
  std::vector<Migration> m = {
      {"m", 1, "CREATE TABLE a (x BIGINT); CREATE TABLE a (x BIGINT)"},
      {"m", 2, "CREATE TABLE b (x BIGINT)"},
  };
  Status s = db_->Migrate(m);
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(s.message().rfind("migration m/1: ", 0), 0u) << s.message();
  EXPECT_FALSE(db_->HasTable("a"));  // its first statement is undone
  EXPECT_FALSE(db_->HasTable("b"));  // later ones are not attempted
  m[0].sql = "CREATE TABLE a (x BIGINT)";
  ASSERT_TRUE(db_->Migrate(m).ok());
  EXPECT_TRUE(db_->HasTable("a"));
  EXPECT_TRUE(db_->HasTable("b"));
}

TEST_P(DatabaseConformance, AMigrationRunsTheVariantOfItsDialect) {
  ASSERT_TRUE(db_->Migrate({{"m", 1, "CREATE TABLE portable (x BIGINT)"},
                            {"m", 2, "CREATE TABLE in_sqlite (x BIGINT)",
                             "CREATE TABLE in_postgres (x BIGINT)"}})
                  .ok());
  EXPECT_TRUE(db_->HasTable("portable"));
  const bool postgres = db_->dialect() == Dialect::kPostgres;
  EXPECT_EQ(db_->HasTable("in_sqlite"), !postgres);
  EXPECT_EQ(db_->HasTable("in_postgres"), postgres);
}

TEST_P(DatabaseConformance, HasTable) {
  EXPECT_FALSE(db_->HasTable("things"));
  ASSERT_TRUE(db_->Exec("CREATE TABLE things (x BIGINT); CREATE INDEX things_x ON things(x)").ok());
  EXPECT_TRUE(db_->HasTable("things"));
  EXPECT_FALSE(db_->HasTable("things_x"));  // an index is not a table
  EXPECT_FALSE(db_->HasTable("thing"));
}

TEST_P(DatabaseConformance, UpsertWithOnConflict) {
  ASSERT_TRUE(
      db_->Exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL, n BIGINT NOT NULL)").ok());
  auto up = db_->Prepare(
      "INSERT INTO kv (k, v, n) VALUES (?1, ?2, 1) ON CONFLICT (k) DO UPDATE SET v = excluded.v, "
      "n = kv.n + 1");
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  for (const char* v : {"one", "two", "three"}) {
    up->Reset();
    up->Bind(1, "k").Bind(2, v);
    ASSERT_TRUE(up->Run().ok());
  }
  auto keep =
      db_->Prepare("INSERT INTO kv (k, v, n) VALUES (?1, ?2, 0) ON CONFLICT (k) DO NOTHING");
  ASSERT_TRUE(keep.ok()) << keep.status().ToString();
  keep->Bind(1, "k").Bind(2, "ignored");
  ASSERT_TRUE(keep->Run().ok());
  auto q = db_->Prepare("SELECT v, n FROM kv WHERE k = 'k'");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0), "three");
  EXPECT_EQ(q->Int(1), 3);
  EXPECT_EQ(Count("kv"), 1);
}

TEST_P(DatabaseConformance, ReturningFromInsertUpdateAndDelete) {
  // An autoincrement id is the one thing written per dialect (Migration::postgres_sql).
  ASSERT_TRUE(db_->Migrate({{"m", 1, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)",
                             "CREATE TABLE items (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                             "PRIMARY KEY, name TEXT)"}})
                  .ok());
  auto ins = db_->Prepare("INSERT INTO items (name) VALUES (?1) RETURNING id");
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  std::vector<int64_t> ids;
  for (const char* name : {"a", "b", "c"}) {
    ins->Reset();
    ins->Bind(1, name);
    ASSERT_TRUE(*ins->Step());
    ids.push_back(ins->Int(0));
    EXPECT_FALSE(*ins->Step());
  }
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  auto upd = db_->Prepare("UPDATE items SET name = ?1 WHERE id = ?2 RETURNING id, name");
  ASSERT_TRUE(upd.ok());
  upd->Bind(1, "B").Bind(2, ids[1]);
  ASSERT_TRUE(*upd->Step());
  EXPECT_EQ(upd->Int(0), ids[1]);
  EXPECT_EQ(upd->Text(1), "B");
  EXPECT_FALSE(*upd->Step());
  upd->Reset();
  upd->Bind(1, "none").Bind(2, int64_t{-7});
  EXPECT_FALSE(*upd->Step());  // no row matched: nothing returned
  auto del = db_->Prepare("DELETE FROM items WHERE id <> ?1 RETURNING 1");
  ASSERT_TRUE(del.ok());
  del->Bind(1, ids[1]);
  int deleted = 0;
  while (*del->Step()) ++deleted;
  EXPECT_EQ(deleted, 2);
  EXPECT_EQ(Count("items"), 1);
}

// Issue 9 #14: a write that finds the data locked by another connection waits busy_timeout_ms,
// then is kUnavailable (503 at the HTTP edge), not kInternal (500).
TEST_P(DatabaseConformance, ALockedDatabaseIsUnavailableAfterTheBusyTimeout) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE t (x BIGINT PRIMARY KEY)").ok());
  auto other = Connect({.busy_timeout_ms = 100});
  ASSERT_NE(other, nullptr);
  std::promise<void> locked, release;
  std::thread holder([&] {
    Status s = db_->Transaction([&]() -> Status {
      ZX_RETURN_IF_ERROR(db_->Exec("INSERT INTO t (x) VALUES (1)"));
      locked.set_value();
      release.get_future().wait();
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  });
  locked.get_future().wait();
  // The same key as the holder's uncommitted row: locked on every engine.
  auto start = std::chrono::steady_clock::now();
  Status direct = other->Exec("INSERT INTO t (x) VALUES (1)");
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(direct.code(), Code::kUnavailable) << direct.ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(90));  // it did wait for the lock first
  Status in_transaction =
      other->Transaction([&] { return other->Exec("INSERT INTO t (x) VALUES (1)"); });
  EXPECT_EQ(in_transaction.code(), Code::kUnavailable) << in_transaction.ToString();
  auto ins = other->Prepare("INSERT INTO t (x) VALUES (1)");
  ASSERT_TRUE(ins.ok());
  EXPECT_EQ(ins->Run().code(), Code::kUnavailable);
  release.set_value();
  holder.join();
  // Once the lock is gone the same connection works again (no transaction left open).
  Status after = other->Transaction([&] { return other->Exec("INSERT INTO t (x) VALUES (5)"); });
  EXPECT_TRUE(after.ok()) << after.ToString();
  EXPECT_EQ(Count("t"), 2);
}

TEST_P(DatabaseConformance, CommitsAreSeenByAnotherConnectionAndSurviveSync) {
  EXPECT_TRUE(db_->on_disk());
  ASSERT_TRUE(db_->Exec("CREATE TABLE t (x BIGINT)").ok());
  ASSERT_TRUE(db_->Transaction([&] { return db_->Exec("INSERT INTO t (x) VALUES (7)"); }).ok());
  db_->SyncCommitted();
  auto other = Connect();
  ASSERT_NE(other, nullptr);
  auto q = other->Prepare("SELECT x FROM t");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 7);
}

}  // namespace
}  // namespace zx::storage::testing
