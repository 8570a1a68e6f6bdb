#include "knowledge/engine.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "text/normalizer.h"

namespace zx::knowledge {
namespace {

// Weight of the classifier against BM25 in the combined score, and the softmax temperature that
// turns relative BM25 scores into a distribution over topics.
constexpr double kClassifierWeight = 0.6;
constexpr double kBm25Temperature = 0.12;

}  // namespace

Result<std::shared_ptr<const KnowledgeEngine>> KnowledgeEngine::BuildInOwnDirectory(
    KnowledgeBase kb, EngineOptions options, const std::string& dir) {
  namespace fs = std::filesystem;
  options.work_dir = dir;
  auto built = Build(std::move(kb), options);
  if (!built.ok()) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    return built.status();
  }
  return std::shared_ptr<const KnowledgeEngine>(built->release(), [dir](const KnowledgeEngine* e) {
    delete e;
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  });
}

Result<std::unique_ptr<KnowledgeEngine>> KnowledgeEngine::Build(KnowledgeBase kb,
                                                                const EngineOptions& options) {
  std::unique_ptr<KnowledgeEngine> e(new KnowledgeEngine());
  e->kb_ = std::move(kb);
  e->options_ = options;
  if (e->kb_.entries.empty()) return InvalidArgument("the knowledge base has no entries");
  ZX_ASSIGN_OR_RETURN(e->analyzer_, Analyzer::Create(e->kb_, {options.jieba_dict}));
  ZX_ASSIGN_OR_RETURN(e->index_,
                      Index::Build(e->kb_, *e->analyzer_,
                                   (std::filesystem::path(options.work_dir) / "xapian").string()));
  ZX_ASSIGN_OR_RETURN(e->classifier_, Classifier::Train(e->kb_, *e->analyzer_, options.work_dir,
                                                        options.model_dir));
  return e;
}

std::vector<ScoredTopic> KnowledgeEngine::RankAnalysis(const Analysis& a,
                                                       Evidence* evidence) const {
  std::vector<ScoredTopic> out;
  if (a.features.empty()) return out;
  std::vector<double> score = classifier_->Predict(a.features);
  IndexHits hits;
  if (evidence) {
    hits = index_->SearchExplained(a.features);
    evidence->classifier = score;
  } else {
    hits.best = index_->Search(a.features);
  }
  const auto& bm25 = hits.best;
  double top = 0;
  for (const auto& [t, s] : bm25) top = std::max(top, s);
  if (top > 0) {
    std::vector<double> bm(score.size(), 0.0);
    double sum = 0;
    for (const auto& [t, s] : bm25) sum += bm[t] = std::exp((s / top - 1.0) / kBm25Temperature);
    for (size_t t = 0; t < score.size(); ++t)
      score[t] = kClassifierWeight * score[t] + (1 - kClassifierWeight) * bm[t] / sum;
  } else {
    // Nothing in the question matches the knowledge base's words: only the classifier's
    // (weak) prior speaks, and at half weight, so the assistant asks back.
    for (double& s : score) s *= kClassifierWeight;
  }
  for (size_t t = 0; t < score.size(); ++t)
    if (score[t] > 1e-4) out.push_back({static_cast<int>(t), score[t]});
  std::sort(out.begin(), out.end(),
            [](const ScoredTopic& x, const ScoredTopic& y) { return x.confidence > y.confidence; });
  if (evidence) evidence->index = std::move(hits);
  return out;
}

std::vector<ScoredTopic> KnowledgeEngine::Rank(std::string_view question) const {
  return RankAnalysis(analyzer_->Analyze(question));
}

Answer KnowledgeEngine::Ask(std::string_view question) const {
  return Compose(question, RankAnalysis(analyzer_->Analyze(question)));
}

Answer KnowledgeEngine::Compose(std::string_view question,
                                const std::vector<ScoredTopic>& ranked) const {
  Answer answer;
  answer.question = text::SanitizeUtf8(question);
  int n_alt = std::min<int>(options_.alternatives, static_cast<int>(ranked.size()));

  if (ranked.empty()) {
    answer.text = "您好，请问您想咨询什么问题？可以直接说出您要办的事，比如“社保卡丢了怎么办”。";
    return answer;
  }
  const ScoredTopic& best = ranked.front();
  if (best.confidence >= options_.answer_threshold) {
    const Entry& e = kb_.entries[best.topic];
    answer.topic = e.id;
    answer.confidence = best.confidence;
    answer.text = e.answer;
    if (e.kind != "meta") {
      answer.basis = "（依据：" + e.source + "《" + e.title + "》）";
      answer.text += "\n" + answer.basis;
      answer.citations.push_back({e.id, e.title, e.version});
    }
    for (int i = 1; i <= n_alt && i < static_cast<int>(ranked.size()); ++i)
      answer.alternatives.push_back({kb_.entries[ranked[i].topic].id, ranked[i].confidence});
    return answer;
  }
  // Not sure enough: offer the likeliest topics instead of guessing.
  answer.confidence = best.confidence;
  answer.text = "抱歉，我还不确定您想问的是哪件事。您是想咨询：";
  int shown = 0;
  for (int i = 0; i < n_alt; ++i) {
    const Entry& e = kb_.entries[ranked[i].topic];
    answer.alternatives.push_back({e.id, ranked[i].confidence});
    if (e.id == "meta.out_of_scope") continue;
    answer.text += (shown ? "；" : "") + std::to_string(shown + 1) + ". " + e.title;
    ++shown;
  }
  answer.text += shown ? "？请回复序号，或换个说法再问一次。"
                       : "政务服务方面的问题吗？本热线可解答社保、医保、公积金、户籍、投诉等问题。";
  return answer;
}

EngineOptions EngineOptionsFrom(const KnowledgeConfig& config, std::string work_dir) {
  EngineOptions options;
  options.work_dir = std::move(work_dir);
  options.model_dir = config.model_dir;
  options.jieba_dict = config.jieba_dict;
  options.answer_threshold = config.answer_threshold;
  options.alternatives = config.alternatives;
  return options;
}

}  // namespace zx::knowledge
