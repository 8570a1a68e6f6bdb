// The demo seed over the real knowledge base, dialogue and work orders: a few days of activity
// on every channel with orders in several states, the same seed giving the same data, refused a
// second time, marked.
#include "demo/seed.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>

#include "base/clock.h"
#include "knowledge/engine.h"
#include "knowledge/loader.h"
#include "security/keys.h"
#include "storage/testing/test_database.h"
#include "tickets/calendar.h"
#include "tickets/sla_calendar.h"

namespace zx::demo {
namespace {

constexpr int64_t kNow = 1796600000000;  // 2026-12-06 China time

class SeedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kb = knowledge::LoadKnowledgeBase(kb_dir_);
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    work_ = std::filesystem::temp_directory_path() / ("zx-demo-" + std::to_string(getpid()));
    knowledge::EngineOptions o;
    o.work_dir = (work_ / "index").string();
    o.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
    auto e = knowledge::KnowledgeEngine::Build(std::move(kb).value(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value().release();
    auto calendar = tickets::WorkCalendar::Load(kb_dir_ + "/calendar");
    ASSERT_TRUE(calendar.ok()) << calendar.status().ToString();
    sla_ = tickets::MakeSlaCalendar(std::move(calendar).value()).release();
    auto filler = tickets::AutoFiller::Load({.kb_dir = kb_dir_, .jieba_dict = o.jieba_dict});
    ASSERT_TRUE(filler.ok()) << filler.status().ToString();
    filler_ = std::move(filler).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete sla_;
    delete filler_;
    std::filesystem::remove_all(work_);
  }

  Result<SeedReport> SeedInto(storage::Database& db, uint32_t seed) {
    SeedInputs in;
    in.db = &db;
    in.knowledge = knowledge::FixedSnapshot(*engine_, engine_->knowledge_base());
    in.kb_dir = kb_dir_;
    in.dialogue = dialogue::DialogueOptionsFor(kb_dir_, {});
    in.calendar = sla_;
    in.autofill = filler_;
    FakeClock keys(kNow);
    in.cipher = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(keys)));
    in.now_ms = kNow;
    return Seed(in, {.days = 4, .seed = seed});
  }

  int64_t Count(storage::Database& db, const std::string& sql) {
    auto q = db.Prepare(sql);
    EXPECT_TRUE(q.ok());
    auto row = q->Step();
    return row.ok() && *row ? q->Int(0) : -1;
  }

  static inline const std::string kb_dir_ = std::string(ZX_SOURCE_DIR) + "/kb";
  static inline std::filesystem::path work_;
  static inline knowledge::KnowledgeEngine* engine_ = nullptr;
  static inline tickets::SlaCalendar* sla_ = nullptr;
  static inline tickets::AutoFiller* filler_ = nullptr;
};

TEST_F(SeedTest, DaysOfActivityOnEveryChannelWithOrdersInSeveralStates) {
  auto db = std::move(storage::testing::OpenTestDatabase()).value();
  auto r = SeedInto(*db, 7);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->conversations, 60);
  EXPECT_GT(r->handed_over, 0);
  EXPECT_GT(r->rated, 0);
  EXPECT_GT(r->orders, 5);
  EXPECT_GT(r->accepted, 0);
  EXPECT_GT(r->resolved, 0);
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM conversations"), r->conversations);
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM tickets"), r->orders);
  EXPECT_GE(Count(*db, "SELECT COUNT(DISTINCT channel) FROM conversations"), 3);
  EXPECT_GE(Count(*db, "SELECT COUNT(DISTINCT state) FROM tickets"), 3);
  EXPECT_EQ(
      Count(*db, "SELECT COUNT(*) FROM conversations WHERE created_ms >= " + std::to_string(kNow)),
      0);  // nothing in the future
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM conversations WHERE created_ms < " +
                           std::to_string(r->from_ms)),
            0);
  auto mark = FindSeedMark(*db);
  ASSERT_TRUE(mark.ok());
  ASSERT_TRUE(mark->has_value());
  EXPECT_EQ((*mark)->days, 4);

  auto again = SeedInto(*db, 7);
  EXPECT_EQ(again.status().code(), Code::kFailedPrecondition);
}

TEST_F(SeedTest, TheSameSeedGivesTheSameData) {
  auto a = std::move(storage::testing::OpenTestDatabase()).value();
  auto b = std::move(storage::testing::OpenTestDatabase()).value();
  auto ra = SeedInto(*a, 11);
  auto rb = SeedInto(*b, 11);
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(ra->conversations, rb->conversations);
  EXPECT_EQ(ra->orders, rb->orders);
  EXPECT_EQ(ra->visited, rb->visited);
  EXPECT_EQ(Count(*a, "SELECT SUM(created_ms) FROM conversations"),
            Count(*b, "SELECT SUM(created_ms) FROM conversations"));
}

}  // namespace
}  // namespace zx::demo
