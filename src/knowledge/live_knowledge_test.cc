#include "knowledge/live_knowledge.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "base/testing/temp_dir.h"

namespace zx::knowledge {
namespace {

// 2026-12-06 23:59:00 in China (15:59:00 UTC).
constexpr int64_t kBeforeMidnightMs = 1796572740000;

// A small knowledge base (builds in a fraction of a second) whose sbk.loss answer names its
// version: "…（第N版）" at version N.
KnowledgeBase SmallKb(int version) {
  KnowledgeBase kb;
  Entry loss;
  loss.id = "sbk.loss";
  loss.kind = "faq";
  loss.department = "rsj";
  loss.sla = "-";
  loss.title = "社保卡挂失补办";
  loss.version = version;
  loss.source = "示例市人社局";
  loss.answer = "社保卡丢了请先挂失，再到银行网点补办（第" + std::to_string(version) + "版）";
  loss.keywords = {"社保卡", "挂失", "补办", "丢失"};
  loss.phrasings = {"社保卡丢了怎么办", "社保卡挂失怎么补办", "社保卡丢失了去哪里补办",
                    "我的社保卡不见了"};
  Entry rent;
  rent.id = "gjj.rent";
  rent.kind = "faq";
  rent.department = "gjj";
  rent.sla = "-";
  rent.title = "公积金支付房租";
  rent.source = "示例市公积金中心";
  rent.answer = "租房可以按月提取公积金支付房租。";
  rent.keywords = {"公积金", "房租", "租房", "提取"};
  rent.phrasings = {"公积金能付房租吗", "租房可以提取公积金吗", "怎么用公积金交房租"};
  Entry remote;
  remote.id = "yb.remote_filing";
  remote.kind = "faq";
  remote.department = "ybj";
  remote.sla = "-";
  remote.title = "异地就医备案";
  remote.source = "示例市医保局";
  remote.answer = "异地就医请先在医保服务平台备案。";
  remote.keywords = {"异地就医", "备案", "医保", "外地看病"};
  remote.phrasings = {"异地就医怎么备案", "去外地看病医保怎么报", "医保异地备案在哪办"};
  kb.entries = {loss, rent, remote};
  return kb;
}

EngineOptions OptionsIn(const std::string& dir) {
  EngineOptions o;
  o.work_dir = dir;
  return o;
}

// Engine directories under the index directory.
int EngineDirs(const std::string& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    n += e.path().filename().string().rfind("engine-", 0) == 0;
  return n;
}

// The version an answer came from, checking that its text and citation agree (an answer is from
// one knowledge base, never a mix); 0 when it is not a sbk.loss answer.
int VersionOf(const Answer& a) {
  if (!a.topic || *a.topic != "sbk.loss" || a.citations.size() != 1) return 0;
  const int v = a.citations[0].version;
  if (a.text.find("（第" + std::to_string(v) + "版）") == std::string::npos) return -1;
  return v;
}

TEST(LiveKnowledge, AnswersFromTheFirstEngineWithTheVersionCited) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  auto live =
      LiveKnowledge::Open([](std::string) { return SmallKb(3); }, OptionsIn(dir.path()), clock);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  Answer a = (*live)->Ask("社保卡丢了怎么办");
  ASSERT_TRUE(a.topic.has_value()) << a.text;
  EXPECT_EQ(VersionOf(a), 3);
  EXPECT_EQ((*live)->generation(), 1u);
  EXPECT_EQ((*live)->date(), "2026-12-06");
  KnowledgeSnapshot s = (*live)->Snapshot();
  EXPECT_EQ(s.generation, 1u);
  EXPECT_EQ(s.kb->Find("sbk.loss")->version, 3);
  EXPECT_EQ(s.assistant.get(), (*live)->Current().get());
}

TEST(LiveKnowledge, StartUpFailsWhenTheFirstBuildFails) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  auto failing = LiveKnowledge::Open(
      [](std::string) -> Result<KnowledgeBase> { return DataLoss("unreadable knowledge base"); },
      OptionsIn(dir.path()), clock);
  EXPECT_EQ(failing.status().code(), Code::kDataLoss);
  auto empty = LiveKnowledge::Open([](std::string) { return KnowledgeBase(); },
                                   OptionsIn(dir.path()), clock);
  EXPECT_EQ(empty.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(EngineDirs(dir.path()), 0);  // a failed build leaves no directory
}

// Issue 14 point 2: no failed request during a swap. Four threads ask without pause while 20
// engines are built and swapped in; every answer is a whole answer from one knowledge base,
// the one in service before or after a swap.
TEST(LiveKnowledge, SwapsTwentyTimesUnderLoadWithoutAFailedAnswer) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  std::atomic<int> published{1};
  auto live = LiveKnowledge::Open([&](std::string) { return SmallKb(published.load()); },
                                  OptionsIn(dir.path()), clock);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  LiveKnowledge& k = **live;

