// Full-text index of the knowledge base (Xapian, BM25): one document per phrasing and one per
// entry (title, keywords, synonyms, colloquial words), each tagged with its topic.
//
// Xapian's QueryParser joins CJK n-grams with AND, so the query is built here as an OR of the
// analyzer's features. Xapian handles are not thread-safe: Search takes one from a small pool.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "base/status.h"
#include "knowledge/analyzer.h"
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

 private:
  explicit Index(std::string dir) : dir_(std::move(dir)) {}
  // Search; fills `hits`' matched and known terms when it is not null.
  std::unordered_map<int, double> Run(const std::vector<std::string>& features,
                                      IndexHits* hits) const;
  std::string dir_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Xapian::Database>> pool_;
};

}  // namespace zx::knowledge
