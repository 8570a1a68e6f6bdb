// Proposed knowledge-base entries from the text of a policy document (text/document_text.h),
// by the rules of kb/documents.toml (knowledge/document_rules.h):
//
//  1. The document's own fields: its title, issuing body (发文机关: from "…局关于…" in the
//     title, else the signature at the end), 文号 (any bracket form, shown as 〔〕), the date of
//     its signature, and its effective date ("自2025年1月1日起施行", "2025年3月1日起执行";
//     "自印发之日起施行" is the signature's date).
//  2. Sections: the document is split at the first heading form of the rules (第X条, 一、,
//     （一）, 1.) that it uses at least min_sections times; without one, at a DOCX's heading
//     paragraphs; without those, the body is one section. The preamble (title, 文号, to whom),
//     chapters and the tail (signature, date, 抄送, 附件) belong to no section.
//  3. One proposal per section, but not sections about the document itself (purpose, effective
//     date, who interprets it: the rules' `skip`): a title (the heading's own words, or the
//     words before its "：", else the document's short name and the heading's number), the
//     answer (the section's text with wrapped PDF lines joined), the document's fields (a
//     section's own 文号 or effective date wins), the original text as the excerpt, and the
//     existing entries it overlaps (OverlapFinder, best first, filtered by the rules).
//
// Pure functions of their input; thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "knowledge/document_rules.h"
#include "knowledge/engine.h"
#include "text/document_text.h"

namespace zx::knowledge {

// An existing entry that a proposal may repeat.
struct Overlap {
  std::string id;
  std::string title;
  double confidence = 0;
};

// The existing entries closest to `text`, best first (any number; the rules filter them).
using OverlapFinder = std::function<std::vector<Overlap>(const std::string& text)>;

// The engine's ranking as an OverlapFinder (meta entries left out). `engine` must outlive it.
OverlapFinder EngineOverlaps(const KnowledgeEngine& engine);
// The same over whatever engine is current (a knowledge base that is republished while running).
OverlapFinder EngineOverlaps(std::function<std::shared_ptr<const KnowledgeEngine>()> current);

struct Proposal {
  int n = 0;  // 1, 2, ... in document order
  std::string title;
  std::string answer;
  std::string source;      // 发文机关
  std::string doc_number;  // 文号, "示医保发〔2025〕12号"
  std::string effective;   // YYYY-MM-DD or ""
  std::string excerpt;     // the section as the document has it
  std::vector<Overlap> overlaps;
  // The engine when a language model wrote `answer` from the excerpt (checked against it;
  // DocumentImports with a writer, [llm] drafts): editors review it as model-written. "" when
  // the answer is the section's own text.
  std::string written_by;
};

struct DocumentAnalysis {
  std::string title;  // the document's, or ""
  std::string source;
  std::string doc_number;
  std::string issued;     // the signature's date, YYYY-MM-DD or ""
  std::string effective;  // YYYY-MM-DD or ""
  std::vector<Proposal> proposals;
};

DocumentAnalysis ProposeEntries(const text::DocumentText& document, const DocumentRules& rules,
                                const OverlapFinder& overlaps = nullptr);

// A 文号 with the standard brackets: "示医保发[2025]3号" -> "示医保发〔2025〕3号"; spaces gone.
std::string NormalizeDocNumber(std::string_view doc_number);

}  // namespace zx::knowledge
