// The knowledge base as data: entries (one per topic) and query-side synonyms, as loaded from
// kb/ (see kb/README.md for the file format).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace zx::knowledge {

struct Entry {
  std::string id;          // "yb.remote_filing"
  std::string kind;        // faq | calc | complaint | query | meta
  std::string department;  // "ybj", or "-"
  std::string sla;         // "2h" | "24h" | "7d" | "-"
  std::string title;
  int version = 1;
  std::string effective;  // YYYY-MM-DD
  std::string source;     // issuing body
  std::string answer;
  std::vector<std::string> keywords;
  std::vector<std::string> synonyms;
  std::vector<std::string> colloquial;
  std::vector<std::string> phrasings;
  std::string origin;  // "kb/entries/yb.toml:12", for messages
};

// One row of kb/synonyms.tsv: variants are rewritten to (or added as) the canonical word.
struct Synonym {
  std::string canonical;
  std::vector<std::string> variants;
};

struct KnowledgeBase {
  std::vector<Entry> entries;
  std::vector<Synonym> synonyms;
  std::map<std::string, std::string> departments;  // code -> name (kb/departments.tsv)

  // The department's name, or the code itself when unknown.
  std::string DepartmentName(const std::string& code) const {
    auto it = departments.find(code);
    return it == departments.end() ? code : it->second;
  }

  const Entry* Find(std::string_view id) const {
    for (const auto& e : entries)
      if (e.id == id) return &e;
    return nullptr;
  }
};

}  // namespace zx::knowledge
