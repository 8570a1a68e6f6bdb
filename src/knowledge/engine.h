// KnowledgeEngine: the text assistant. Ranks topics for a question by combining the classifier's
// probabilities with BM25 evidence from the index into one calibrated confidence, then answers
// from the best entry with its citation, or asks back offering the likeliest topics when the
// confidence is below the threshold. Thread-safe; built once at start-up.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "knowledge/analyzer.h"
#include "knowledge/answer.h"
#include "knowledge/classifier.h"
#include "knowledge/entry.h"
#include "knowledge/explanation.h"
#include "knowledge/index.h"
#include "knowledge/knowledge_config.h"

namespace zx::knowledge {

struct EngineOptions {
  std::string work_dir;            // index and classifier files (under the data directory)
  std::string model_dir;           // classifier models kept across processes; "": none kept
  std::string jieba_dict;          // general word list for segmentation; may be empty
  double answer_threshold = 0.45;  // below: ask back
  int alternatives = 3;
};

// The options of the [knowledge] section, with the engine's files under `work_dir`.
EngineOptions EngineOptionsFrom(const KnowledgeConfig& config, std::string work_dir);

struct ScoredTopic {
  int topic;  // index into the knowledge base's entries
  double confidence;
};

class KnowledgeEngine final : public Assistant {
 public:
  static Result<std::unique_ptr<KnowledgeEngine>> Build(KnowledgeBase kb,
                                                        const EngineOptions& options);
  // Builds into `dir` (options.work_dir is ignored), a directory of this engine's own: engines
  // built while another serves never share files. The directory goes with the engine, when the
  // last reference to it is let go (never under a request still using it), and at once when
  // the build fails.
  static Result<std::shared_ptr<const KnowledgeEngine>> BuildInOwnDirectory(KnowledgeBase kb,
                                                                            EngineOptions options,
                                                                            const std::string& dir);
  Answer Ask(std::string_view question) const override;
  // Explain's best candidates with the words each matched.
  std::vector<TopicSuggestion> Suggest(std::string_view question, int n) const override;
  // All topics with evidence, best first; confidences sum to at most 1.
  std::vector<ScoredTopic> Rank(std::string_view question) const;
  // Ask with its reasons (the hit test): the same analysis, ranking and reply as Ask, with each
  // step's text, the query terms, the best `candidates` topics with both rankers' evidence.
  Explanation Explain(std::string_view question, int candidates = 5) const;
  double answer_threshold() const { return options_.answer_threshold; }
  const KnowledgeBase& knowledge_base() const { return kb_; }
  const Analyzer& analyzer() const { return *analyzer_; }
  const Index& index() const { return *index_; }

 private:
  KnowledgeEngine() = default;
  // The evidence behind a ranking: the classifier's probabilities and the index's hits.
  struct Evidence {
    std::vector<double> classifier;
    IndexHits index;
  };
  std::vector<ScoredTopic> RankAnalysis(const Analysis& a, Evidence* evidence = nullptr) const;
  Answer Compose(std::string_view question, const std::vector<ScoredTopic>& ranked) const;
  KnowledgeBase kb_;
  EngineOptions options_;
  std::unique_ptr<Analyzer> analyzer_;
  std::unique_ptr<Index> index_;
  std::unique_ptr<Classifier> classifier_;
};

}  // namespace zx::knowledge
