// Full-text index of the knowledge base (BM25): one document per phrasing and one per entry
// (title, keywords, synonyms, colloquial words), each tagged with its topic.
//
// Answers are ranked in memory (bm25.h: postings with precomputed weights, a document -> topic
// vector), with Xapian's BM25 and the same terms; the Xapian database is built beside it for
// what needs a real search engine, and SearchXapian runs the same query there (the tests hold
// the two to the same scores). Xapian's QueryParser joins CJK n-grams with AND, so the query is
// an OR of the analyzer's features. Xapian handles are not thread-safe: SearchXapian takes one
// from a small pool.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "base/status.h"
#include "knowledge/analyzer.h"
#include "knowledge/bm25.h"
#include "knowledge/entry.h"

namespace zx::knowledge {

// What a search found, for the hit test (engine.h Explain).
struct IndexHits {
  std::unordered_map<int, double> best;  // as Search
  // Per topic: the query terms its best document matched.
  std::unordered_map<int, std::vector<std::string>> matched;
  std::vector<std::string> known;  // the query terms any document of the index holds
};

class Index {
 public:
  // Builds the index in `dir` (replacing what is there) from the knowledge base.
  static Result<std::unique_ptr<Index>> Build(const KnowledgeBase& kb, const Analyzer& analyzer,
                                              const std::string& dir);
  // Best BM25 score per topic (index into kb.entries) among the top documents.
  std::unordered_map<int, double> Search(const std::vector<std::string>& features) const;
  // The same search, with the terms behind it.
  IndexHits SearchExplained(const std::vector<std::string>& features) const;
  // The same search by Xapian, for what needs it and to check the in-memory one against.
  IndexHits SearchXapian(const std::vector<std::string>& features) const;

 private:
  explicit Index(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  Bm25Postings postings_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Xapian::Database>> pool_;
};

}  // namespace zx::knowledge
