// The recordings vault's disk budget (retention.recordings_max_mb): recording stops at the
// budget, later calls are not recorded, the alarm is logged and counted, and recording resumes
// once the retention job has made room.
#include "recordings/recordings.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "recordings/recording_store.h"
#include "security/keys.h"
#include "security/testing/temp_dir.h"
#include "storage/testing/test_database.h"
#include "telephony/gateway.h"

namespace zx::recordings {
namespace {

namespace fs = std::filesystem;

constexpr size_t kFrame = 2 * 160;  // 20 ms of 8 kHz stereo samples

class RecordingBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(storage::testing::OpenTestDatabase().value());
    keys_ = std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_));
  }

  std::unique_ptr<RecordingVault> Open(int64_t max_bytes) {
    RecordingVaultOptions options;
    options.max_bytes = max_bytes;
    options.metrics = &metrics_;
    auto vault = RecordingVault::Open(*db_, dir_.path(), keys_, clock_, options);
    EXPECT_TRUE(vault.ok()) << vault.status().message();
    return std::move(vault).value();
  }

  std::unique_ptr<telephony::RecordingSink> Sink(RecordingVault& vault, telephony::CallId id) {
    telephony::CallInfo call;
    call.id = id;
    call.caller_masked = "138****5678";
    auto sink = vault.Factory()(call);
    EXPECT_TRUE(sink.ok()) << sink.status().message();
    return sink.ok() ? std::move(sink).value() : nullptr;
  }

  int64_t DirBytes() {
    int64_t total = 0;
    for (const auto& e : fs::directory_iterator(fs::path(dir_.path()) / "recordings"))
      total += static_cast<int64_t>(e.file_size());
    return total;
  }

  static void WriteSeconds(telephony::RecordingSink& sink, int seconds) {
    std::vector<int16_t> frame(kFrame, 1000);
    for (int i = 0; i < seconds * 50; ++i) sink.Write(frame.data(), frame.size());
  }

  FakeClock clock_{1700000000000};
  security::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<const security::KeyRing> keys_;
  Metrics metrics_;
};

TEST_F(RecordingBudgetTest, StopsAtTheBudgetAndResumesWhenThereIsRoom) {
  constexpr int64_t kBudget = 64 * 1024;  // two seconds of audio
  auto vault = Open(kBudget);
  auto first = Sink(*vault, 1);
  ASSERT_NE(first, nullptr);
  WriteSeconds(*first, 5);  // 160 KB offered
  EXPECT_TRUE(vault->over_budget());
  ASSERT_TRUE(first->Close().ok());
  first.reset();
  int64_t on_disk = DirBytes();
  EXPECT_LE(on_disk, kBudget + 8 * 1024) << "the recording grew past the budget";
  EXPECT_GE(on_disk, kBudget / 2);
  // What was recorded is a valid recording, cut at the budget. Its row is written by the
  // vault's worker, off the caller's thread: wait for it.
  auto listed = vault->List(10);
  for (int i = 0; i < 300 && listed.ok() && (listed->empty() || (*listed)[0].ended_ms == 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    listed = vault->List(10);
  }
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  auto exported = vault->ExportWav((*listed)[0].id, dir_.File("out.wav"));
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  EXPECT_GT(exported->seconds, 1.0);
  EXPECT_LT(exported->seconds, 2.2);

  // The next call is not recorded (the call goes on: the factory gives no sink, no error).
  auto second = Sink(*vault, 2);
  EXPECT_EQ(second, nullptr);
  std::string text = metrics_.RenderText();
  EXPECT_NE(text.find("zhixian_recordings_budget_exceeded_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("zhixian_recordings_skipped_total{reason=\"disk_budget\"} 1"),
            std::string::npos)
      << text;
  EXPECT_EQ(DirBytes(), on_disk);

  // Retention purges the file; a minute later the vault measures again and records again.
  for (const auto& e : fs::directory_iterator(fs::path(dir_.path()) / "recordings"))
    fs::remove(e.path());
  clock_.Advance(std::chrono::seconds(61));
  vault->Flush();  // the minute's measure, a timer on the vault's worker, has run
  EXPECT_FALSE(vault->over_budget());
  auto fourth = Sink(*vault, 4);
  ASSERT_NE(fourth, nullptr);
  WriteSeconds(*fourth, 1);
  ASSERT_TRUE(fourth->Close().ok());
  EXPECT_FALSE(vault->over_budget());
}

TEST_F(RecordingBudgetTest, AFullDirectoryAtStartRecordsNothing) {
  {
    auto vault = Open(0);  // no limit
    auto sink = Sink(*vault, 1);
    ASSERT_NE(sink, nullptr);
    WriteSeconds(*sink, 3);
    ASSERT_TRUE(sink->Close().ok());
    EXPECT_FALSE(vault->over_budget());
  }
  auto vault = Open(32 * 1024);  // less than what is there already
  EXPECT_TRUE(vault->over_budget());
  EXPECT_EQ(Sink(*vault, 2), nullptr);
}

// The retention registry (app/security_context.cc) names what the store creates.
TEST(RecordingStoreTest, TheRetentionRuleNamesTheStoresColumns) {
  auto db = std::move(storage::testing::OpenTestDatabase().value());
  ASSERT_TRUE(RecordingStore(*db).Migrate().ok());
  ASSERT_EQ(RetentionRules().size(), 1u);
  EXPECT_EQ(RetentionRules()[0].category, security::RetentionCategory::kRecordings);
  for (const auto& r : RetentionRules()) {
    std::string columns = r.timestamp_column;
    for (const auto& c : r.clear_columns) columns += ", " + c;
    if (!r.file_column.empty()) columns += ", " + r.file_column;
    EXPECT_TRUE(db->Prepare("SELECT " + columns + " FROM " + r.table).ok()) << r.table;
  }
}

}  // namespace
}  // namespace zx::recordings
