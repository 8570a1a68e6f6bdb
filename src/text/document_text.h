// The text of an office document: a PDF (poppler) or a DOCX (its word/document.xml, read with the
// zip and XML pieces the XLSX reader uses), as paragraphs in reading order, for the import of
// policy documents into the knowledge base (knowledge/document_proposals.h).
//
// What a paragraph is: a DOCX paragraph (a table's row is one paragraph, its cells joined by
// " | "; a line break inside a paragraph starts a new one), or a line of a PDF page (a PDF has no
// paragraphs: a sentence wrapped over two lines is two; the reader of the text joins them). Blank
// paragraphs are left out; spaces poppler puts between Chinese characters are removed.
//
// Failures are values, not errors, because the caller shows them to the person who uploaded the
// file: each has a code and a message in Chinese that says what to do.
//   encrypted    a PDF that needs a password to open
//   no_text      a PDF with no text layer (a scanned image): OCR it or get the original
//   too_large    over DocumentLimits (bytes, pages, or the text a DOCX unpacks to)
//   unsupported  neither a PDF nor a DOCX (an old .doc, a spreadsheet, a picture)
//   corrupt      a PDF or zip that cannot be read
// Thread-safe: each call reads its own file (poppler's global error handler is set once).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace zx::text {

enum class DocumentKind { kUnknown, kPdf, kDocx };

// "pdf", "docx", "" for kUnknown.
std::string_view DocumentKindName(DocumentKind kind);

// The kind from the file's first bytes (%PDF-, or a zip with word/document.xml: the caller
// checks the latter when it opens it); kUnknown for anything else.
DocumentKind SniffDocumentKind(std::string_view first_bytes);

struct DocumentLimits {
  uint64_t max_bytes = 20u << 20;       // the file
  int max_pages = 300;                  // a PDF's pages
  uint64_t max_text_bytes = 16u << 20;  // the text (also what a DOCX's XML unpacks to)
};

struct DocumentParagraph {
  std::string text;
  int heading = 0;  // a DOCX heading's level (Title 1, Heading N: N), 0 for body text and PDFs
  int page = 0;     // a PDF's page (1-based); 0 in a DOCX
};

struct DocumentText {
  DocumentKind kind = DocumentKind::kUnknown;
  int pages = 0;  // a PDF's pages; 0 for a DOCX
  std::vector<DocumentParagraph> paragraphs;
  std::string problem;  // "" when read; else encrypted, no_text, too_large, unsupported, corrupt
  std::string message;  // what went wrong and what to do, for people (Chinese)

  bool ok() const { return problem.empty(); }
  // The paragraphs one per line.
  std::string Joined() const;
};

// Called while a PDF is read: pages done of all.
using DocumentProgress = std::function<void(int done, int total)>;

// Reads the file at `path` (its kind sniffed from its bytes, not its name).
DocumentText ExtractDocumentText(const std::string& path, const DocumentLimits& limits,
                                 const DocumentProgress& progress = nullptr);

}  // namespace zx::text
