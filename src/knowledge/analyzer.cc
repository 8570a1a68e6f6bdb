#include "knowledge/analyzer.h"

#include <algorithm>
#include <set>

#include "text/utf8.h"

namespace zx::knowledge {
namespace {

// Character bigrams of each run of Han characters; a lone character stands for itself.
void AddBigrams(std::string_view s, std::vector<std::string>& out, bool& has_chinese) {
  std::vector<std::string> run;
  auto flush = [&] {
    if (run.size() == 1) out.push_back("_" + run[0]);
    for (size_t k = 0; k + 1 < run.size(); ++k) out.push_back("_" + run[k] + run[k + 1]);
    run.clear();
  };
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    size_t len = 1;
    char32_t cp = text::utf8::DecodeAt(s, i, &len);
    i += len;
    if (text::utf8::IsHan(cp)) {
      has_chinese = true;
      run.emplace_back(s.substr(start, i - start));
    } else {
      flush();
    }
  }
  flush();
}

}  // namespace

Result<std::unique_ptr<Analyzer>> Analyzer::Create(const KnowledgeBase& kb,
                                                   const AnalyzerOptions& options) {
  std::unique_ptr<Analyzer> a(new Analyzer());
  ZX_ASSIGN_OR_RETURN(a->normalizer_, text::Normalizer::Create());

  // Domain vocabulary: what the knowledge base itself calls things.
  std::set<std::string> domain;
  auto add = [&](const std::string& raw) {
    std::string w = a->normalizer_->Normalize(raw);
    if (w.size() >= 6 && w.size() <= 18 && w.find(' ') == std::string::npos) domain.insert(w);
  };
  for (const auto& e : kb.entries) {
    for (const auto& w : e.keywords) add(w);
    for (const auto& w : e.synonyms) add(w);
    for (const auto& w : e.colloquial) add(w);
  }
  for (const auto& s : kb.synonyms) {
    add(s.canonical);
    for (const auto& v : s.variants) {
      add(v);
      a->synonyms_.emplace_back(a->normalizer_->Normalize(v),
                                a->normalizer_->Normalize(s.canonical));
    }
  }
  std::sort(a->synonyms_.begin(), a->synonyms_.end(),
            [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });

  std::vector<std::string> words(domain.begin(), domain.end());
  text::SegmenterOptions seg;
  seg.jieba_dict = options.jieba_dict;
  seg.extra_words = words;
  ZX_ASSIGN_OR_RETURN(a->segmenter_, text::Segmenter::Create(seg));

  // General words are right as written (事业单位 is not 失业单位).
  ZX_ASSIGN_OR_RETURN(a->homophones_, text::HomophoneCorrector::Create(
                                          words, text::ReadJiebaWords(options.jieba_dict)));
  return a;
}

Analysis Analyzer::Analyze(std::string_view raw) const {
  Analysis out;
  out.normalized = homophones_->Correct(normalizer_->Normalize(text::SanitizeUtf8(raw)));
  // Variants found in the text contribute their canonical word as an extra feature.
  std::string expanded = out.normalized;
  std::vector<std::string> canon;
  for (const auto& [variant, canonical] : synonyms_) {
    if (expanded.find(variant) != std::string::npos) canon.push_back(canonical);
  }
  out.words = segmenter_->Segment(out.normalized);
  out.features = out.words;
  AddBigrams(out.normalized, out.features, out.has_chinese);
  for (auto& c : canon) {
    for (auto& w : segmenter_->Segment(c)) out.features.push_back(std::move(w));
  }
  return out;
}

}  // namespace zx::knowledge
