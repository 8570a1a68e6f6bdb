#include "security/retention.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "security/testing/fixtures.h"
#include "security/testing/temp_dir.h"

namespace zx::security {
namespace {

constexpr int64_t kHour = 3600 * 1000LL;
constexpr int64_t kDay = 24 * kHour;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f_.db
                    ->Exec(R"sql(
      CREATE TABLE call_recordings (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL,
                                    path TEXT);
      CREATE TABLE conversations (id TEXT PRIMARY KEY, ended_at INTEGER NOT NULL,
                                  transcript_enc TEXT, summary TEXT NOT NULL);
      CREATE TABLE campaign_targets (id TEXT PRIMARY KEY, added_s INTEGER NOT NULL);
    )sql")
                    .ok());
    now_ = f_.clock.NowUnixMillis();
    AddRecording("r-old", now_ - 25 * kHour);
    AddRecording("r-edge", now_ - 24 * kHour - 1);
    AddRecording("r-new", now_ - 23 * kHour);
    AddConversation("c-old", now_ - 181 * kDay);
    AddConversation("c-new", now_ - 179 * kDay);
    ASSERT_TRUE(f_.db
                    ->Exec("INSERT INTO campaign_targets VALUES ('t-old', " +
                           std::to_string((now_ - 400 * kDay) / 1000) + "), ('t-new', " +
                           std::to_string((now_ - 10 * kDay) / 1000) + ")")
                    .ok());
  }
  void AddRecording(const std::string& id, int64_t at) {
    std::string rel = "recordings/" + id + ".enc";
    std::filesystem::create_directories(dir_.File("recordings"));
    std::ofstream(dir_.File(rel)) << "ciphertext";
    auto q = f_.db->Prepare("INSERT INTO call_recordings VALUES (?1, ?2, ?3)");
    q->Bind(1, id).Bind(2, at).Bind(3, rel);
    ASSERT_TRUE(q->Run().ok());
  }
  void AddConversation(const std::string& id, int64_t at) {
    auto q = f_.db->Prepare("INSERT INTO conversations VALUES (?1, ?2, 'zx1:1:...', 'summary')");
    q->Bind(1, id).Bind(2, at);
    ASSERT_TRUE(q->Run().ok());
  }
  int64_t Count(const std::string& sql) {
    auto q = f_.db->Prepare(sql);
    EXPECT_TRUE(*q->Step());
    return q->Int(0);
  }
  std::vector<RetentionRule> Rules() {
    RetentionRule rec;
    rec.table = "call_recordings";
    rec.timestamp_column = "created_at";
    rec.category = RetentionCategory::kRecordings;
    rec.file_column = "path";
    rec.keeps = "the call summary in conversations";
    RetentionRule conv;
    conv.table = "conversations";
    conv.timestamp_column = "ended_at";
    conv.category = RetentionCategory::kTranscripts;
    conv.clear_columns = {"transcript_enc"};
    conv.keeps = "summary, topic and ticket of the conversation";
    RetentionRule targets;
    targets.table = "campaign_targets";
    targets.timestamp_column = "added_s";
    targets.timestamp_in_seconds = true;
    targets.category = RetentionCategory::kPersonal;
    targets.keeps = "campaign statistics";
    return {rec, conv, targets};
  }

  testing::SecurityFixture f_;
  testing::TempDir dir_;
  int64_t now_ = 0;
};

TEST_F(RetentionTest, DefaultsAre24HoursAnd180Days) {
  RetentionConfig c;
  EXPECT_EQ(RetentionMillis(c, RetentionCategory::kRecordings), 24 * kHour);
  EXPECT_EQ(RetentionMillis(c, RetentionCategory::kTranscripts), 180 * kDay);
}

