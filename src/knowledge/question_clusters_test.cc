// Clustering of unanswered questions (knowledge/question_clusters.h) on paraphrases written for
// this test: traditional and simplified characters, homophone typos, other words for the same
// thing. Each group must end in one cluster of its own, and the unrelated questions alone. As in
// production, the knowledge base's phrasings are the background of the IDF.
#include "knowledge/question_clusters.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "knowledge/answer_log.h"
#include "knowledge/loader.h"
#include "text/normalizer.h"

namespace zx::knowledge {
namespace {

struct Labelled {
  std::string group;  // "" an unrelated question: must stay alone
  std::string text;
};

// Interleaved as citizens would ask them, not group by group.
const std::vector<Labelled> kQuestions = {
    {"ebike", "电动车在哪里上牌"},
    {"rent", "租房可以提取公积金吗"},
    {"dog", "养狗要办狗证吗"},
    {"", "今天天气怎么样"},
    {"newborn", "新生儿医保怎么办理"},
    {"ebike", "電動車在哪裡上牌"},  // traditional
    {"rent", "租房能不能提公积金"},
    {"noise", "楼上空调外机噪音太大"},
    {"dog", "在哪里办狗证"},
    {"", "燃气费怎么交"},
    {"ebike", "电动自行车上牌去哪里办"},
    {"rent", "租房提取公基金怎么弄"},  // 基 for 积
    {"newborn", "新生儿怎么参加医保"},
    {"noise", "空调外机噪音扰民怎么办"},
    {"dog", "办狗证需要什么材料"},
    {"ebike", "电动车上拍在哪办"},  // 拍 for 牌
    {"", "驾驶证扣分怎么查"},
    {"rent", "租房提取住房公積金"},     // traditional
    {"newborn", "新生兒醫保怎麼辦理"},  // traditional
    {"noise", "邻居空调外机噪声太吵"},
    {"", "垃圾分类怎么分"},
    {"dog", "狗证怎么办理"},
    {"newborn", "刚出生的新生儿怎么办医保"},
    {"", "你们几点下班"},
};

QuestionClusters::Normalize Simplified() {
  std::shared_ptr<const text::Normalizer> n = text::Normalizer::Create().value();
  return [n](std::string_view s) { return n->Normalize(s); };
}

// Clusters with the knowledge base's phrasings observed, as AnswerLog has them.
QuestionClusters WithBackground() {
  QuestionClusters clusters({}, Simplified());
  static const std::vector<std::string> background = [] {
    auto kb = LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
    EXPECT_TRUE(kb.ok()) << kb.status().ToString();
    return kb.ok() ? BackgroundQuestions(*kb) : std::vector<std::string>{};
  }();
  for (const auto& text : background) clusters.Observe(text);
  return clusters;
}

// Cluster of each question, by index.
std::vector<std::string> Place(QuestionClusters& clusters) {
  std::vector<std::string> out;
  for (size_t i = 0; i < kQuestions.size(); ++i)
    out.push_back(
        clusters.Place("q" + std::to_string(i), kQuestions[i].text, "c" + std::to_string(i)));
  return out;
}

TEST(QuestionClustersTest, ParaphrasesGroupTogetherAndUnrelatedQuestionsStayApart) {
  QuestionClusters clusters = WithBackground();
  std::vector<std::string> placed = Place(clusters);
  std::map<std::string, std::set<std::string>> clusters_of_group;
  std::map<std::string, std::set<std::string>> groups_of_cluster;
  for (size_t i = 0; i < kQuestions.size(); ++i) {
    const std::string group =
        kQuestions[i].group.empty() ? "alone" + std::to_string(i) : kQuestions[i].group;
    clusters_of_group[group].insert(placed[i]);
    groups_of_cluster[placed[i]].insert(group);
  }
  for (const auto& [group, cs] : clusters_of_group)
    EXPECT_EQ(cs.size(), 1u) << group << " is split over " << cs.size() << " clusters";
  for (const auto& [cluster, gs] : groups_of_cluster)
    EXPECT_EQ(gs.size(), 1u) << cluster << " mixes " << *gs.begin() << " and " << *gs.rbegin();
  EXPECT_EQ(clusters.open_clusters(), 5u + 5u);  // five groups, five questions alone
}

TEST(QuestionClustersTest, TheSameQuestionsInTheSameOrderGiveTheSameClusters) {
  QuestionClusters a = WithBackground(), b = WithBackground();
  std::vector<std::string> first = Place(a);
  EXPECT_EQ(first, Place(b));
}

TEST(QuestionClustersTest, TraditionalAndTyposAreCloseUnrelatedAreNot) {
  QuestionClusters clusters = WithBackground();
  Place(clusters);
  EXPECT_GT(clusters.Similarity("电动车在哪里上牌", "電動車在哪裡上牌"), 0.99);
  EXPECT_GT(clusters.Similarity("租房提取公积金", "租房提取公基金"), 0.5);
  EXPECT_LT(clusters.Similarity("燃气费怎么交", "垃圾分类怎么分"), 0.2);
}

TEST(QuestionClustersTest, AClosedClusterTakesNoMoreQuestions) {
  QuestionClusters clusters({}, Simplified());
  EXPECT_EQ(clusters.Place("a", "养狗要办狗证吗", "dog"), "dog");
  EXPECT_EQ(clusters.Place("b", "在哪里办狗证", "other"), "dog");
  clusters.Close("dog");
  EXPECT_EQ(clusters.open_clusters(), 0u);
  EXPECT_EQ(clusters.Place("c", "办狗证需要什么材料", "dog2"), "dog2");
  EXPECT_EQ(clusters.open_clusters(), 1u);
}

TEST(QuestionClustersTest, TheLabelIsTheMostCentralQuestion) {
  QuestionClusters clusters({}, Simplified());
  clusters.Add("ebike", "a", "电动车上牌");
  clusters.Add("ebike", "b", "电动车上牌去哪里办");  // has the words of both others
  clusters.Add("ebike", "c", "去哪里办");
  EXPECT_EQ(clusters.Central("ebike"), "b");
  EXPECT_EQ(clusters.Central("none"), "");
}

TEST(QuestionClustersTest, QuestionsWithoutWordsStartTheirOwnCluster) {
  QuestionClusters clusters({}, Simplified());
  EXPECT_EQ(clusters.Place("a", "？？？", "x"), "x");
  EXPECT_EQ(clusters.Place("b", "***", "y"), "y");
  EXPECT_EQ(clusters.Place("c", "Hotline hours", "z"), "z");
  EXPECT_EQ(clusters.Place("d", "hotline HOURS?", "w"), "z");  // ASCII words, any case
}

}  // namespace
}  // namespace zx::knowledge
