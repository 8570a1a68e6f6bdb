// Analyzer: the one path from a citizen's words to the features that index and classifier see,
// so that training and querying can never drift apart.
//
//   sanitise UTF-8 -> normalise (t2s, width, case) -> correct homophones towards domain words
//   -> add canonical words for known variants (kb/synonyms.tsv) -> segment -> features
//
// Features are the segmented words plus "_xy" character bigrams of each Chinese run (robust to
// segmentation mistakes and typos). Thread-safe after Create.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "knowledge/entry.h"
#include "text/normalizer.h"
#include "text/pinyin.h"
#include "text/segmenter.h"

namespace zx::knowledge {

struct Analysis {
  std::string normalized;             // after normalisation and homophone correction
  std::vector<std::string> words;     // segmented words, no punctuation
  std::vector<std::string> features;  // words + bigrams (+ canonical synonyms)
  bool has_chinese = false;
};

// One change the analyzer made to the text, for the hit test (engine.h Explain).
struct Correction {
  std::string from;
  std::string to;
  std::string kind;  // "t2s" | "width" | "case" | "homophone" | "synonym" (a canonical word added)
};

// The text at each step of Analyze, and what each step changed, in pipeline order.
struct AnalysisSteps {
  std::string input;       // as asked, invalid UTF-8 dropped
  std::string simplified;  // after the normaliser: traditional -> simplified, width, case, spaces
  std::string corrected;   // after homophone correction: what is segmented (Analysis::normalized)
  std::vector<Correction> corrections;
  std::vector<std::string> synonym_words;  // the canonical words added as features
};

struct AnalyzerOptions {
  std::string jieba_dict;  // general word list for segmentation; may be empty
};

class Analyzer {
 public:
  static Result<std::unique_ptr<Analyzer>> Create(const KnowledgeBase& kb,
                                                  const AnalyzerOptions& options);
  Analysis Analyze(std::string_view text) const { return Analyze(text, nullptr); }
  // The same, and when `steps` is not null what each step did (one code path: the analysis is
  // the same with or without steps).
  Analysis Analyze(std::string_view text, AnalysisSteps* steps) const;

 private:
  Analyzer() = default;
  std::unique_ptr<text::Normalizer> normalizer_;
  std::unique_ptr<text::Segmenter> segmenter_;
  std::unique_ptr<text::HomophoneCorrector> homophones_;
  // A variant, its canonical word, and that word segmented once at Create (the segmenter is
  // deterministic, and segmenting it for every question cost a friso task per synonym found).
  struct Synonym {
    std::string variant;
    std::string canonical;
    std::vector<std::string> canonical_words;
  };
  std::vector<Synonym> synonyms_;  // longest variants first
};

}  // namespace zx::knowledge
