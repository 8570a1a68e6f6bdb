// Bm25Postings: the answer path's BM25, in memory. The same documents and terms as the Xapian
// index (index.h) and Xapian's BM25Weight with its defaults (k1 = 1, k2 = 0, k3 = 1, b = 0.5,
// min_normlen = 0.5) over an OR of the distinct query terms, so the scores are Xapian's (up to
// the order in which a document's term weights are added: ~1e-15). Each posting carries its
// precomputed weight, and a vector maps each document to its topic, so a search is a few
// hundred additions instead of Xapian's matcher and a document fetch per hit (issue 18).
// Immutable after Finish, hence thread-safe.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace zx::knowledge {

class Bm25Postings {
 public:
  // Only the best documents count towards a topic's score, as Xapian's MSet of that size.
  static constexpr int kTopDocuments = 40;

  // Adds the next document: its terms as given to Xapian's add_term (a repeat raises the
  // term's within-document frequency; empty terms and terms of 200 bytes or more are left out).
  void Add(const std::vector<std::string>& terms, int topic);
  // Computes the posting weights; call once, after the last Add.
  void Finish();

  // What a search found: per topic its best score among the top documents, and for each such
  // topic its best document (for the terms it matched).
  struct Hits {
    std::unordered_map<int, double> best;
    std::unordered_map<int, int> best_document;
  };
  Hits Search(const std::vector<std::string>& terms) const;
  // The term's id, or -1 when no document holds it.
  int TermId(const std::string& term) const;
  // Whether `document` holds the term `term_id`.
  bool Holds(int document, int term_id) const;

 private:
  struct Posting {
    int document;
    double weight;
  };
  std::unordered_map<std::string, int> term_ids_;
  std::vector<size_t> starts_;     // postings of term t: postings_[starts_[t], starts_[t + 1])
  std::vector<Posting> postings_;  // by term, then by document
  std::vector<int> topic_of_;      // document -> topic
  // While adding: (term, document, within-document frequency) and each document's length.
  std::vector<std::vector<std::pair<int, int>>> adding_;  // term -> (document, wdf)
  std::vector<unsigned> lengths_;
};

}  // namespace zx::knowledge
