#include "storage/notifications.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/testing/test_database.h"

namespace zx::storage {
namespace {

// What one node heard on a channel.
struct Heard {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> payloads;
  Notifications::Handler Handler() {
    return [this](const std::string& p) {
      std::lock_guard lock(mu);
      payloads.push_back(p);
      cv.notify_all();
    };
  }
  bool WaitFor(size_t n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return payloads.size() >= n; });
  }
  // Until `payload` has been heard.
  bool WaitFor(const std::string& payload) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] {
      return std::find(payloads.begin(), payloads.end(), payload) != payloads.end();
    });
  }
  size_t count() {
    std::lock_guard lock(mu);
    return payloads.size();
  }
};

TEST(Notifications, OneNodeOnSqliteHasNone) {
  auto db = OpenDatabase(":memory:");
  ASSERT_TRUE(db.ok());
  auto n = OpenNotifications("", **db);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, nullptr);
}

// Two nodes on one schema hear each other (and themselves), long messages included; a node on
// another schema of the same database hears nothing of theirs.
TEST(Notifications, EveryNodeOfTheSchemaHearsEveryMessage) {
  if (!testing::TestOnPostgres()) GTEST_SKIP() << "NOTIFY/LISTEN is PostgreSQL's (the _pg twin)";
  auto url = testing::FreshPostgresSchema();
  ASSERT_TRUE(url.ok()) << url.status().message();
  auto other_url = testing::FreshPostgresSchema();
  ASSERT_TRUE(other_url.ok()) << other_url.status().message();
  auto db_a = OpenDatabase(*url);
  auto db_b = OpenDatabase(*url);
  auto db_c = OpenDatabase(*other_url);
  ASSERT_TRUE(db_a.ok() && db_b.ok() && db_c.ok());
  auto a = std::move(OpenNotifications(*url, **db_a).value());
  auto b = std::move(OpenNotifications(*url, **db_b).value());
  auto c = std::move(OpenNotifications(*other_url, **db_c).value());
  ASSERT_NE(a, nullptr);
  Heard heard_a, heard_b, heard_c;
  a->Listen("chat", heard_a.Handler());
  b->Listen("chat", heard_b.Handler());
  c->Listen("chat", heard_c.Handler());
  // LISTEN takes effect on each listener's own thread: publish until both have heard one.
  bool listening = false;
  for (int i = 0; i < 200 && !listening; ++i) {
    ASSERT_TRUE(a->Publish("chat", "hello").ok());
    listening = heard_b.WaitFor(1, std::chrono::milliseconds(25)) &&
                heard_a.WaitFor(1, std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(listening) << "in 10 s, b heard " << heard_b.count() << ", a its own "
                         << heard_a.count();
  const std::string long_one(20000, 'x');  // past NOTIFY's 8000 bytes
  ASSERT_TRUE(a->Publish("chat", long_one + "end").ok());
  ASSERT_TRUE(b->Publish("chat", "你好").ok());
  EXPECT_TRUE(heard_b.WaitFor(long_one + "end"));
  EXPECT_TRUE(heard_b.WaitFor("你好"));
  EXPECT_TRUE(heard_a.WaitFor("你好"));  // every node of the schema, the sender's too
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::lock_guard lock(heard_c.mu);
  EXPECT_TRUE(heard_c.payloads.empty()) << "another schema heard " << heard_c.payloads.size();
}

}  // namespace
}  // namespace zx::storage
