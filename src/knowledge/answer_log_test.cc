// The answer log (knowledge/answer_log.h): hits per China day, batches written only on Flush,
// questions masked and sealed at rest (the database file's bytes are read), clusters listed,
// closed and read back after a restart.
#include "knowledge/answer_log.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "security/keys.h"
#include "storage/testing/test_database.h"

namespace zx::knowledge {
namespace {

// 2026-12-05 15:59:59 UTC: 23:59:59 in Beijing, one second before 2026-12-06 there.
constexpr int64_t kBeforeMidnight = 1796486399000;

class AnswerLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(storage::testing::OpenTestDatabase().value());
    cipher_ = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_)));
    log_ = Open();
  }
  std::unique_ptr<AnswerLog> Open(AnswerLogOptions o = {}) {
    auto log = AnswerLog::Open(*db_, cipher_, clock_, o);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  AskedQuestion Unanswered(std::string text, std::string reason = kAskedBack,
                           std::string channel = "web") {
    AskedQuestion q;
    q.question = std::move(text);
    q.channel = std::move(channel);
    q.conversation_id = "c1";
    q.unanswered = std::move(reason);
    return q;
  }
  AskedQuestion Hit(std::string topic, double confidence = 0.9) {
    AskedQuestion q;
    q.question = "问题";
    q.channel = "api";
    q.topic = std::move(topic);
    q.confidence = confidence;
    return q;
  }
  int64_t Rows(const std::string& table) {
    auto q = db_->Prepare("SELECT COUNT(*) FROM " + table).value();
    EXPECT_TRUE(q.Step().value());
    return q.Int(0);
  }

  FakeClock clock_{kBeforeMidnight};
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<const security::FieldCipher> cipher_;
  std::unique_ptr<AnswerLog> log_;
};

TEST_F(AnswerLogTest, HitsCountPerBeijingDayAndIncludeWhatIsNotWrittenYet) {
  log_->Record(Hit("yb.remote_filing"));
  clock_.Advance(std::chrono::seconds(1));  // 2026-12-06 in Beijing
  log_->Record(Hit("yb.remote_filing"));
  log_->Record(Hit("sbk.apply"));
  ASSERT_TRUE(log_->Flush().ok());
  log_->Record(Hit("sbk.apply"));  // not written yet: counted all the same
  EXPECT_EQ(Rows("kb_answer_hits"), 3);
  auto today = log_->HitsSince("2026-12-06").value();
  EXPECT_EQ(today["yb.remote_filing"], 1);
  EXPECT_EQ(today["sbk.apply"], 2);
  auto both = log_->HitsSince("2026-12-05").value();
  EXPECT_EQ(both["yb.remote_filing"], 2);
  clock_.Advance(std::chrono::hours(24 * 7));
  log_->Record(Hit("sbk.apply"));
  auto week = log_->HitsSince(AddDays(log_->Today(), -6).value()).value();
  EXPECT_EQ(week.count("yb.remote_filing"), 0u);
  EXPECT_EQ(week["sbk.apply"], 1);
  EXPECT_FALSE(log_->HitsSince("last week").ok());
}

TEST_F(AnswerLogTest, NothingIsWrittenUntilTheBatchIsFlushed) {
  log_->Record(Unanswered("电动车在哪里上牌"));
  log_->Record(Hit("sbk.apply"));
  EXPECT_EQ(Rows("kb_unanswered"), 0);
  EXPECT_EQ(Rows("kb_answer_hits"), 0);
  ASSERT_TRUE(log_->Flush().ok());
  EXPECT_EQ(Rows("kb_unanswered"), 1);
  EXPECT_EQ(Rows("kb_answer_hits"), 1);
  // Stop writes what is left; later questions are dropped, not queued forever.
  log_->Record(Unanswered("电动车上牌去哪里"));
  log_->Stop();
  EXPECT_EQ(Rows("kb_unanswered"), 2);
  log_->Record(Unanswered("还有一个问题"));
  EXPECT_EQ(log_->dropped(), 1u);
}

TEST_F(AnswerLogTest, AFullQueueDropsAndCounts) {
  AnswerLogOptions o;
  o.max_pending = 2;
  log_ = Open(o);
  for (int i = 0; i < 5; ++i) log_->Record(Unanswered("问题" + std::to_string(i)));
  EXPECT_EQ(log_->dropped(), 3u);
  ASSERT_TRUE(log_->Flush().ok());
  EXPECT_EQ(Rows("kb_unanswered"), 2);
}

