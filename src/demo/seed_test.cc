// The demo seed over the real knowledge base, dialogue, work orders and campaign engine: a few
// days of activity on every channel with orders in several states and a finished campaign whose
// calls fell inside its windows, the same seed giving the same data, refused a second time,
// marked.
#include "demo/seed.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>

#include "base/clock.h"
#include "campaigns/campaign_engine.h"
#include "campaigns/notice_calls.h"
#include "dialogue/conversation_figures.h"
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
    cipher_ = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(keys)));
    in.cipher = cipher_;
    in.now_ms = kNow;
    return Seed(in, {.days = 4, .seed = seed});
  }

  int64_t Count(storage::Database& db, const std::string& sql) {
    auto q = db.Prepare(sql);
    EXPECT_TRUE(q.ok());
    auto row = q->Step();
    return row.ok() && *row ? q->Int(0) : -1;
  }

  std::shared_ptr<security::FieldCipher> cipher_;
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

// The campaign as the console's campaign screen reads it: the real engine over the seeded data.
// Some citizens give an invented ID number: the age portrait has bands in several districts,
// from the stored summaries, which hold the band and never the number.
TEST_F(SeedTest, SomeCitizensGiveAnIdNumberForTheAgePortrait) {
  auto db = std::move(storage::testing::OpenTestDatabase()).value();
  ASSERT_TRUE(SeedInto(*db, 7).ok());
  auto f = dialogue::ComputeConversationFigures(*db, {});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  int64_t aged = 0;
  for (const auto& [band, n] : f->ages) aged += n;
  EXPECT_GT(aged, 10);
  EXPECT_GE(f->ages.size(), 3u);
  EXPECT_GE(f->age_districts.size(), 2u);
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM conversations WHERE summary LIKE '%110101%'"), 0);
}

TEST_F(SeedTest, AFinishedCampaignWhoseCallsFellInsideItsWindows) {
  auto db = std::move(storage::testing::OpenTestDatabase()).value();
  auto r = SeedInto(*db, 7);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->campaign_id.empty());
  EXPECT_TRUE(r->campaign_finished);

  FakeClock clock(kNow);
  campaigns::NoticeCallOptions quiet;
  quiet.close_unfinished = false;
  auto calls = campaigns::NoticeCalls::Open(*db, cipher_, clock, quiet).value();
  auto scenarios = campaigns::ScenarioTable::Load(kb_dir_ + "/campaigns/scenarios.toml").value();
  auto engine =
      campaigns::Campaigns::Open(*db, cipher_, *calls, {}, scenarios, *sla_, clock,
                                 campaigns::CampaignPolicyFrom(campaigns::CampaignConfig{}).value())
          .value();
  auto c = engine->Get(r->campaign_id).value();
  EXPECT_EQ(c.state, campaigns::CampaignState::kFinished);
  EXPECT_NE(c.name.find("演示数据"), std::string::npos);
  EXPECT_GT(c.ended_ms, c.started_ms);
  EXPECT_LT(c.ended_ms, kNow);

  auto f = engine->Figures(r->campaign_id).value();
  EXPECT_EQ(f.targets, 60);
  EXPECT_EQ(f.targets, r->campaign_targets);
  EXPECT_EQ(f.confirmed, r->campaign_confirmed);
  EXPECT_EQ(f.done, f.targets);
  EXPECT_EQ(f.waiting + f.calling, 0);
  EXPECT_GT(f.confirmed, 0);
  EXPECT_LE(f.confirmed, f.reached);
  EXPECT_LE(f.reached, f.targets);
  EXPECT_DOUBLE_EQ(f.success_rate, static_cast<double>(f.confirmed) / f.targets);
  EXPECT_DOUBLE_EQ(f.reach_rate, static_cast<double>(f.reached) / f.targets);
  int64_t outcomes = 0;
  for (const auto& [name, n] : f.outcomes) outcomes += n;
  EXPECT_EQ(outcomes, f.targets);
  EXPECT_EQ(f.outcomes["confirmed"], f.confirmed);
  EXPECT_GT(f.attempts, f.targets);  // some were retried
  EXPECT_GT(f.sms_fallbacks, 0);     // and some never found after the last attempt

  // Every call started inside the calling windows; nothing but invented 1380000xxxx numbers.
  auto page = engine->Targets(r->campaign_id, {.limit = 1000}).value();
  ASSERT_EQ(page.total, 60);
  for (const auto& t : page.rows) {
    EXPECT_EQ(t.phone_masked.substr(0, 3), "138") << t.phone_masked;
    const auto attempts = engine->Attempts(r->campaign_id, t.seq);  // outlives the loop
    for (const auto& a : attempts.value())
      EXPECT_TRUE(engine->InWindow(a.started_ms)) << a.attempt_id << " " << a.started_ms;
  }
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
  EXPECT_EQ(ra->campaign_confirmed, rb->campaign_confirmed);
  EXPECT_EQ(Count(*a, "SELECT SUM(created_ms) FROM conversations"),
            Count(*b, "SELECT SUM(created_ms) FROM conversations"));
}

}  // namespace
}  // namespace zx::demo
