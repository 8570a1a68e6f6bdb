#include "knowledge/engine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "knowledge/loader.h"

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
