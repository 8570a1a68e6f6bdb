// KnowledgeEngine::Explain (explanation.h): the same topic, confidence and reply as Ask for every
// phrasing of kb/, each normalisation step with its from/to, the query terms matched in the
// index, and the candidates with both rankers' ranks.
#include <gtest/gtest.h>

#include <algorithm>

#include "base/testing/temp_dir.h"
#include "knowledge/engine.h"
#include "knowledge/loader.h"

namespace zx::knowledge {
namespace {

class ExplainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new zx::testing::TempDir();
    auto kb = LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    EngineOptions o;
    o.work_dir = dir_->path();
    o.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
    auto e = KnowledgeEngine::Build(std::move(kb).value(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete dir_;
  }
  static bool HasCorrection(const Explanation& x, const std::string& kind, const std::string& from,
                            const std::string& to) {
    return std::any_of(
        x.steps.corrections.begin(), x.steps.corrections.end(),
        [&](const Correction& c) { return c.kind == kind && c.from == from && c.to == to; });
  }
  static inline KnowledgeEngine* engine_ = nullptr;
  static inline zx::testing::TempDir* dir_ = nullptr;
};

// The hit test must never tell a story other than the one citizens get.
TEST_F(ExplainTest, AgreesWithAskOnEveryPhrasingOfTheKnowledgeBase) {
  int checked = 0;
  for (const Entry& e : engine_->knowledge_base().entries) {
    for (const std::string& p : e.phrasings) {
      Answer a = engine_->Ask(p);
      Explanation x = engine_->Explain(p);
      ASSERT_EQ(x.answer.topic, a.topic) << p;
      ASSERT_EQ(x.answer.confidence, a.confidence) << p;
      ASSERT_EQ(x.answer.text, a.text) << p;
      ASSERT_EQ(x.answer.citations.size(), a.citations.size()) << p;
      ASSERT_EQ(x.answer.alternatives.size(), a.alternatives.size()) << p;
      for (size_t i = 0; i < a.alternatives.size(); ++i)
        ASSERT_EQ(x.answer.alternatives[i].topic, a.alternatives[i].topic) << p;
      ASSERT_EQ(x.answered, a.topic.has_value()) << p;
      ASSERT_FALSE(x.candidates.empty()) << p;
      ASSERT_EQ(x.candidates.front().confidence, x.confidence) << p;
      if (a.topic) {
        ASSERT_EQ(x.candidates.front().topic, *a.topic) << p;
        ASSERT_EQ(x.confidence, a.confidence) << p;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST_F(ExplainTest, ShowsEachNormalisationStep) {
  Explanation t2s = engine_->Explain("公積金能不能拿來付房租");
  EXPECT_EQ(t2s.steps.input, "公積金能不能拿來付房租");
  EXPECT_EQ(t2s.steps.simplified, "公积金能不能拿来付房租");
  EXPECT_TRUE(HasCorrection(t2s, "t2s", "積", "积"));
  EXPECT_TRUE(HasCorrection(t2s, "t2s", "來", "来"));

  // A misheard word corrected, then its canonical word added.
  Explanation homophone = engine_->Explain("退修金多少");
  EXPECT_EQ(homophone.steps.corrected, "退休金多少");
  EXPECT_EQ(homophone.normalized, "退休金多少");
  EXPECT_TRUE(HasCorrection(homophone, "homophone", "退修金", "退休金"));
  EXPECT_TRUE(HasCorrection(homophone, "synonym", "退休金", "养老金"));
  EXPECT_TRUE(
      HasCorrection(engine_->Explain("异地就医被案"), "homophone", "异地就医被案", "异地就医备案"));

  Explanation width = engine_->Explain("ＡＢＣ社保卡丢了？");
  EXPECT_TRUE(HasCorrection(width, "width", "ＡＢＣ", "abc"));
  EXPECT_TRUE(HasCorrection(width, "width", "？", "?"));

  Explanation synonym = engine_->Explain("退休金什么时候发");
  EXPECT_TRUE(HasCorrection(synonym, "synonym", "退休金", "养老金"));
  EXPECT_TRUE(std::any_of(synonym.terms.begin(), synonym.terms.end(), [](const QueryTerm& t) {
    return t.kind == "synonym" && t.text == "养老金";
  }));

  // Nothing to normalise or correct: only the synonym rewrites of kb/synonyms.tsv.
  Explanation plain = engine_->Explain("社保卡丢了怎么补办");
  EXPECT_EQ(plain.steps.input, plain.steps.corrected);
  for (const auto& c : plain.steps.corrections) EXPECT_EQ(c.kind, "synonym") << c.from;
}

TEST_F(ExplainTest, TermsAndCandidatesCarryTheirEvidence) {
  Explanation x = engine_->Explain("社保卡丢了，怎么挂失补办？");
  ASSERT_TRUE(x.answered);
  EXPECT_EQ(x.answer.topic, "sbk.loss");
  EXPECT_EQ(x.threshold, engine_->answer_threshold());
  EXPECT_GE(x.confidence, x.threshold);
  // Words and bigrams, each once; the ones the index holds are matched.
  bool word = false, bigram = false;
  for (const auto& t : x.terms) {
    word |= t.kind == "word" && t.text == "补办" && t.matched;
    bigram |= t.kind == "bigram" && t.text == "挂失" && t.matched;
    EXPECT_EQ(
        std::count_if(x.terms.begin(), x.terms.end(),
                      [&](const QueryTerm& o) { return o.text == t.text && o.kind == t.kind; }),
        1);
  }
  EXPECT_TRUE(word);
  EXPECT_TRUE(bigram);
  Explanation nonsense = engine_->Explain("zzqqxx");
  for (const auto& t : nonsense.terms) EXPECT_FALSE(t.matched) << t.text;

  ASSERT_GE(x.candidates.size(), 2u);
  EXPECT_LE(x.candidates.size(), 5u);
  const auto& best = x.candidates.front();
  EXPECT_EQ(best.title, engine_->knowledge_base().Find("sbk.loss")->title);
  EXPECT_GE(best.lexical_rank, 1);
  EXPECT_GT(best.lexical_score, 0);
  EXPECT_GE(best.classifier_rank, 1);
  EXPECT_GT(best.classifier_score, 0);
  EXPECT_FALSE(best.matched_terms.empty());
  for (const auto& term : best.matched_terms) {
    EXPECT_NE(term[0], '_');
    EXPECT_EQ(std::count(best.matched_terms.begin(), best.matched_terms.end(), term), 1);
  }
  for (size_t i = 1; i < x.candidates.size(); ++i)
    EXPECT_LE(x.candidates[i].confidence, x.candidates[i - 1].confidence);
  ASSERT_EQ(x.citations.size(), 1u);
  EXPECT_EQ(x.citations[0].id, "sbk.loss");
  EXPECT_EQ(x.citations[0].version, engine_->knowledge_base().Find("sbk.loss")->version);
}

TEST_F(ExplainTest, PushedTopicsShowWordsNotCharacterBigrams) {
  auto pushed = engine_->Suggest("租房可以提取公积金吗，一个月最多能取多少", 3);
  ASSERT_FALSE(pushed.empty());
  EXPECT_EQ(pushed[0].topic, "gjj.rent");
  const auto& words = pushed[0].matched_terms;
  EXPECT_NE(std::find(words.begin(), words.end(), "公积金"), words.end());
  // "取公" straddles two words: a character bigram, not a word the agent should read.
  EXPECT_EQ(std::find(words.begin(), words.end(), "取公"), words.end());
  auto x = engine_->Explain("租房可以提取公积金吗，一个月最多能取多少", 1);
  for (const auto& w : x.candidates.front().matched_words)
    EXPECT_NE(std::find(x.candidates.front().matched_terms.begin(),
                        x.candidates.front().matched_terms.end(), w),
              x.candidates.front().matched_terms.end())
        << w;
}

TEST_F(ExplainTest, AskingBackIsExplainedToo) {
  for (std::string q : {std::string(), std::string("那个"), std::string("\xff\xfe")}) {
    Explanation x = engine_->Explain(q);
    Answer a = engine_->Ask(q);
    EXPECT_EQ(x.answer.text, a.text);
    EXPECT_EQ(x.answered, a.topic.has_value());
    if (!x.answered) {
      EXPECT_LT(x.confidence, x.threshold);
    }
  }
}

}  // namespace
}  // namespace zx::knowledge
