// Why the engine answers a question as it does: the value KnowledgeEngine::Explain returns for
// the hit test (命中测试). It is worked out on the same code path as Ask (engine.h), so its
// `answer` is exactly what Ask gives and its figures are the ones Ask decided on.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "knowledge/analyzer.h"
#include "knowledge/answer.h"

namespace zx::knowledge {

// One feature of the query as the index and classifier saw it.
struct QueryTerm {
  std::string text;      // a word, or a character bigram without its "_" mark
  std::string kind;      // "word" | "bigram" | "synonym" (a canonical word added for a variant)
  bool matched = false;  // some document of the index holds it
};

// One topic among the best, with the evidence of each ranker.
struct ExplainedCandidate {
  std::string topic;  // entry id
  std::string title;
  double confidence = 0;        // the combined, calibrated confidence (what Ask compares)
  int lexical_rank = 0;         // 1 = best BM25 score among topics; 0 = no BM25 evidence
  double lexical_score = 0;     // BM25 of the topic's best document
  int classifier_rank = 0;      // 1 = the classifier's likeliest topic
  double classifier_score = 0;  // the classifier's probability
  std::vector<std::string> matched_terms;  // the query terms the best document holds
  // The words among them, without the character bigrams ("公积金", not "公积" and "取公"): what
  // an agent reads on a pushed card.
  std::vector<std::string> matched_words;
};

struct ExplainedCitation {
  std::string id;
  std::string title;
  int version = 0;  // the entry version the reply was composed from
};

struct Explanation {
  std::string question;  // as asked (sanitised UTF-8)
  AnalysisSteps steps;   // the text at each step and what each changed
  std::string normalized;
  std::vector<QueryTerm> terms;                // unique features, in order
  std::vector<ExplainedCandidate> candidates;  // the best few, best first
  double confidence = 0;                       // of the best topic (= answer.confidence)
  double threshold = 0;                        // the engine's answer threshold
  bool answered = false;  // confidence >= threshold: the engine answers (else asks back)
  Answer answer;          // what Ask returns for the question, unchanged
  std::vector<ExplainedCitation> citations;
};

}  // namespace zx::knowledge