TEST_F(RetentionTest, RemovesExpiredDataAndAuditsIt) {
  auto report = RunRetention(*f_.db, f_.clock, RetentionConfig{}, Rules(), *f_.audit, dir_.path());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->rules.size(), 3u);
  EXPECT_EQ(report->rules[0].rows, 2);
  EXPECT_EQ(report->rules[0].files, 2);
  EXPECT_EQ(report->rules[0].cutoff_ms, now_ - 24 * kHour);
  EXPECT_EQ(report->rules[1].rows, 1);
  EXPECT_EQ(report->rules[2].rows, 1);

  EXPECT_EQ(Count("SELECT count(*) FROM call_recordings"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM call_recordings WHERE id = 'r-new'"), 1);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("recordings/r-old.enc")));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("recordings/r-edge.enc")));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("recordings/r-new.enc")));
  // Transcripts cleared, conversations (and their summaries) kept.
  EXPECT_EQ(Count("SELECT count(*) FROM conversations"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM conversations WHERE transcript_enc IS NULL"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM conversations WHERE id = 'c-old' AND "
                  "transcript_enc IS NULL AND summary = 'summary'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM campaign_targets"), 1);

  auto entries = f_.audit->Query({});
  ASSERT_EQ(entries->size(), 1u);
  const AuditEntry& e = entries->front();
  EXPECT_EQ(e.seq, report->audit_seq);
  EXPECT_EQ(e.event.actor, "system:retention");
  EXPECT_EQ(e.event.action, "retention.run");
  EXPECT_NE(e.event.details_json.find("{\"table\":\"call_recordings\",\"category\":\"recordings\","
                                      "\"action\":\"delete\",\"cutoff_ms\":" +
                                      std::to_string(now_ - 24 * kHour) +
                                      ",\"rows\":2,\"files\":2,\"file_errors\":0,"
                                      "\"keeps\":\"the call summary in conversations\"}"),
            std::string::npos)
      << e.event.details_json;
  EXPECT_NE(e.event.details_json.find("\"table\":\"conversations\",\"category\":\"transcripts\","
                                      "\"action\":\"clear\""),
            std::string::npos);
  EXPECT_TRUE(f_.audit->Verify()->ok());

  // Running again finds nothing, and says so in the log.
  auto again = RunRetention(*f_.db, f_.clock, RetentionConfig{}, Rules(), *f_.audit, dir_.path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rules[0].rows + again->rules[1].rows + again->rules[2].rows, 0);
  EXPECT_EQ(f_.audit->Query({})->size(), 2u);
}

TEST_F(RetentionTest, FollowsConfigAndTime) {
  RetentionConfig c;
  c.recordings_hours = 1;
  c.transcripts_days = 0;  // keep transcripts for ever
  c.personal_days = 0;
  auto report = RunRetention(*f_.db, f_.clock, c, Rules(), *f_.audit, dir_.path());
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->rules.size(), 1u);
  EXPECT_EQ(report->rules[0].rows, 3);
  EXPECT_EQ(Count("SELECT count(*) FROM conversations WHERE transcript_enc IS NULL"), 0);

  f_.clock.Advance(std::chrono::hours(24 * 2));
  c.transcripts_days = 180;
  report = RunRetention(*f_.db, f_.clock, c, Rules(), *f_.audit, dir_.path());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(Count("SELECT count(*) FROM conversations WHERE transcript_enc IS NULL"), 2);
}

TEST_F(RetentionTest, RejectsBadRulesAndStaysInsideFilesRoot) {
  auto rules = Rules();
  rules[0].table = "call_recordings; DROP TABLE conversations";
  EXPECT_EQ(RunRetention(*f_.db, f_.clock, {}, rules, *f_.audit, dir_.path()).status().code(),
            Code::kInvalidArgument);
  RetentionConfig negative;
  negative.recordings_hours = -1;
  EXPECT_EQ(RunRetention(*f_.db, f_.clock, negative, Rules(), *f_.audit).status().code(),
            Code::kInvalidArgument);

  testing::TempDir outside;
  std::ofstream(outside.File("precious")) << "x";
  auto q = f_.db->Prepare("INSERT INTO call_recordings VALUES ('evil', 0, ?1)");
  std::string escape =
      "../" + std::filesystem::path(outside.path()).filename().string() + "/precious";
  q->Bind(1, escape);
  ASSERT_TRUE(q->Run().ok());
  auto report = RunRetention(*f_.db, f_.clock, {}, Rules(), *f_.audit, dir_.path());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->rules[0].file_errors, 1);
  EXPECT_TRUE(std::filesystem::exists(outside.File("precious")));
}

TEST_F(RetentionTest, MissingTableFailsButIsAudited) {
  auto rules = Rules();
  RetentionRule ghost;
  ghost.table = "no_such_table";
  ghost.timestamp_column = "at";
  ghost.category = RetentionCategory::kRecordings;
  rules.insert(rules.begin() + 1, ghost);
  auto report = RunRetention(*f_.db, f_.clock, {}, rules, *f_.audit, dir_.path());
  EXPECT_FALSE(report.ok());
  auto entries = f_.audit->Query({});
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_NE(entries->front().event.details_json.find("\"error\""), std::string::npos);
  EXPECT_NE(entries->front().event.details_json.find("call_recordings"), std::string::npos);
}

}  // namespace
}  // namespace zx::security
