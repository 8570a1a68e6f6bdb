// The hit tester (hit_test.h) over the engine of kb/: tests saved with their decision and what
// they should have hit, draft and as-of engines built once per knowledge base (the cache), check
// phrasings, and the batch test (batch_test.h): bad rows named by line and column, the same
// file twice (and as XLSX) giving the same numbers.
#include "knowledge/hit_test.h"

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"
#include "knowledge/loader.h"
#include "storage/testing/test_database.h"
#include "text/table_reader.h"
#include "text/table_writer.h"

namespace zx::knowledge {
namespace {

constexpr char kJieba[] = "/usr/lib/python3/dist-packages/jieba/dict.txt";

class HitTesterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new zx::testing::TempDir();
    auto kb = LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = new KnowledgeBase(*kb);
    EngineOptions o;
    o.work_dir = dir_->File("published");
    o.jieba_dict = kJieba;
    auto e = KnowledgeEngine::Build(std::move(kb).value(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete kb_;
    delete dir_;
  }

  void SetUp() override {
    db_ = std::move(storage::testing::OpenTestDatabase().value());
    store_ = std::move(KbTestStore::Open(*db_).value());
    draft_ = *kb_;
    HitTesterOptions options;
    options.engine.jieba_dict = kJieba;
    options.work_root = work_.path();
    options.cache_size = 2;
    tester_ = std::make_unique<HitTester>(
        *store_, FixedEngine(*engine_), [this] { return Result<KnowledgeBase>(draft_); },
        [this](std::string date) {
          dates_.push_back(date);
          return Result<KnowledgeBase>(*kb_);
        },
        [](std::string_view q, const Answer& a) {
          Handover h;
          if (q.find("跳楼") != std::string_view::npos) h = {true, "risk", "来电人流露自伤倾向"};
          if (a.topic == "meta.human") h = {true, "asked_for_human", "要求人工"};
          return h;
        },
        options, clock_);
  }

  static inline KnowledgeEngine* engine_ = nullptr;
  static inline KnowledgeBase* kb_ = nullptr;
  static inline zx::testing::TempDir* dir_ = nullptr;
  zx::testing::TempDir work_;
  FakeClock clock_{1796608800000};  // 2026-12-07 10:00 China time
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<KbTestStore> store_;
  KnowledgeBase draft_;
  std::vector<std::string> dates_;
  std::unique_ptr<HitTester> tester_;
};

TEST_F(HitTesterTest, SavesEachTestWithItsDecisionAndWhatItShouldHaveHit) {
  auto t = tester_->Run("社保卡丢了怎么补办？我电话13812345678", Source::kPublished, "", "ed1");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->record.decision, "answer");
  EXPECT_EQ(t->record.topic, "sbk.loss");
  EXPECT_EQ(t->record.source, "published");
  EXPECT_EQ(t->record.question.find("13812345678"), std::string::npos);  // masked at rest
  EXPECT_EQ(t->explanation.answer.topic, "sbk.loss");

  clock_.Advance(std::chrono::seconds(1));
  auto back = tester_->Run("那个", Source::kPublished, "", "ed1");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->record.decision, back->explanation.answered ? "answer" : "ask_back");
  clock_.Advance(std::chrono::seconds(1));
  auto risk = tester_->Run("社保卡丢了我想跳楼", Source::kPublished, "", "ed1");
  ASSERT_TRUE(risk.ok());
  EXPECT_EQ(risk->record.decision, "handover");
  EXPECT_EQ(risk->handover.reason_code, "risk");

