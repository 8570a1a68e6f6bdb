#include "knowledge/index.h"

#include <sys/stat.h>

#include <filesystem>
#include <set>

namespace zx::knowledge {
namespace {

constexpr Xapian::valueno kTopicSlot = 0;
constexpr Xapian::doccount kTopDocuments = Bm25Postings::kTopDocuments;

void AddFeatures(Xapian::Document& doc, const std::vector<std::string>& features) {
  for (const auto& f : features)
    if (!f.empty() && f.size() < 200) doc.add_term(f);
}

}  // namespace

Result<std::unique_ptr<Index>> Index::Build(const KnowledgeBase& kb, const Analyzer& analyzer,
                                            const std::string& dir) {
  std::unique_ptr<Index> index(new Index(dir));
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create index directory " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);  // private like the rest of the data directory
  try {
    Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OVERWRITE);
    for (size_t i = 0; i < kb.entries.size(); ++i) {
      const Entry& e = kb.entries[i];
      std::string topic = std::to_string(i);
      auto add_doc = [&](const std::string& text) {
        Xapian::Document doc;
        auto features = analyzer.Analyze(text).features;
        AddFeatures(doc, features);
        index->postings_.Add(features, static_cast<int>(i));
        doc.add_value(kTopicSlot, topic);
        db.add_document(doc);
      };
      for (const auto& p : e.phrasings) add_doc(p);
      std::string about = e.title;
      for (const auto* list : {&e.keywords, &e.synonyms, &e.colloquial})
        for (const auto& w : *list) about += " " + w;
      add_doc(about);
    }
    db.commit();
  } catch (const Xapian::Error& err) {
    return Internal("building the index in " + dir + ": " + err.get_msg());
  }
  index->postings_.Finish();
  return index;
}

std::unordered_map<int, double> Index::Search(const std::vector<std::string>& features) const {
  return postings_.Search(features).best;
}

IndexHits Index::SearchExplained(const std::vector<std::string>& features) const {
  auto found = postings_.Search(features);
  IndexHits hits;
  // As Xapian tells them: the distinct query terms in byte order.
  std::set<std::string> unique(features.begin(), features.end());
  for (const auto& term : unique)
    if (int id = postings_.TermId(term); id >= 0) hits.known.push_back(term);
  for (const auto& [topic, doc] : found.best_document) {
    auto& terms = hits.matched[topic];
    for (const auto& term : hits.known)
      if (postings_.Holds(doc, postings_.TermId(term))) terms.push_back(term);
  }
  hits.best = std::move(found.best);
  return hits;
}

IndexHits Index::SearchXapian(const std::vector<std::string>& features) const {
  IndexHits hits;
  std::set<std::string> unique(features.begin(), features.end());
  if (unique.empty()) return hits;
  std::unique_ptr<Xapian::Database> db;
  {
    std::lock_guard lock(mu_);
    if (!pool_.empty()) {
      db = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  try {
    if (!db) db = std::make_unique<Xapian::Database>(dir_);
    Xapian::Enquire enquire(*db);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, unique.begin(), unique.end()));
    enquire.set_weighting_scheme(Xapian::BM25Weight());
    Xapian::MSet mset = enquire.get_mset(0, kTopDocuments);
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      int topic = std::stoi(it.get_document().get_value(kTopicSlot));
      double& b = hits.best[topic];
      if (b == 0 || it.get_weight() > b)
        hits.matched[topic].assign(enquire.get_matching_terms_begin(it),
                                   enquire.get_matching_terms_end(it));
      b = std::max(b, it.get_weight());
    }
    for (const auto& term : unique)
      if (db->term_exists(term)) hits.known.push_back(term);
  } catch (const Xapian::Error&) {
    hits = {};  // an unreadable index ranks nothing
    db.reset();
  }
  if (db) {
    std::lock_guard lock(mu_);
    pool_.push_back(std::move(db));
  }
  return hits;
}

}  // namespace zx::knowledge