TEST_F(AnswerLogTest, JudgesAsTheMarginSays) {
  AnswerLogOptions o;
  o.low_confidence_below = 0.55;
  log_ = Open(o);
  EXPECT_EQ(log_->Judge(std::nullopt, 0.3), kAskedBack);
  EXPECT_EQ(log_->Judge("yb.remote_filing", 0.5), kLowConfidence);
  EXPECT_EQ(log_->Judge("yb.remote_filing", 0.55), "");
  EXPECT_EQ(log_->Judge("meta.greeting", 0.46), "");  // a greeting has nothing to learn
  KnowledgeConfig c;
  c.answer_threshold = 0.45;
  c.unanswered_margin = 0.2;
  EXPECT_DOUBLE_EQ(AnswerLogOptionsFrom(c).low_confidence_below, 0.65);
}

TEST_F(AnswerLogTest, ClustersListCountsChannelsReasonsExamplesAndALabel) {
  log_->Record(Unanswered("电动车在哪里上牌", kAskedBack, "web"));
  clock_.Advance(std::chrono::seconds(10));
  log_->Record(Unanswered("電動車在哪裡上牌", kLowConfidence, "voice"));
  clock_.Advance(std::chrono::seconds(10));
  log_->Record(Unanswered("电动车在哪里上牌", kHandedOver, "web"));
  log_->Record(Unanswered("燃气费怎么交", kUnhelpful, "api"));
  ASSERT_TRUE(log_->Flush().ok());
  auto open = log_->Clusters(kClusterOpen).value();
  ASSERT_EQ(open.size(), 2u);
  const UnansweredCluster& c = open[0];  // the largest first
  EXPECT_EQ(c.count, 3);
  EXPECT_EQ(c.first_ms, kBeforeMidnight);
  EXPECT_EQ(c.last_ms, kBeforeMidnight + 20000);
  EXPECT_EQ(c.channels.at("web"), 2);
  EXPECT_EQ(c.channels.at("voice"), 1);
  EXPECT_EQ(c.reasons.at(kAskedBack), 1);
  EXPECT_EQ(c.reasons.at(kLowConfidence), 1);
  EXPECT_EQ(c.reasons.at(kHandedOver), 1);
  EXPECT_EQ(c.examples.size(), 2u);  // distinct, newest first
  EXPECT_EQ(c.examples[0], "电动车在哪里上牌");
  EXPECT_EQ(c.label, "电动车在哪里上牌");
  EXPECT_EQ(open[1].count, 1);
  EXPECT_EQ(open[1].reasons.at(kUnhelpful), 1);
  EXPECT_EQ(log_->OpenClusters().value(), 2);
  EXPECT_EQ(log_->Cluster(c.id)->count, 3);
  EXPECT_EQ(log_->Cluster("uqnope").status().code(), Code::kNotFound);
  EXPECT_FALSE(log_->Clusters("later").ok());
}

TEST_F(AnswerLogTest, ClosingAClusterTakesItOffTheOpenListForGood) {
  Metrics metrics;
  log_->ExportGauge(metrics);
  log_->Record(Unanswered("燃气费怎么交"));
  clock_.Advance(std::chrono::seconds(1));
  log_->Record(Unanswered("养狗要办狗证吗"));
  ASSERT_TRUE(log_->Flush().ok());
  EXPECT_NE(metrics.RenderText().find("zhixian_kb_unanswered_open 2"), std::string::npos);
  std::string dog = log_->Clusters(kClusterOpen).value()[0].id;  // the latest of equal size
  EXPECT_EQ(log_->Close(dog, {"dismissed", "", 0, "", "u:1"}).code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->Close(dog, {"new_entry", "", 1, "", "u:1"}).code(), Code::kInvalidArgument);
  ASSERT_TRUE(log_->Close(dog, {"dismissed", "", 0, "不属于本热线", "u:1"}).ok());
  EXPECT_EQ(log_->Close(dog, {"dismissed", "", 0, "again", "u:1"}).code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(log_->Close("uqnope", {"dismissed", "", 0, "x", "u:1"}).code(), Code::kNotFound);
  auto dismissed = log_->Clusters(kClusterDismissed).value();
  ASSERT_EQ(dismissed.size(), 1u);
  EXPECT_EQ(dismissed[0].reason, "不属于本热线");
  EXPECT_EQ(dismissed[0].closed_by, "u:1");
  EXPECT_EQ(dismissed[0].closed_ms, kBeforeMidnight + 1000);
  EXPECT_EQ(dismissed[0].label, "养狗要办狗证吗");
  EXPECT_EQ(log_->OpenClusters().value(), 1);
  EXPECT_NE(metrics.RenderText().find("zhixian_kb_unanswered_open 1"), std::string::npos);
  // The same question again starts a new open cluster: the dismissal was about the old ones.
  log_->Record(Unanswered("在哪里办狗证"));
  ASSERT_TRUE(log_->Flush().ok());
  EXPECT_EQ(log_->OpenClusters().value(), 2);
  EXPECT_EQ(log_->Cluster(dog)->count, 1);
}

TEST_F(AnswerLogTest, AfterARestartQuestionsJoinTheClustersTheyJoinedBefore) {
  log_->Record(Unanswered("租房可以提取公积金吗"));
  log_->Record(Unanswered("燃气费怎么交"));
  log_->Stop();
  log_ = Open();
  log_->Record(Unanswered("租房能不能提公积金"));
  ASSERT_TRUE(log_->Flush().ok());
  auto open = log_->Clusters(kClusterOpen).value();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].count, 2);
}

