#include "storage/copy.h"

#include <gtest/gtest.h>

#include <limits>

#include "storage/leases.h"
#include "storage/testing/test_database.h"

namespace zx::storage {
namespace {

// attendance's name sorts before people's: copied in name order, its foreign key would fail.
const std::vector<Migration> kSchema = {{"copytest", 1, R"sql(
    CREATE TABLE people (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      score DOUBLE PRECISION,
      big INTEGER,
      note TEXT,
      label TEXT GENERATED ALWAYS AS (name || '#' || CAST(id AS TEXT)) VIRTUAL);
    CREATE TABLE attendance (
      person_id INTEGER NOT NULL REFERENCES people(id),
      n INTEGER NOT NULL,
      at_ms INTEGER NOT NULL,
      PRIMARY KEY (person_id, n));
  )sql"}};

constexpr int64_t kFiller = 1200;  // more than two batches

std::unique_ptr<Database> Sqlite() {
  auto db = OpenDatabase(":memory:");
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return std::move(db).value();
}

// The other engine of this run: SQLite in memory, or (the _pg twin) a PostgreSQL schema.
std::unique_ptr<Database> Other() {
  auto db = testing::OpenTestDatabase();
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return std::move(db).value();
}

// A database with the schema, and a lease held (cluster_leases, never copied).
std::unique_ptr<Database> WithSchema(std::unique_ptr<Database> db) {
  EXPECT_TRUE(db->Migrate(kSchema).ok());
  FakeClock clock(1700000000000);
  auto leases = Leases::Open(*db, clock, "node-a");
  EXPECT_TRUE(leases.ok()) << leases.status().ToString();
  EXPECT_TRUE((*leases)->Hold("retention", std::chrono::minutes(65)).value());
  return db;
}

Status RunSql(Database& db, const std::string& sql,
              const std::function<void(Statement&)>& bind = {}) {
  ZX_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  if (bind) bind(st);
  return st.Run();
}

void Fill(Database& db) {
  const std::string insert =
      "INSERT INTO people (id, name, score, big, note) VALUES (?1, ?2, ?3, ?4, ?5)";
  ASSERT_TRUE(RunSql(db, insert, [](Statement& s) {
                s.Bind(1, int64_t{1}).Bind(2, "张三").Bind(3, 1.5);
                s.Bind(4, std::numeric_limits<int64_t>::max()).BindNull(5);
              }).ok());
  ASSERT_TRUE(RunSql(db, insert, [](Statement& s) {
                s.Bind(1, int64_t{2}).Bind(2, "O'Brien \"q\"").BindNull(3);
                s.Bind(4, std::numeric_limits<int64_t>::min()).Bind(5, "表情 😀 …\n第二行");
              }).ok());
  ASSERT_TRUE(RunSql(db, insert, [](Statement& s) {
                s.Bind(1, int64_t{5000000000}).Bind(2, "李四").Bind(3, -0.1);
                s.Bind(4, int64_t{0}).Bind(5, "");
              }).ok());
  ASSERT_TRUE(db.Transaction([&]() -> Status {
                  for (int64_t i = 0; i < kFiller; ++i)
                    ZX_RETURN_IF_ERROR(RunSql(db, insert, [i](Statement& s) {
                      s.Bind(1, 10 + i).Bind(2, "n" + std::to_string(i)).Bind(3, i / 8.0);
                      s.Bind(4, i * 1000003).Bind(5, "市民来电");
                    }));
                  return Status::Ok();
                }).ok());
  for (int64_t person : {int64_t{1}, int64_t{5000000000}})
    for (int64_t n = 1; n <= 2; ++n)
      ASSERT_TRUE(RunSql(db, "INSERT INTO attendance (person_id, n, at_ms) VALUES (?1, ?2, ?3)",
                         [&](Statement& s) {
                           s.Bind(1, person).Bind(2, n).Bind(3, int64_t{1780000000000} + n);
                         })
                      .ok());
}

// Every row of `table`, each value as its type and its text.
std::vector<std::string> Dump(Database& db, const std::string& sql) {
  std::vector<std::string> rows;
  auto q = db.Prepare(sql);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return rows;
  for (;;) {
    auto row = q->Step();
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    if (!row.ok() || !*row) return rows;
    std::string line;
    for (int c = 0; c < q->ColumnCount(); ++c) {
      switch (q->Type(c)) {
        case ValueType::kNull:
          line += "null|";
          break;
        case ValueType::kInt:
          line += "int:" + std::to_string(q->Int(c)) + "|";
          break;
        case ValueType::kDouble:
          line += "double:" + std::to_string(q->Double(c)) + "|";
          break;
        case ValueType::kText:
          line += "text:" + q->Text(c) + "|";
          break;
      }
    }
    rows.push_back(line);
  }
}

const char* kPeople = "SELECT id, name, score, big, note, label FROM people ORDER BY id";
const char* kAttendance = "SELECT person_id, n, at_ms FROM attendance ORDER BY person_id, n";

int64_t Count(Database& db, const std::string& table) {
  auto q = db.Prepare("SELECT COUNT(*) FROM " + table);
  EXPECT_TRUE(q.ok());
  EXPECT_TRUE(q->Step().value());
  return q->Int(0);
}

void ExpectCopied(Database& from, Database& to) {
  std::vector<CopyProgress> seen;
  auto report = CopyTables(from, to, [&](const CopyProgress& p) { seen.push_back(p); });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->tables.size(), 2u);
  EXPECT_EQ(report->tables[0].table, "people");  // the parent first
  EXPECT_EQ(report->tables[0].rows, 3 + kFiller);
  EXPECT_EQ(report->tables[1].table, "attendance");
  EXPECT_EQ(report->tables[1].rows, 4);
  EXPECT_EQ(report->rows, 3 + kFiller + 4);
  // After each full batch, then once done.
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].table, "people");
  EXPECT_EQ(seen[0].rows, kCopyBatchRows);
  EXPECT_EQ(seen[0].total, 3 + kFiller);
  EXPECT_FALSE(seen[0].done);
  EXPECT_EQ(seen[2].rows, 3 + kFiller);
  EXPECT_TRUE(seen[2].done);
  EXPECT_TRUE(seen[3].done);

