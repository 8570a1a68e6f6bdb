#include "knowledge/bm25.h"

#include <algorithm>
#include <cmath>

namespace zx::knowledge {
namespace {

// Xapian::BM25Weight's defaults.
constexpr double kK1 = 1, kB = 0.5, kMinNormLen = 0.5;

}  // namespace

void Bm25Postings::Add(const std::vector<std::string>& terms, int topic) {
  const int doc = static_cast<int>(topic_of_.size());
  topic_of_.push_back(topic);
  unsigned length = 0;
  for (const auto& term : terms) {
    if (term.empty() || term.size() >= 200) continue;
    auto [it, added] = term_ids_.try_emplace(term, static_cast<int>(adding_.size()));
    if (added) adding_.emplace_back();
    auto& list = adding_[it->second];
    if (!list.empty() && list.back().first == doc)
      ++list.back().second;
    else
      list.emplace_back(doc, 1);
    ++length;
  }
  lengths_.push_back(length);
}

void Bm25Postings::Finish() {
  // As Xapian::BM25Weight::init and get_sumpart, with wqf = 1 and factor = 1.
  const double n = static_cast<double>(topic_of_.size());
  double total = 0;
  for (unsigned l : lengths_) total += l;
  double len_factor = total == 0 ? 0 : total / n;
  if (len_factor != 0) len_factor = 1 / len_factor;
  starts_.assign(1, 0);
  postings_.clear();
  for (const auto& list : adding_) {
    const double tf = static_cast<double>(list.size());
    double tw = (n - tf + 0.5) / (tf + 0.5);
    if (tw < 2) tw = tw * 0.5 + 1;
    const double termweight = std::log(tw) * (kK1 + 1);
    for (const auto& [doc, wdf] : list) {
      const double normlen = std::max(lengths_[doc] * len_factor, kMinNormLen);
      const double w = wdf;
      postings_.push_back({doc, termweight * (w / (kK1 * (normlen * kB + (1 - kB)) + w))});
    }
    starts_.push_back(postings_.size());
  }
  adding_.clear();
  adding_.shrink_to_fit();
}

int Bm25Postings::TermId(const std::string& term) const {
  auto it = term_ids_.find(term);
  return it == term_ids_.end() ? -1 : it->second;
}

bool Bm25Postings::Holds(int document, int term_id) const {
  auto begin = postings_.begin() + starts_[term_id], end = postings_.begin() + starts_[term_id + 1];
  auto it = std::lower_bound(begin, end, document,
                             [](const Posting& p, int d) { return p.document < d; });
  return it != end && it->document == document;
}

Bm25Postings::Hits Bm25Postings::Search(const std::vector<std::string>& terms) const {
  Hits hits;
  // The distinct known terms (an OR of each term once, as the Xapian query).
  std::vector<int> ids;
  ids.reserve(terms.size());
  for (const auto& term : terms)
    if (int id = TermId(term); id >= 0) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.empty()) return hits;

  // Scores of the matching documents; -1 marks a document no term matched.
  std::vector<double> score(topic_of_.size(), -1.0);
  std::vector<int> matched;
  for (int id : ids) {
    for (size_t i = starts_[id]; i < starts_[id + 1]; ++i) {
      const Posting& p = postings_[i];
      double& s = score[p.document];
      if (s < 0) {
        s = 0;
        matched.push_back(p.document);
      }
      s += p.weight;
    }
  }
  // Xapian's order: by weight, then by document id (the order of addition).
  auto better = [&](int x, int y) { return score[x] != score[y] ? score[x] > score[y] : x < y; };
  const size_t top = std::min<size_t>(kTopDocuments, matched.size());
  // `better` is a strict total order (ties go by document id), so selecting the top first and
  // sorting only those gives partial_sort's result in linear rather than n log k time.
  std::nth_element(matched.begin(), matched.begin() + top, matched.end(), better);
  std::sort(matched.begin(), matched.begin() + top, better);
  for (size_t i = 0; i < top; ++i) {
    const int doc = matched[i];
    const int topic = topic_of_[doc];
    auto [it, first] = hits.best.try_emplace(topic, score[doc]);
    if (first) hits.best_document[topic] = doc;  // rank order: the first is the best
  }
  return hits;
}

}  // namespace zx::knowledge