  std::atomic<bool> stop{false};
  std::atomic<int> answers{0}, failed{0}, mixed{0}, stale{0};
  std::vector<std::thread> askers;
  for (int t = 0; t < 4; ++t)
    askers.emplace_back([&] {
      while (!stop) {
        // What is in service before the question: the answer may be from it or a later one.
        const int before = k.Current()->knowledge_base().Find("sbk.loss")->version;
        Answer a = k.Ask("社保卡丢了怎么办");
        const int v = VersionOf(a);
        ++answers;
        if (a.text.empty() || v == 0) ++failed;
        if (v < 0) ++mixed;
        if (v > 0 && (v < before || v > published.load())) ++stale;
        // A breath between questions, so that on a small shared machine the builds are not
        // starved by four spinning threads (the test is about correctness, not speed).
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  for (int swap = 2; swap <= 21; ++swap) {
    published = swap;
    k.RequestRebuild();
    k.WaitIdle();
    ASSERT_EQ(k.generation(), static_cast<uint64_t>(swap));
  }
  stop = true;
  for (auto& t : askers) t.join();
  EXPECT_GT(answers.load(), 20);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_EQ(stale.load(), 0);
  EXPECT_EQ(VersionOf(k.Ask("社保卡丢了怎么办")), 21);
  EXPECT_EQ(k.failures(), 0u);
  // Every old engine's directory went with its last reference.
  EXPECT_EQ(EngineDirs(dir.path()), 1);
}

TEST(LiveKnowledge, AnEngineInUseKeepsItsDirectoryUntilReleased) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  std::atomic<int> published{1};
  auto live = LiveKnowledge::Open([&](std::string) { return SmallKb(published.load()); },
                                  OptionsIn(dir.path()), clock);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  KnowledgeSnapshot held = (*live)->Snapshot();  // a turn in progress
  published = 2;
  (*live)->RequestRebuild();
  (*live)->WaitIdle();
  EXPECT_EQ((*live)->generation(), 2u);
  EXPECT_EQ(EngineDirs(dir.path()), 2);
  // The held engine still answers from its files, from its own knowledge base.
  EXPECT_EQ(VersionOf(held.assistant->Ask("社保卡丢了怎么办")), 1);
  EXPECT_EQ(VersionOf((*live)->Ask("社保卡丢了怎么办")), 2);
  held = {};
  EXPECT_EQ(EngineDirs(dir.path()), 1);
}

TEST(LiveKnowledge, AFailedBuildKeepsTheEngineInServiceAndIsCounted) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  std::atomic<bool> broken{false};
  auto live = LiveKnowledge::Open(
      [&](std::string) -> Result<KnowledgeBase> {
        if (broken) return KnowledgeBase();  // no entries: the engine refuses it
        return SmallKb(1);
      },
      OptionsIn(dir.path()), clock);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  Metrics metrics;
  (*live)->AttachMetrics(metrics);
  broken = true;
  (*live)->RequestRebuild();
  (*live)->WaitIdle();
  EXPECT_EQ((*live)->failures(), 1u);
  EXPECT_EQ((*live)->generation(), 1u);
  EXPECT_EQ(VersionOf((*live)->Ask("社保卡丢了怎么办")), 1);
  EXPECT_EQ(EngineDirs(dir.path()), 1);
  const std::string text = metrics.RenderText();
  EXPECT_NE(text.find("zhixian_kb_rebuild_failures_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("zhixian_kb_generation 1"), std::string::npos) << text;
  broken = false;
  (*live)->RequestRebuild();
  (*live)->WaitIdle();
  EXPECT_EQ((*live)->generation(), 2u);
  EXPECT_NE(metrics.RenderText().find("zhixian_kb_rebuilds_total 1"), std::string::npos);
  EXPECT_NE(metrics.RenderText().find("zhixian_kb_generation 2"), std::string::npos);
}

// Requests while a build runs coalesce into one more build after it.
TEST(LiveKnowledge, RequestsDuringABuildCoalesceIntoOneMore) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  std::mutex mu;
  std::condition_variable cv;
  bool in_build = false, release = false;
  std::atomic<int> calls{0};
  auto live = LiveKnowledge::Open(
      [&](std::string) {
        if (++calls == 2) {  // the first background build waits until told
          std::unique_lock lock(mu);
          in_build = true;
          cv.notify_all();
          cv.wait(lock, [&] { return release; });
        }
        return SmallKb(calls.load());
      },
      OptionsIn(dir.path()), clock);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  (*live)->RequestRebuild();
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_build; });
  }
  for (int i = 0; i < 5; ++i) (*live)->RequestRebuild();
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  (*live)->WaitIdle();
  EXPECT_EQ(calls.load(), 3);  // start-up, the build that waited, one more
  EXPECT_EQ((*live)->generation(), 3u);
}

