// KnowledgeEngine::Explain: Ask with its reasons (explanation.h), on Ask's own code path.
#include <algorithm>
#include <numeric>
#include <set>

#include "knowledge/engine.h"

namespace zx::knowledge {
namespace {

// 1-based ranks of `score` (higher is better) over the topics with a score above zero.
std::vector<int> RanksOf(const std::vector<double>& score) {
  std::vector<int> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return score[a] > score[b]; });
  std::vector<int> rank(score.size(), 0);
  for (size_t i = 0; i < order.size(); ++i)
    if (score[order[i]] > 0) rank[order[i]] = static_cast<int>(i) + 1;
  return rank;
}

}  // namespace

Explanation KnowledgeEngine::Explain(std::string_view question, int candidates) const {
  Explanation x;
  Analysis a = analyzer_->Analyze(question, &x.steps);
  Evidence evidence;
  std::vector<ScoredTopic> ranked = RankAnalysis(a, &evidence);
  x.answer = Compose(question, ranked);
  x.question = x.answer.question;
  x.normalized = a.normalized;
  x.threshold = options_.answer_threshold;
  x.confidence = ranked.empty() ? 0 : ranked.front().confidence;
  x.answered = x.answer.topic.has_value();

  // The query terms: the features once each, in order.
  std::set<std::string> known(evidence.index.known.begin(), evidence.index.known.end());
  std::set<std::string> words(a.words.begin(), a.words.end());
  std::set<std::string> synonyms(x.steps.synonym_words.begin(), x.steps.synonym_words.end());
  std::set<std::string> seen;
  for (const auto& f : a.features) {
    if (!seen.insert(f).second) continue;
    QueryTerm t;
    t.matched = known.contains(f);
    if (words.contains(f)) {
      t.text = f, t.kind = "word";
    } else if (synonyms.contains(f)) {
      t.text = f, t.kind = "synonym";
    } else if (f.size() > 1 && f[0] == '_') {
      t.text = f.substr(1), t.kind = "bigram";
    } else {
      t.text = f, t.kind = "word";
    }
    x.terms.push_back(std::move(t));
  }

  // The best topics with each ranker's rank and score.
  std::vector<double> lexical(kb_.entries.size(), 0.0);
  for (const auto& [topic, score] : evidence.index.best) lexical[topic] = score;
  std::vector<int> lexical_rank = RanksOf(lexical);
  std::vector<int> classifier_rank = RanksOf(evidence.classifier);
  for (int i = 0; i < candidates && i < static_cast<int>(ranked.size()); ++i) {
    const int t = ranked[i].topic;
    ExplainedCandidate c;
    c.topic = kb_.entries[t].id;
    c.title = kb_.entries[t].title;
    c.confidence = ranked[i].confidence;
    c.lexical_rank = lexical_rank[t];
    c.lexical_score = lexical[t];
    if (static_cast<size_t>(t) < evidence.classifier.size()) {
      c.classifier_rank = classifier_rank[t];
      c.classifier_score = evidence.classifier[t];
    }
    if (auto it = evidence.index.matched.find(t); it != evidence.index.matched.end())
      c.matched_terms = it->second;
    // As shown: bigrams without their mark, each text once (a word and its bigram are one).
    std::vector<std::string> shown;
    for (auto term : c.matched_terms) {
      bool bigram = term.size() > 1 && term[0] == '_';
      if (bigram) term.erase(0, 1);
      if (std::find(shown.begin(), shown.end(), term) == shown.end()) shown.push_back(term);
      if (!bigram &&
          std::find(c.matched_words.begin(), c.matched_words.end(), term) == c.matched_words.end())
        c.matched_words.push_back(term);
    }
    c.matched_terms = std::move(shown);
    x.candidates.push_back(std::move(c));
  }
  for (const auto& ci : x.answer.citations) {
    const Entry* e = kb_.Find(ci.id);
    x.citations.push_back({ci.id, ci.title, e ? e->version : 0});
  }
  return x;
}

std::vector<TopicSuggestion> KnowledgeEngine::Suggest(std::string_view question, int n) const {
  std::vector<TopicSuggestion> out;
  if (n <= 0) return out;
  // Words only, unless the question matched by bigrams alone (a typo, a rare term).
  for (auto& c : Explain(question, n).candidates)
    out.push_back({std::move(c.topic), std::move(c.title), c.confidence,
                   std::move(c.matched_words.empty() ? c.matched_terms : c.matched_words)});
  return out;
}

}  // namespace zx::knowledge