  auto history = tester_->History(10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ(history->back().id, t->record.id);
  EXPECT_EQ(history->back().who, "ed1");

  auto marked = tester_->MarkExpected(back->record.id, "sbk.apply", "ed2");
  ASSERT_TRUE(marked.ok()) << marked.status().ToString();
  EXPECT_EQ(marked->expected, "sbk.apply");
  EXPECT_EQ(marked->expected_by, "ed2");
  EXPECT_EQ(tester_->MarkExpected(back->record.id, "no.such", "ed2").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(tester_->MarkExpected("ht-nope", "sbk.apply", "ed2").status().code(), Code::kNotFound);
}

TEST_F(HitTesterTest, DraftAndDateEnginesAreBuiltOncePerKnowledgeBase) {
  ASSERT_TRUE(tester_->Run("社保卡丢了怎么补办", Source::kDraft, "", "ed1").ok());
  ASSERT_TRUE(tester_->Run("社保卡怎么激活", Source::kDraft, "", "ed1").ok());
  EXPECT_EQ(tester_->builds(), 1);
  // The as-of engine of the same content is the same engine.
  auto dated = tester_->Run("社保卡丢了怎么补办", Source::kAsOf, "2026-01-01", "ed1");
  ASSERT_TRUE(dated.ok());
  EXPECT_EQ(dated->record.as_of, "2026-01-01");
  EXPECT_EQ(tester_->builds(), 1);
  ASSERT_EQ(dates_.size(), 1u);
  // A changed draft: a new engine that answers the new text.
  for (auto& e : draft_.entries)
    if (e.id == "sbk.loss") e.answer = "草稿答案：请到任一网点挂失补办。";
  auto changed = tester_->Run("社保卡丢了怎么补办", Source::kDraft, "", "ed1");
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(tester_->builds(), 2);
  EXPECT_NE(changed->explanation.answer.text.find("草稿答案"), std::string::npos);
  // Today by the clock when no date is given; a bad date refused.
  auto today = tester_->Run("社保卡丢了怎么补办", Source::kAsOf, "", "ed1");
  ASSERT_TRUE(today.ok());
  EXPECT_EQ(today->record.as_of, "2026-12-07");
  EXPECT_EQ(tester_->Run("x", Source::kAsOf, "2026-02-30", "ed1").status().code(),
            Code::kInvalidArgument);
}

TEST_F(HitTesterTest, CheckPhrasingsListsThoseThatRouteElsewhere) {
  Entry entry = *kb_->Find("sbk.loss");
  entry.phrasings.push_back("公积金贷款能贷多少？");
  auto checks = tester_->CheckPhrasings(entry);
  ASSERT_TRUE(checks.ok()) << checks.status().ToString();
  ASSERT_EQ(checks->size(), entry.phrasings.size());
  EXPECT_TRUE(checks->front().ok);
  EXPECT_EQ(checks->front().topic, "sbk.loss");
  EXPECT_FALSE(checks->back().ok);
  EXPECT_NE(checks->back().topic, "sbk.loss");
  Entry empty = entry;
  empty.phrasings.clear();
  EXPECT_EQ(tester_->CheckPhrasings(empty).status().code(), Code::kInvalidArgument);
}

constexpr char kBatch[] =
    "question\texpected\n"
    "社保卡丢了怎么补办\tsbk.loss\n"
    "公积金贷款最多贷多少\tgjj.loan\n"
    "\tsbk.loss\n"
    "社保卡丢了怎么补办\tno.such_topic\n"
    "公积金贷款最多贷多少\tsbk.loss\n"
    "那个\tsbk.apply\n";

TEST_F(HitTesterTest, BatchTestNamesBadRowsAndGivesTheSameNumbersTwice) {
  auto first = tester_->Batch(kBatch, "q.tsv", Source::kPublished, "", "ed1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const BatchSummary& s = first->summary;
  EXPECT_EQ(s.total, 4);
  EXPECT_GE(s.top1, 2);
  EXPECT_GE(s.confident_wrong, 1);  // 公积金贷款 is answered, not as sbk.loss
  ASSERT_EQ(first->errors.size(), 2u);
  EXPECT_EQ(first->errors[0].line, 4u);
  EXPECT_EQ(first->errors[0].column, 1);
  EXPECT_EQ(first->errors[1].line, 5u);
  EXPECT_EQ(first->errors[1].column, 2);
  EXPECT_NE(first->errors[1].message.find("no.such_topic"), std::string::npos);
  ASSERT_EQ(first->results.size(), 4u);
  EXPECT_EQ(first->results[0].line, 2u);

  auto second = tester_->Batch(kBatch, "q.tsv", Source::kPublished, "", "ed1");
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->summary.id, s.id);
  EXPECT_EQ(second->summary.top1, s.top1);
  EXPECT_EQ(second->summary.confident_wrong, s.confident_wrong);
  EXPECT_EQ(second->summary.asked_back, s.asked_back);
  for (size_t i = 0; i < first->results.size(); ++i) {
    EXPECT_EQ(second->results[i].got, first->results[i].got);
    EXPECT_EQ(second->results[i].confidence, first->results[i].confidence);
  }

  // The same questions as XLSX and as CSV without a header: the same numbers.
  text::SheetTable sheet{"q", {"问题", "期望主题"}, {}};
  std::string csv;
  for (const auto& r : first->results) {
    std::string q = r.question;
    sheet.rows.push_back({q, r.expected});
    csv += "\"" + q + "\"," + r.expected + "\r\n";
  }
  auto xlsx = text::WriteXlsx({sheet});
  ASSERT_TRUE(xlsx.ok());
  for (const std::string& file : {*xlsx, csv}) {
    auto again = tester_->Batch(file, "q", Source::kPublished, "", "ed1");
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->summary.total, s.total);
    EXPECT_EQ(again->summary.top1, s.top1);
    EXPECT_EQ(again->summary.confident_wrong, s.confident_wrong);
    EXPECT_TRUE(again->errors.empty());
  }

  // Stored whole, and written out as a workbook that reads back.
  auto stored = tester_->BatchReportOf(s.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->summary.top1, s.top1);
  EXPECT_EQ(stored->results.size(), 4u);
  EXPECT_EQ(stored->errors.size(), 2u);
  auto out = BatchXlsx(*stored);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::string path = work_.File("out.xlsx");
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(out->data(), 1, out->size(), f);
    std::fclose(f);
  }
  auto table = text::ReadXlsx(path);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->rows.size(), 4u);

  EXPECT_EQ(tester_->Batch("just words", "q", Source::kPublished, "", "ed1").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(tester_->BatchReportOf("bt-nope").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace zx::knowledge
