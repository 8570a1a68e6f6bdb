// The rules that read a policy document's structure and fields (kb/documents.toml): heading
// forms, the patterns of the title, issuing body, 文号 and effective date, what to leave out.
// Data, not code: a deployment adds its own forms there. Loaded once; immutable and shareable
// between threads after that.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::knowledge {

// A compiled pattern of the rules file, matched against text by character.
class DocumentPattern {
 public:
  // kInvalidArgument naming `where` when `pattern` is not a valid regular expression.
  static Result<DocumentPattern> Compile(const std::string& pattern, const std::string& where);

  // Whether it matches somewhere in `text`; `groups` (if given) gets the whole match then each
  // group (empty for a group that did not take part), as UTF-8.
  bool Search(std::u32string_view text, std::vector<std::string>* groups = nullptr) const;
  bool Search(std::string_view utf8, std::vector<std::string>* groups = nullptr) const;

 private:
  std::shared_ptr<const std::wregex> re_;
};

struct DocumentRules {
  int min_sections = 2;
  std::vector<DocumentPattern> headings;  // most significant first
  std::vector<DocumentPattern> chapters;
  int max_title = 30;
  std::vector<DocumentPattern> skip;
  std::vector<DocumentPattern> furniture;
  std::vector<DocumentPattern> title;
  std::vector<DocumentPattern> short_title;  // one pattern, group 1
  std::vector<DocumentPattern> source_header;
  std::vector<DocumentPattern> source_signature;
  std::vector<DocumentPattern> doc_number;
  std::vector<DocumentPattern> effective;  // groups 1-3: year, month, day
  std::vector<DocumentPattern> from_issue;
  std::vector<DocumentPattern> issue_date;  // groups 1-3
  std::vector<DocumentPattern> tail;
  double min_overlap = 0.2;
  int max_overlaps = 3;
};

// Reads the rules file (kb/documents.toml); errors name the file, line and key.
Result<DocumentRules> LoadDocumentRules(const std::string& path);
// The same from TOML text; `origin` names it in errors.
Result<DocumentRules> ParseDocumentRules(std::string_view toml_text, const std::string& origin);

}  // namespace zx::knowledge
