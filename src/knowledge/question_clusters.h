// QuestionClusters: groups similar citizen questions, incrementally, so that the knowledge team
// sees "what was asked that we could not answer" as a short list of subjects instead of every
// question (issue 14 point 7; knowledge/answer_log.h keeps them).
//
// A question is its TF-IDF vector over features of its normalised text: character bigrams and
// single characters of each run of Han characters (an ASCII word counts whole), and bigrams of
// the characters' toneless pinyin (text/pinyin.h) at half weight, which make homophone
// typos (公基金 for 公积金, 医宝 for 医保) look alike. A cluster is the sum of its members'
// unit-length term-frequency vectors; IDF is applied when comparing, from every question seen so
// far and the background texts observed (Observe: e.g. the knowledge base's phrasings, so that
// 怎么 and 办理 weigh little from the first question on). A new question joins the open cluster
// whose centroid is most similar (cosine), when that similarity reaches the threshold, else it
// starts a new cluster.
//
// Deterministic: the same questions placed in the same order give the same clusters (ties go to
// the cluster created first). Not thread-safe: one owner (AnswerLog holds it under its lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace zx::knowledge {

// The defaults are tuned on bench/knowledge/unanswered_questions.tsv with the knowledge base's
// phrasings as background (bench_unanswered prints the neighbours).
struct ClusterOptions {
  double threshold = 0.2;       // cosine at or above which a question joins a cluster
  double unigram_weight = 1.0;  // weight of single characters against bigrams (1)
  double pinyin_weight = 0.5;   // weight of pinyin bigrams; 0: none
  size_t max_members = 200;     // members a cluster keeps for choosing its label (the first ones)
};

class QuestionClusters {
 public:
  // `normalize` turns raw text into the form compared (traditional -> simplified, full width ->
  // half width, ...); empty: the text as given.
  using Normalize = std::function<std::string(std::string_view)>;
  explicit QuestionClusters(ClusterOptions options = {}, Normalize normalize = {});

  // Places question `member` (an id of the caller's) with text `text`: returns the id of the
  // open cluster it joined, or `new_cluster` when it started one. A text without any letter or
  // digit starts its own cluster.
  std::string Place(const std::string& member, std::string_view text,
                    const std::string& new_cluster);
  // Adds question `member` to cluster `cluster` (created, open, when new): for reloading.
  void Add(const std::string& cluster, const std::string& member, std::string_view text);
  // Counts `text` in the document frequencies only: background text, or a question of a closed
  // cluster, reloaded.
  void Observe(std::string_view text);
  // The cluster no longer takes questions (resolved or dismissed); no-op when unknown.
  void Close(const std::string& cluster);

  // The member of `cluster` nearest its centroid (its label); "" when unknown or empty.
  std::string Central(const std::string& cluster) const;
  // Cosine similarity of two texts under the current IDF (for tests and tuning).
  double Similarity(std::string_view a, std::string_view b) const;
  size_t open_clusters() const { return open_; }
  int64_t questions_seen() const { return docs_; }

 private:
  using Vec = std::vector<std::pair<int, double>>;  // term id -> weight, sorted by term id
  struct Cluster {
    std::string id;
    bool open = true;
    std::unordered_map<int, double> sum;  // sum of members' unit tf vectors
    std::vector<std::pair<std::string, Vec>> members;
  };

  Vec Features(std::string_view text, bool intern);
  Vec FeaturesConst(std::string_view text) const;
  void Count(const Vec& v);
  double Idf(int term) const;
  double ClusterCosine(const Vec& q, const Cluster& c) const;
  void Join(Cluster& c, const std::string& member, const Vec& v);
  Cluster& Create(const std::string& id);

  ClusterOptions options_;
  Normalize normalize_;
  std::unordered_map<std::string, int> terms_;
  std::vector<int64_t> df_;                 // by term id
  std::vector<std::vector<int>> postings_;  // term id -> clusters (indexes) holding it
  std::vector<Cluster> clusters_;           // in creation order
  std::unordered_map<std::string, size_t> by_id_;
  int64_t docs_ = 0;
  size_t open_ = 0;
};

}  // namespace zx::knowledge
