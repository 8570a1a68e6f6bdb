#include "storage/database.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace zx::storage
