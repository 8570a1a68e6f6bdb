// Loading the knowledge base from its files, with validation.
//
// A malformed file is rejected with "FILE:LINE: reason" naming the entry and field; the whole
// load fails so that a server never runs on half a knowledge base. Pure functions of their input.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/health_check.h"
#include "base/status.h"
#include "knowledge/entry.h"

namespace zx::knowledge {

inline constexpr int kMinPhrasings = 12;

// What is wrong with one entry: the field ("answer", "kind", "phrasings[3]") and why ("must not
// be empty", "repeats \"...\""), so that an editor shows it next to the field.
struct EntryProblem {
  std::string field;
  std::string message;
  std::string ToString() const { return field + " " + message; }
};

// THE rules of an entry, for the files (ParseEntries) and for entries edited in the console
// alike: id shaped area.name, kind and sla from their lists (a complaint needs an sla), the text
// fields non-empty after trimming, version >= 1, effective a real date, list items non-empty and
// not repeated, at least kMinPhrasings phrasings; with `departments` non-empty, the department
// must be "-" or one of them. Nothing when the entry passes. A `draft` (work in progress in the
// console, a document's proposal) may have fewer phrasings: it is checked in full when submitted.
std::optional<EntryProblem> CheckEntry(const Entry& entry,
                                       const std::map<std::string, std::string>& departments = {},
                                       bool draft = false);

// Loads kb_dir/entries/*.toml (in name order), kb_dir/synonyms.tsv and kb_dir/departments.tsv
// (both optional).
Result<KnowledgeBase> LoadKnowledgeBase(const std::string& kb_dir);

// The areas' names: for each kb_dir/entries/AREA.toml whose first line is a comment
// "# 医疗保障（示例市医疗保障局）", AREA -> "医疗保障" (the comment up to a bracket).
Result<std::map<std::string, std::string>> LoadAreaNames(const std::string& kb_dir);

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
