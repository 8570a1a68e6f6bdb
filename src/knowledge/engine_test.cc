#include "knowledge/engine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "knowledge/loader.h"
#include "knowledge/store.h"

namespace zx::knowledge {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kb = LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    work_ = std::filesystem::temp_directory_path() / ("zx-engine-test-" + std::to_string(getpid()));
    EngineOptions o;
    o.work_dir = work_.string();
    o.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
    auto e = KnowledgeEngine::Build(std::move(kb).value(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    std::filesystem::remove_all(work_);
  }
  static std::string Topic(const std::string& q) {
    auto a = engine_->Ask(q);
    return a.topic.value_or("(asked back)");
  }
  static inline KnowledgeEngine* engine_ = nullptr;
  static inline std::filesystem::path work_;
};

TEST_F(EngineTest, AnswersPlainQuestionsWithCitation) {
  auto a = engine_->Ask("社保卡丢了，怎么挂失补办？");
  ASSERT_TRUE(a.topic.has_value()) << a.text;
  EXPECT_EQ(*a.topic, "sbk.loss");
  ASSERT_EQ(a.citations.size(), 1u);
  EXPECT_EQ(a.citations[0].id, "sbk.loss");
  EXPECT_GE(a.confidence, 0.45);
  EXPECT_NE(a.text.find("依据"), std::string::npos);
}

TEST_F(EngineTest, UnderstandsColloquialTraditionalAndMisheard) {
  EXPECT_EQ(Topic("被公司炒鱿鱼了，能赔我几个月工资"), "ld.severance");
  EXPECT_EQ(Topic("公積金能不能拿來付房租"), "gjj.rent");
  EXPECT_EQ(Topic("失叶金一个月发多少钱"), "sy.amount");
  EXPECT_EQ(Topic("公基金贷款最多贷多少"), "gjj.loan");
}

TEST_F(EngineTest, RecognisesQuestionsOutsideGovernmentServices) {
  EXPECT_EQ(Topic("明天哪只股票会涨停"), "meta.out_of_scope");
}

TEST_F(EngineTest, HostileInputGetsASensibleReply) {
  for (std::string q : {std::string(), std::string("   "), std::string("😀😀😀"),
                        std::string("\xff\xfe\x80"), std::string(5000, 'a')}) {
    auto a = engine_->Ask(q);
    EXPECT_FALSE(a.text.empty());
    EXPECT_LE(a.confidence, 1.0);
  }
  auto empty = engine_->Ask("");
  EXPECT_FALSE(empty.topic.has_value());
}

TEST_F(EngineTest, AsksBackWithAlternativesWhenUnsure) {
  auto a = engine_->Ask("那个");
  if (!a.topic) {
    EXPECT_FALSE(a.alternatives.empty());
    EXPECT_LT(a.confidence, 0.45);
  }
}

TEST_F(EngineTest, ConfidencesAreOrderedAndBounded) {
  auto ranked = engine_->Rank("异地就医备案在哪里办");
  ASSERT_FALSE(ranked.empty());
  double sum = 0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    sum += ranked[i].confidence;
    if (i) {
      EXPECT_GE(ranked[i - 1].confidence, ranked[i].confidence);
    }
  }
  EXPECT_LE(sum, 1.0 + 1e-3);
  EXPECT_EQ(engine_->knowledge_base().entries[ranked[0].topic].id, "yb.remote_filing");
}

TEST(Store, RoundTripsTheKnowledgeBaseThroughSqlite) {
  auto kb = LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
  ASSERT_TRUE(kb.ok());
  auto db = storage::Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(MigrateKnowledge(**db).ok());
  ASSERT_TRUE(SaveKnowledgeBase(**db, *kb).ok());
  ASSERT_TRUE(SaveKnowledgeBase(**db, *kb).ok());  // reload replaces
  auto back = ReadKnowledgeBase(**db);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->entries.size(), kb->entries.size());
  for (size_t i = 0; i < kb->entries.size(); ++i) {
    EXPECT_EQ(back->entries[i].id, kb->entries[i].id);
    EXPECT_EQ(back->entries[i].phrasings, kb->entries[i].phrasings);
    EXPECT_EQ(back->entries[i].colloquial, kb->entries[i].colloquial);
  }
  EXPECT_EQ(back->synonyms.size(), kb->synonyms.size());
  for (size_t i = 0; i < kb->synonyms.size() && i < back->synonyms.size(); ++i) {
    EXPECT_EQ(back->synonyms[i].canonical, kb->synonyms[i].canonical);
    EXPECT_EQ(back->synonyms[i].variants, kb->synonyms[i].variants);  // in file order
  }
  // Saved twice: each (id, version) is recorded once.
  auto versions = (*db)->Prepare("SELECT count(*) FROM kb_entry_versions");
  ASSERT_TRUE(versions.ok());
  ASSERT_TRUE(*versions->Step());
  EXPECT_EQ(versions->Int(0), static_cast<int64_t>(kb->entries.size()));
  EXPECT_EQ(back->departments, kb->departments);
  EXPECT_EQ(back->DepartmentName("ybj"), "示例市医疗保障局");
}

TEST(Store, StartUpLoadsTheFilesIntoTheDatabaseAndReadsThemBack) {
  auto db = std::move(storage::Database::Open(":memory:").value());
  auto kb = LoadIntoDatabase(*db, std::string(ZX_SOURCE_DIR) + "/kb");
  ASSERT_TRUE(kb.ok()) << kb.status().ToString();
  EXPECT_EQ(kb->entries.size(), 90u);
  auto stored = ReadKnowledgeBase(*db);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->entries.size(), kb->entries.size());
  EXPECT_EQ(LoadIntoDatabase(*db, "/nonexistent/kb").status().code(),
            LoadKnowledgeBase("/nonexistent/kb").status().code());
}

TEST(EngineOptionsTest, TakesTheKnowledgeSection) {
  KnowledgeConfig config;
  config.answer_threshold = 0.6;
  config.alternatives = 5;
  config.jieba_dict = "dict.txt";
  EngineOptions o = EngineOptionsFrom(config, "/data/index");
  EXPECT_EQ(o.work_dir, "/data/index");
  EXPECT_EQ(o.jieba_dict, "dict.txt");
  EXPECT_EQ(o.answer_threshold, 0.6);
  EXPECT_EQ(o.alternatives, 5);
}

}  // namespace
}  // namespace zx::knowledge
