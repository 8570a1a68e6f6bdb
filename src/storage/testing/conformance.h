// The conformance tests of a storage driver: what every storage::Database must do, written
// against the interface only (testing/conformance.cc), so that each driver runs the same tests.
//
// A driver's test file instantiates them with a way to open its databases:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, DatabaseConformance,
//                            ::testing::Values(ConformanceDriver{"sqlite", &OpenForTest}));
//
// and lists testing/conformance.cc among its sources (not in a library: the linker would drop
// the unreferenced tests).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "base/status.h"
#include "storage/database.h"

namespace zx::storage::testing {

struct ConformanceDriver {
  std::string name;
  // Opens a new connection to the empty database of one test, named by `place` (a path in a
  // private temporary directory of that test, which is removed afterwards; a driver for a
  // server maps it to a database or schema of its own and must start it empty). Called
  // again with the same place, it opens another connection to the same database.
  std::function<Result<std::unique_ptr<Database>>(const std::string& place,
                                                  DatabaseOptions options)>
      open;
  // Why the driver cannot be tested here ("" when it can): each test is skipped, saying so.
  std::string skip = {};
};

inline std::ostream& operator<<(std::ostream& out, const ConformanceDriver& d) {
  return out << d.name;
}

// The fixture of the tests: a private temporary directory and a first connection, db_.
class DatabaseConformance : public ::testing::TestWithParam<ConformanceDriver> {
 protected:
  void SetUp() override {
    if (!GetParam().skip.empty()) GTEST_SKIP() << GetParam().skip;
    std::string templ = (std::filesystem::temp_directory_path() / "zx-conf-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    db_ = Connect();
    ASSERT_NE(db_, nullptr);
  }
  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // Another connection to this test's database.
  std::unique_ptr<Database> Connect(DatabaseOptions options = {}) {
    auto db = GetParam().open(dir_ + "/test.db", options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }
  // The number of rows in `table`.
  int64_t Count(const std::string& table) {
    auto q = db_->Prepare("SELECT count(*) FROM " + table);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    if (!q.ok()) return -1;
    auto row = q->Step();
    EXPECT_TRUE(row.ok() && *row);
    return q->Int(0);
  }

  std::string dir_;
  std::unique_ptr<Database> db_;
};

}  // namespace zx::storage::testing
