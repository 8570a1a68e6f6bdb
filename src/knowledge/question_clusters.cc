#include "knowledge/question_clusters.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "text/pinyin.h"
#include "text/utf8.h"

namespace zx::knowledge {
namespace {

// Below this many questions every term may find candidates; above it, terms in more than
// kCommonShare of all questions (怎么, 请问) are too common to find candidates with (they still
// count in the similarity).
constexpr int64_t kCommonAfter = 50;
constexpr double kCommonShare = 0.2;

bool IsAsciiAlnum(char32_t c) { return text::utf8::IsAsciiDigit(c) || text::utf8::IsAsciiAlpha(c); }

// Features of one text as (name, weight) pairs, repeated names summed by the caller.
std::vector<std::pair<std::string, double>> RawFeatures(std::string_view s,
                                                        const ClusterOptions& o) {
  std::vector<std::pair<std::string, double>> out;
  const text::utf8::CodePoints t = text::utf8::Decode(s);
  size_t i = 0;
  while (i < t.size()) {
    if (text::utf8::IsHan(t.cp[i])) {
      size_t j = i;
      while (j < t.size() && text::utf8::IsHan(t.cp[j])) ++j;
      std::string_view run = s.substr(t.offset[i], t.offset[j] - t.offset[i]);
      std::vector<std::string> py =
          o.pinyin_weight > 0 ? text::Pinyin(run) : std::vector<std::string>{};
      for (size_t k = i; k < j; ++k) {
        std::string_view c = s.substr(t.offset[k], t.offset[k + 1] - t.offset[k]);
        // A lone character is all the evidence its run has: full weight.
        out.emplace_back("u" + std::string(c), j - i == 1 ? 1.0 : o.unigram_weight);
        if (k + 1 < j) {
          out.emplace_back("b" + std::string(s.substr(t.offset[k], t.offset[k + 2] - t.offset[k])),
                           1.0);
          if (py.size() == j - i)
            out.emplace_back("p" + py[k - i] + " " + py[k + 1 - i], o.pinyin_weight);
        }
      }
      i = j;
    } else if (IsAsciiAlnum(t.cp[i])) {
      std::string word;
      while (i < t.size() && IsAsciiAlnum(t.cp[i])) {
        char32_t c = t.cp[i++];
        word.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
      }
      out.emplace_back("w" + word, 1.0);
    } else {
      ++i;  // punctuation, spaces, masked digits ('*'), symbols: separators
    }
  }
  return out;
}

void UnitLength(std::vector<std::pair<int, double>>* v) {
  double n = 0;
  for (const auto& [t, w] : *v) n += w * w;
  if (n <= 0) return;
  n = std::sqrt(n);
  for (auto& [t, w] : *v) w /= n;
}

}  // namespace

QuestionClusters::QuestionClusters(ClusterOptions options, Normalize normalize)
    : options_(options), normalize_(std::move(normalize)) {}

QuestionClusters::Vec QuestionClusters::Features(std::string_view text, bool intern) {
  std::string norm = normalize_ ? normalize_(text) : std::string(text);
  std::map<int, double> sum;
  for (auto& [name, w] : RawFeatures(norm, options_)) {
    auto it = terms_.find(name);
    if (it == terms_.end()) {
      if (!intern) continue;
      it = terms_.emplace(std::move(name), static_cast<int>(df_.size())).first;
      df_.push_back(0);
      postings_.emplace_back();
    }
    sum[it->second] += w;
  }
  Vec v(sum.begin(), sum.end());
  UnitLength(&v);
  return v;
}

QuestionClusters::Vec QuestionClusters::FeaturesConst(std::string_view text) const {
  std::string norm = normalize_ ? normalize_(text) : std::string(text);
  std::map<int, double> sum;
  for (const auto& [name, w] : RawFeatures(norm, options_)) {
    auto it = terms_.find(name);
    if (it != terms_.end()) sum[it->second] += w;
  }
  Vec v(sum.begin(), sum.end());
  UnitLength(&v);
  return v;
}

void QuestionClusters::Count(const Vec& v) {
  ++docs_;
  for (const auto& [t, w] : v) ++df_[t];
}

double QuestionClusters::Idf(int term) const {
  return std::log((1.0 + static_cast<double>(docs_)) / (1.0 + static_cast<double>(df_[term]))) +
         1.0;
}

double QuestionClusters::ClusterCosine(const Vec& q, const Cluster& c) const {
  double dot = 0, nq = 0, nc = 0;
  for (const auto& [t, w] : q) {
    double idf = Idf(t);
    nq += w * w * idf * idf;
    if (auto it = c.sum.find(t); it != c.sum.end()) dot += w * it->second * idf * idf;
  }
  if (dot <= 0) return 0;
  for (const auto& [t, s] : c.sum) {
    double idf = Idf(t);
    nc += s * s * idf * idf;
  }
  return nq > 0 && nc > 0 ? dot / std::sqrt(nq * nc) : 0;
}

QuestionClusters::Cluster& QuestionClusters::Create(const std::string& id) {
  if (auto it = by_id_.find(id); it != by_id_.end()) return clusters_[it->second];
  by_id_[id] = clusters_.size();
  clusters_.push_back(Cluster{id, true, {}, {}});
  ++open_;
  return clusters_.back();
}

void QuestionClusters::Join(Cluster& c, const std::string& member, const Vec& v) {
  const int index = static_cast<int>(by_id_.at(c.id));
  for (const auto& [t, w] : v) {
    auto [it, fresh] = c.sum.emplace(t, 0.0);
    if (fresh) postings_[t].push_back(index);
    it->second += w;
  }
  if (c.members.size() < options_.max_members) c.members.emplace_back(member, v);
}

std::string QuestionClusters::Place(const std::string& member, std::string_view text,
                                    const std::string& new_cluster) {
  Vec v = Features(text, true);
  Count(v);
  std::vector<int> candidates;
  auto gather = [&](bool skip_common) {
    for (const auto& [t, w] : v) {
      if (skip_common && docs_ >= kCommonAfter &&
          static_cast<double>(df_[t]) > kCommonShare * static_cast<double>(docs_))
        continue;
      candidates.insert(candidates.end(), postings_[t].begin(), postings_[t].end());
    }
  };
  gather(true);
  if (candidates.empty()) gather(false);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  int best = -1;
  double best_sim = 0;
  for (int i : candidates) {  // ascending: a tie stays with the cluster created first
    const Cluster& c = clusters_[i];
    if (!c.open) continue;
    double sim = ClusterCosine(v, c);
    if (sim > best_sim) best = i, best_sim = sim;
  }
  if (best >= 0 && best_sim >= options_.threshold) {
    Join(clusters_[best], member, v);
    return clusters_[best].id;
  }
  Cluster& c = Create(new_cluster);
  Join(c, member, v);
  return c.id;
}

void QuestionClusters::Add(const std::string& cluster, const std::string& member,
                           std::string_view text) {
  Vec v = Features(text, true);
  Count(v);
  Join(Create(cluster), member, v);
}

void QuestionClusters::Observe(std::string_view text) { Count(Features(text, true)); }

void QuestionClusters::Close(const std::string& cluster) {
  auto it = by_id_.find(cluster);
  if (it == by_id_.end() || !clusters_[it->second].open) return;
  clusters_[it->second].open = false;
  --open_;
}

std::string QuestionClusters::Central(const std::string& cluster) const {
  auto it = by_id_.find(cluster);
  if (it == by_id_.end()) return "";
  const Cluster& c = clusters_[it->second];
  std::string best;
  double best_sim = -1;
  for (const auto& [member, v] : c.members) {
    double sim = ClusterCosine(v, c);
    if (sim > best_sim) best = member, best_sim = sim;
  }
  return best;
}

double QuestionClusters::Similarity(std::string_view a, std::string_view b) const {
  Vec va = FeaturesConst(a), vb = FeaturesConst(b);
  double dot = 0, na = 0, nb = 0;
  size_t j = 0;
  for (const auto& [t, w] : va) {
    double idf2 = Idf(t) * Idf(t);
    na += w * w * idf2;
    while (j < vb.size() && vb[j].first < t) ++j;
    if (j < vb.size() && vb[j].first == t) dot += w * vb[j].second * idf2;
  }
  for (const auto& [t, w] : vb) nb += w * w * Idf(t) * Idf(t);
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0;
}

}  // namespace zx::knowledge