// Issue 14 point 4: a version scheduled for a date is answered from that day on. The source
// answers differently from 2026-12-07 (China time); the engine follows when the clock passes
// midnight in China, not midnight UTC.
TEST(LiveKnowledge, SwapsInTheNextDaysKnowledgeBaseAtMidnightChinaTime) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  std::vector<std::string> asked;
  std::mutex mu;
  auto live = LiveKnowledge::Open(
      [&](std::string date) {
        std::lock_guard lock(mu);
        asked.push_back(date);
        return SmallKb(date >= "2026-12-07" ? 2 : 1);
      },
      OptionsIn(dir.path()), clock);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  LiveKnowledge& k = **live;
  k.Tick();
  k.WaitIdle();
  EXPECT_EQ(k.generation(), 1u);  // still 2026-12-06 in China
  clock.Advance(std::chrono::seconds(59));
  k.Tick();
  k.WaitIdle();
  EXPECT_EQ(k.generation(), 1u);
  EXPECT_EQ(VersionOf(k.Ask("社保卡丢了怎么办")), 1);
  clock.Advance(std::chrono::seconds(2));  // 2026-12-07 00:00:01 in China
  k.Tick();
  k.WaitIdle();
  EXPECT_EQ(k.generation(), 2u);
  EXPECT_EQ(k.date(), "2026-12-07");
  EXPECT_EQ(VersionOf(k.Ask("社保卡丢了怎么办")), 2);
  k.Tick();  // the same day again: nothing to do
  k.WaitIdle();
  EXPECT_EQ(k.generation(), 2u);
  std::lock_guard lock(mu);
  EXPECT_EQ(asked, (std::vector<std::string>{"2026-12-06", "2026-12-07"}));
}

// With NextEffectiveAfter, a new day rebuilds only when a version takes effect by then.
TEST(LiveKnowledge, ANewDayWithoutAChangeKeepsTheEngine) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  std::atomic<int> builds{0};
  auto live = LiveKnowledge::Open(
      [&](std::string date) {
        ++builds;
        return SmallKb(date >= "2026-12-09" ? 2 : 1);
      },
      OptionsIn(dir.path()), clock,
      [](std::string date) -> Result<std::string> {
        return date < "2026-12-09" ? std::string("2026-12-09") : std::string();
      });
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  LiveKnowledge& k = **live;
  clock.Advance(std::chrono::hours(24));  // 2026-12-07 23:59
  k.Tick();
  k.WaitIdle();
  EXPECT_EQ(builds.load(), 1);
  EXPECT_EQ(k.date(), "2026-12-07");
  clock.Advance(std::chrono::hours(24));  // 2026-12-08 23:59
  k.Tick();
  k.WaitIdle();
  EXPECT_EQ(builds.load(), 1);
  clock.Advance(std::chrono::minutes(2));  // 2026-12-09 00:01
  k.Tick();
  k.WaitIdle();
  EXPECT_EQ(builds.load(), 2);
  EXPECT_EQ(k.date(), "2026-12-09");
  EXPECT_EQ(VersionOf(k.Ask("社保卡丢了怎么办")), 2);
}

// Most publishes change an answer, not what the classifier learns from: its model is reused
// (the same file, linked), and only a changed phrasing trains a new one.
TEST(LiveKnowledge, ReusesTheClassifierModelWhenItsTrainingTextIsUnchanged) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  std::atomic<int> published{1};
  std::atomic<bool> new_phrasing{false};
  auto live = LiveKnowledge::Open(
      [&](std::string) {
        KnowledgeBase kb = SmallKb(published.load());  // the answer names the version
        if (new_phrasing) kb.entries[0].phrasings.push_back("社保卡被偷了怎么补");
        return kb;
      },
      OptionsIn(dir.path()), clock);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  auto models_now = [&] {
    std::vector<std::filesystem::path> models;
    for (const auto& d : std::filesystem::directory_iterator(dir.path()))
      if (d.path().filename().string().rfind("engine-", 0) == 0)
        for (const auto& f : std::filesystem::directory_iterator(d.path()))
          if (f.path().extension() == ".bin") models.push_back(f.path());
    return models;
  };
  KnowledgeSnapshot first = (*live)->Snapshot();
  published = 2;
  (*live)->RequestRebuild();
  (*live)->WaitIdle();
  auto models = models_now();
  ASSERT_EQ(models.size(), 2u);  // one per engine directory, both alive
  EXPECT_TRUE(std::filesystem::equivalent(models[0], models[1]));
  EXPECT_EQ(VersionOf((*live)->Ask("社保卡丢了怎么办")), 2);
  first = {};
  KnowledgeSnapshot second = (*live)->Snapshot();
  new_phrasing = true;
  (*live)->RequestRebuild();
  (*live)->WaitIdle();
  models = models_now();
  ASSERT_EQ(models.size(), 2u);
  EXPECT_FALSE(std::filesystem::equivalent(models[0], models[1]));
  EXPECT_NE(models[0].filename(), models[1].filename());
  EXPECT_EQ((*live)->Ask("社保卡被偷了怎么补").topic, "sbk.loss");
}

