#include "dialogue/desk.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/clock.h"
#include "base/testing/temp_dir.h"
#include "storage/testing/test_database.h"

namespace zx::dialogue {
namespace {

TEST(Presence, AnAgentIsOfflineUntilSetAndKeepsSinceWhenSetAgain) {
  auto db = storage::testing::OpenTestDatabase();
  ASSERT_TRUE(db.ok()) << db.status().message();
  FakeClock clock(1'000);
  auto p = Presence::Open(**db, clock);
  ASSERT_TRUE(p.ok()) << p.status().message();
  auto none = (*p)->Get("u:1");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->state, kOffline);
  EXPECT_EQ(none->since_ms, 0);

  auto on = (*p)->Set("u:1", kOnline);
  ASSERT_TRUE(on.ok()) << on.status().message();
  EXPECT_EQ(on->state, kOnline);
  EXPECT_EQ(on->since_ms, 1'000);
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ((*p)->Set("u:1", kOnline)->since_ms, 1'000);  // the same state: since kept
  auto pause = (*p)->Set("u:1", kOnBreak);
  EXPECT_EQ(pause->state, kOnBreak);
  EXPECT_EQ(pause->since_ms, 6'000);
  ASSERT_TRUE((*p)->Set("u:2", kOnline).ok());

  auto all = (*p)->All();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].agent_id, "u:1");
  EXPECT_EQ((*all)[1].state, kOnline);

  auto bad = (*p)->Set("u:1", "away");
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ((*p)->Get("u:1")->state, kOnBreak);  // nothing changed
}

class DeskDataTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir_ + "/desk"); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/desk/" + name) << text;
  }
  zx::testing::TempDir tmp_;
  std::string dir_ = tmp_.path();
};

TEST_F(DeskDataTest, ReadsCannedRepliesAndQueues) {
  Write("canned.tsv", "code\ttitle\ttext\n# a comment\n/hi\t问候\t您好\r\n/gd\t工单\t已登记\n");
  Write("queues.tsv", "code\tname\nyb\t医保专席\n");
  auto d = DeskData::Load(dir_);
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->canned.size(), 2u);
  EXPECT_EQ(d->canned[0].code, "/hi");
  EXPECT_EQ(d->canned[0].text, "您好");
  EXPECT_EQ(d->canned[1].title, "工单");
  ASSERT_EQ(d->queues.size(), 1u);
  EXPECT_EQ(d->queues[0].name, "医保专席");
}

TEST_F(DeskDataTest, MissingFilesAreEmptyListsAndBadLinesAreNamed) {
  auto none = DeskData::Load(dir_);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->canned.empty());
  EXPECT_TRUE(none->queues.empty());

  Write("canned.tsv", "code\ttitle\ttext\n/hi\t问候\t您好\nhi\t问候\t您好\n");
  auto bad = DeskData::Load(dir_);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("canned.tsv:3"), std::string::npos)
      << bad.status().message();

  Write("canned.tsv", "code\ttitle\ttext\n/hi\t问候\t您好\n/hi\t又一个\t您好\n");
  EXPECT_NE(DeskData::Load(dir_).status().message().find("twice"), std::string::npos);

  Write("canned.tsv", "code\ttitle\ttext\n/hi\t问候\n");
  EXPECT_NE(DeskData::Load(dir_).status().message().find("expected 3"), std::string::npos);
}

TEST(DeskDataOfTheKnowledgeBase, Loads) {
  auto d = DeskData::Load(ZX_SOURCE_DIR "/kb");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_GE(d->canned.size(), 5u);
  EXPECT_GE(d->queues.size(), 2u);
}

}  // namespace
}  // namespace zx::dialogue