  // The same values with the same types; the generated column made again by the target.
  std::vector<std::string> people = Dump(to, kPeople);
  EXPECT_EQ(people, Dump(from, kPeople));
  ASSERT_EQ(people.size(), 3 + kFiller);
  EXPECT_EQ(people[0], "int:1|text:张三|double:1.500000|int:9223372036854775807|null|text:张三#1|");
  EXPECT_EQ(people.back(),
            "int:5000000000|text:李四|double:-0.100000|int:0|text:|text:李四#5000000000|");
  EXPECT_EQ(Dump(to, kAttendance), Dump(from, kAttendance));
  auto exact = to.Prepare("SELECT score FROM people WHERE id = 5000000000");
  ASSERT_TRUE(exact.ok() && exact->Step().value());
  EXPECT_EQ(exact->Double(0), -0.1);  // not rounded on the way

  // What the target assigns next follows the largest copied id.
  auto added = to.Prepare("INSERT INTO people (name) VALUES ('王五') RETURNING id");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  ASSERT_TRUE(added->Step().value());
  EXPECT_EQ(added->Int(0), 5000000001);
  // The leases are the target's own: the source's were not copied.
  EXPECT_EQ(Count(to, "cluster_leases"), 0);
}

TEST(CopyTables, CopiesEveryRowWithItsTypeIntoTheOtherEngine) {
  auto from = WithSchema(Sqlite());
  Fill(*from);
  auto to = WithSchema(Other());
  ASSERT_TRUE(RunSql(*to, "DELETE FROM cluster_leases").ok());
  ExpectCopied(*from, *to);
}

TEST(CopyTables, CopiesBackFromTheOtherEngine) {
  auto from = WithSchema(Other());
  Fill(*from);
  auto to = WithSchema(Sqlite());
  ASSERT_TRUE(RunSql(*to, "DELETE FROM cluster_leases").ok());
  ExpectCopied(*from, *to);
}

TEST(CopyTables, RefusesATargetWithRowsNamingTheTable) {
  auto from = WithSchema(Sqlite());
  Fill(*from);
  auto to = WithSchema(Other());  // its lease row does not count: leases are not copied
  ASSERT_TRUE(RunSql(*to, "INSERT INTO people (id, name) VALUES (7, 'x')").ok());
  auto report = CopyTables(*from, *to);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("table people has rows"), std::string::npos)
      << report.status().message();
  EXPECT_EQ(Count(*to, "attendance"), 0);  // nothing written
  EXPECT_EQ(Count(*to, "people"), 1);
}

TEST(CopyTables, RefusesATargetMissingATableOrAMigration) {
  auto from = WithSchema(Sqlite());
  Fill(*from);
  // A table made outside the migrations: both record the same ones, the target lacks it.
  ASSERT_TRUE(from->Exec("CREATE TABLE stray (id INTEGER PRIMARY KEY, v TEXT)").ok());
  auto to = WithSchema(Other());
  auto report = CopyTables(*from, *to);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("table stray is not in the target"), std::string::npos)
      << report.status().message();

  // A migration the target has not had: listed by name.
  ASSERT_TRUE(from->Migrate({{"copytest", 2, "CREATE TABLE later (id TEXT PRIMARY KEY)"}}).ok());
  report = CopyTables(*from, *to);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("only in the source: copytest/2; only in the target: "
                                           "none"),
            std::string::npos)
      << report.status().message();
  EXPECT_EQ(Count(*to, "people"), 0);
}

TEST(CopyTables, TellsTablesWithTheirStoredColumnsAndParents) {
  auto db = WithSchema(Other());
  auto tables = db->Tables();
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  std::vector<std::string> names;
  for (const TableInfo& t : *tables) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"attendance", "cluster_leases", "people",
                                             "schema_migrations"}));
  EXPECT_EQ((*tables)[0].references, std::vector<std::string>{"people"});
  EXPECT_EQ((*tables)[2].columns,
            (std::vector<std::string>{"id", "name", "score", "big", "note"}));  // no label
  EXPECT_TRUE((*tables)[2].references.empty());
}

}  // namespace
}  // namespace zx::storage