TEST_F(AnswerLogTest, ThePersonalDataRegistriesNameTheSealedColumn) {
  ASSERT_EQ(AnswerLog::EncryptedColumns().size(), 1u);
  ASSERT_EQ(AnswerLog::RetentionRules().size(), 1u);
  EXPECT_EQ(AnswerLog::RetentionRules()[0].category, security::RetentionCategory::kTranscripts);
  for (const auto& c : AnswerLog::EncryptedColumns())
    EXPECT_TRUE(db_->Prepare("SELECT " + c.key_column + ", " + c.column + " FROM " + c.table).ok());
  for (const auto& r : AnswerLog::RetentionRules()) {
    std::string columns = r.timestamp_column;
    for (const auto& c : r.clear_columns) columns += ", " + c;
    EXPECT_TRUE(db_->Prepare("SELECT " + columns + " FROM " + r.table).ok()) << r.table;
  }
  // The value is sealed with the conventional associated data (keys reencrypt relies on it).
  log_->Record(Unanswered("电动车在哪里上牌"));
  ASSERT_TRUE(log_->Flush().ok());
  auto row = db_->Prepare("SELECT id, question_enc FROM kb_unanswered").value();
  ASSERT_TRUE(row.Step().value());
  EXPECT_TRUE(security::FieldCipher::LooksEncrypted(row.Text(1)));
  EXPECT_EQ(
      cipher_
          ->Decrypt(row.Text(1), security::FieldAad("kb_unanswered", "question_enc", row.Text(0)))
          .value(),
      "电动车在哪里上牌");
}

// The question is the citizen's words: numbers masked before anything else, the rest sealed.
TEST(AnswerLogFileTest, NoNumberOrQuestionIsStoredInClear) {
  FakeClock clock(kBeforeMidnight);
  auto dir = std::filesystem::temp_directory_path() / ("zx-answer-log-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "zhixian.db").string();
  auto cipher = std::make_shared<security::FieldCipher>(
      std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock)));
  {
    auto db = storage::Database::Open(path).value();
    auto log = AnswerLog::Open(*db, cipher, clock).value();
    AskedQuestion q;
    q.question = "我的电话13812345678，身份证110101199003078515，电动车在哪里上牌";
    q.channel = "web";
    q.unanswered = kAskedBack;
    log->Record(q);
    log->Stop();
    auto listed = log->Clusters(kClusterOpen).value();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].label, "我的电话138****5678，身份证110101********8515，电动车在哪里上牌");
  }
  std::string bytes;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    bytes += s.str();
  }
  ASSERT_FALSE(bytes.empty());
  EXPECT_NE(bytes.find("kb_unanswered"), std::string::npos);  // the file is the right one
  EXPECT_EQ(bytes.find("13812345678"), std::string::npos);
  EXPECT_EQ(bytes.find("110101199003078515"), std::string::npos);
  EXPECT_EQ(bytes.find("5678"), std::string::npos);  // not even masked: sealed
  EXPECT_EQ(bytes.find("电动车"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zx::knowledge
