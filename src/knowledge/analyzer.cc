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

std::u32string Decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    out.push_back(text::utf8::DecodeAt(s, i, &len));
    i += len;
  }
  return out;
}

std::string Encode(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) text::utf8::AppendUtf8(c, &out);
  return out;
}

// What the normaliser drops or folds away without a trace worth showing.
bool IsSilent(char32_t c) {
  return c <= 0x20 || c == 0x7F || c == 0x200B || c == 0xFEFF || c == 0xFFFD || c == 0x3000 ||
         (c >= 0x80 && c <= 0xA0) || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F;
}

// The normaliser's changes, character by character where the texts align (OpenCC t2s keeps the
// length nearly always), grouped into runs of one kind; one t2s change of the whole text else.
void NormalizerChanges(std::string_view input, std::string_view simplified,
                       std::vector<Correction>& out) {
  std::u32string a, b;
  for (char32_t c : Decode(input))
    if (!IsSilent(c)) a.push_back(c);
  for (char32_t c : Decode(simplified))
    if (!IsSilent(c)) b.push_back(c);
  if (a == b) return;
  if (a.size() != b.size()) {
    out.push_back({std::string(input), std::string(simplified), "t2s"});
    return;
  }
  auto kind_of = [](char32_t from) -> const char* {
    if (from >= 0xFF01 && from <= 0xFF5E) return "width";
    if (from >= 'A' && from <= 'Z') return "case";
    return "t2s";
  };
  for (size_t i = 0; i < a.size();) {
    if (a[i] == b[i]) {
      ++i;
      continue;
    }
    const char* kind = kind_of(a[i]);
    size_t j = i + 1;
    while (j < a.size() && a[j] != b[j] && std::string_view(kind_of(a[j])) == kind) ++j;
    out.push_back({Encode(a.substr(i, j - i)), Encode(b.substr(i, j - i)), kind});
    i = j;
  }
}

// The homophone corrector's replacements (it keeps the number of characters): each run of
// changed characters widened to the words of the corrected text that hold it (设保 -> 社保).
void HomophoneChanges(std::string_view simplified, std::string_view corrected,
                      const std::vector<std::string>& words, std::vector<Correction>& out) {
  std::u32string a = Decode(simplified), b = Decode(corrected);
  if (a == b) return;
  if (a.size() != b.size()) {
    out.push_back({std::string(simplified), std::string(corrected), "homophone"});
    return;
  }
  // Each word's span in the corrected text, in characters (words come in order).
  std::vector<std::pair<size_t, size_t>> spans;
  size_t cursor = 0;
  for (const auto& w : words) {
    std::u32string cw = Decode(w);
    size_t at = b.find(cw, cursor);
    if (cw.empty() || at == std::u32string::npos) continue;
    spans.emplace_back(at, at + cw.size());
    cursor = at + cw.size();
  }
  for (size_t i = 0; i < a.size();) {
    if (a[i] == b[i]) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < a.size() && a[j] != b[j]) ++j;
    size_t begin = i, end = j;
    for (const auto& [s, e] : spans)
      if (s < j && e > i) begin = std::min(begin, s), end = std::max(end, e);
    out.push_back(
        {Encode(a.substr(begin, end - begin)), Encode(b.substr(begin, end - begin)), "homophone"});
    i = end;
  }
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
      a->synonyms_.push_back(
          {a->normalizer_->Normalize(v), a->normalizer_->Normalize(s.canonical), {}});
    }
  }
  std::sort(a->synonyms_.begin(), a->synonyms_.end(),
            [](const auto& x, const auto& y) { return x.variant.size() > y.variant.size(); });

  std::vector<std::string> words(domain.begin(), domain.end());
  text::SegmenterOptions seg;
  seg.jieba_dict = options.jieba_dict;
  seg.extra_words = words;
  ZX_ASSIGN_OR_RETURN(a->segmenter_, text::Segmenter::Create(seg));
  for (Synonym& s : a->synonyms_) s.canonical_words = a->segmenter_->Segment(s.canonical);

  // General words are right as written (事业单位 is not 失业单位).
  ZX_ASSIGN_OR_RETURN(a->homophones_, text::HomophoneCorrector::Create(
                                          words, text::ReadJiebaWords(options.jieba_dict)));
  return a;
}

Analysis Analyzer::Analyze(std::string_view raw, AnalysisSteps* steps) const {
  Analysis out;
  std::string input = text::SanitizeUtf8(raw);
  std::string simplified = normalizer_->Normalize(input);
  out.normalized = homophones_->Correct(simplified);
  // Variants found in the text contribute their canonical word as an extra feature.
  std::vector<const Synonym*> found;
  for (const Synonym& s : synonyms_)
    if (out.normalized.find(s.variant) != std::string::npos) found.push_back(&s);
  out.words = segmenter_->Segment(out.normalized);
  out.features = out.words;
  AddBigrams(out.normalized, out.features, out.has_chinese);
  for (const Synonym* s : found) {
    for (const std::string& w : s->canonical_words) {
      if (steps) steps->synonym_words.push_back(w);
      out.features.push_back(w);
    }
  }
  if (steps) {
    steps->input = input;
    steps->simplified = simplified;
    steps->corrected = out.normalized;
    NormalizerChanges(input, simplified, steps->corrections);
    HomophoneChanges(simplified, out.normalized, out.words, steps->corrections);
    for (const Synonym* s : found)
      steps->corrections.push_back({s->variant, s->canonical, "synonym"});
  }
  return out;
}

}  // namespace zx::knowledge
