// Loading the knowledge base from its files, with validation.
//
// A malformed file is rejected with "FILE:LINE: reason" naming the entry and field; the whole
// load fails so that a server never runs on half a knowledge base. Pure functions of their input.
#pragma once

#include <string>

#include "base/health_check.h"
#include "base/status.h"
#include "knowledge/entry.h"

namespace zx::knowledge {

inline constexpr int kMinPhrasings = 12;

// Loads kb_dir/entries/*.toml (in name order), kb_dir/synonyms.tsv and kb_dir/departments.tsv
// (both optional).
Result<KnowledgeBase> LoadKnowledgeBase(const std::string& kb_dir);

// Parses one entries file's text; `origin` is the file name used in messages.
Result<std::vector<Entry>> ParseEntries(const std::string& toml_text, const std::string& origin);

// Parses synonyms.tsv text: a header line, then "canonical<TAB>variant|variant|...".
Result<std::vector<Synonym>> ParseSynonyms(const std::string& tsv_text, const std::string& origin);

// Parses departments.tsv text: a header line, then "code<TAB>name".
Result<std::map<std::string, std::string>> ParseDepartments(const std::string& tsv_text,
                                                            const std::string& origin);

// `zhixian doctor`'s check of the knowledge base in `kb_dir`: it loads (ok, with its number of
// entries), or the file, line and reason it does not.
HealthCheck CheckKnowledgeBase(const std::string& kb_dir);

}  // namespace zx::knowledge