// The models of the last builds are kept beside the engines' directories: a process started
// again on the same index directory (a restart after a kill, `zhixian ask`) loads one instead
// of training for seconds; a changed phrasing trains a new one; the last four are kept.
TEST(LiveKnowledge, AProcessStartedAgainLoadsTheKeptClassifierModel) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  const std::filesystem::path store = dir.File("classifier-model");
  auto kept = [&] {
    std::vector<std::filesystem::path> models;
    for (const auto& f : std::filesystem::directory_iterator(store)) models.push_back(f.path());
    return models;
  };
  auto engine_model = [&] {
    for (const auto& d : std::filesystem::directory_iterator(dir.path()))
      if (d.path().filename().string().rfind("engine-", 0) == 0)
        for (const auto& f : std::filesystem::directory_iterator(d.path()))
          if (f.path().extension() == ".bin") return f.path();
    return std::filesystem::path();
  };
  int new_phrasings = 0;
  auto open = [&] {
    return LiveKnowledge::Open(
        [&](std::string) {
          KnowledgeBase kb = SmallKb(1);
          for (int i = 0; i < new_phrasings; ++i)
            kb.entries[0].phrasings.push_back("社保卡被偷了怎么补" + std::string(i, '!'));
          return kb;
        },
        OptionsIn(dir.path()), clock);
  };
  std::filesystem::path first_model;
  {
    auto live = open();
    ASSERT_TRUE(live.ok()) << live.status().ToString();
    ASSERT_EQ(kept().size(), 1u);
    first_model = kept()[0];
    EXPECT_TRUE(std::filesystem::equivalent(first_model, engine_model()));
  }
  {
    // Trained again it would be a new file (a model is never written in place): the same
    // file, linked, is the kept one loaded.
    auto live = open();
    ASSERT_TRUE(live.ok()) << live.status().ToString();
    ASSERT_EQ(kept().size(), 1u);
    EXPECT_EQ(kept()[0], first_model);
    EXPECT_TRUE(std::filesystem::equivalent(first_model, engine_model()));
    EXPECT_EQ((*live)->Ask("社保卡丢了怎么办").topic, "sbk.loss");
  }
  new_phrasings = 1;
  {
    auto live = open();
    ASSERT_TRUE(live.ok()) << live.status().ToString();
    ASSERT_EQ(kept().size(), 2u);
    EXPECT_FALSE(std::filesystem::equivalent(first_model, engine_model()));
    EXPECT_EQ((*live)->Ask("社保卡被偷了怎么补").topic, "sbk.loss");
  }
  for (new_phrasings = 2; new_phrasings <= 5; ++new_phrasings) ASSERT_TRUE(open().ok());
  EXPECT_EQ(kept().size(), 4u);  // the first model, least recently used, is gone
  EXPECT_FALSE(std::filesystem::exists(first_model));
}

TEST(LiveKnowledge, LocalDateIsChinaTime) {
  FakeClock clock(kBeforeMidnightMs);
  EXPECT_EQ(LiveKnowledge::LocalDate(clock), "2026-12-06");
  clock.Advance(std::chrono::minutes(1));
  EXPECT_EQ(LiveKnowledge::LocalDate(clock), "2026-12-07");  // 16:00 UTC
}

TEST(LiveKnowledge, RemovesDirectoriesOfProcessesThatAreGone) {
  zx::testing::TempDir dir;
  FakeClock clock(kBeforeMidnightMs);
  // A pid above the kernel's limit (4194304) belongs to no process; an unrelated directory
  // stays.
  std::filesystem::create_directories(dir.File("engine-99999999-abc-1/xapian"));
  std::filesystem::create_directories(dir.File("other"));
  auto live =
      LiveKnowledge::Open([](std::string) { return SmallKb(1); }, OptionsIn(dir.path()), clock);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir.File("engine-99999999-abc-1")));
  EXPECT_TRUE(std::filesystem::exists(dir.File("other")));
  EXPECT_EQ(EngineDirs(dir.path()), 1);
}

}  // namespace
}  // namespace zx::knowledge
