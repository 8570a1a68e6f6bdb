#include "text/document_text.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>

#include "text/utf8.h"
#include "text/zip_xml_internal.h"

namespace zx::text {
namespace {

constexpr std::string_view kPdfMagic = "%PDF-";
constexpr std::string_view kZipMagic = "PK\x03\x04";
constexpr std::string_view kOleMagic = "\xD0\xCF\x11\xE0";  // an old .doc / .xls

DocumentText Failed(DocumentKind kind, std::string problem, std::string message) {
  DocumentText d;
  d.kind = kind;
  d.problem = std::move(problem);
  d.message = std::move(message);
  return d;
}

std::string MiB(uint64_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MB"; }

// Chinese characters, full-width forms and CJK punctuation: no space belongs between two.
bool IsWide(char32_t c) {
  return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFFEF) ||
         (c >= 0x20000 && c <= 0x2FFFF);
}

bool IsSpace(char32_t c) { return c == ' ' || c == '\t' || c == 0x3000 || c == 0xA0; }

// One paragraph's text: spaces trimmed, runs of spaces made one, spaces between two wide
// characters removed (poppler spaces out justified Chinese), control characters dropped.
std::string CleanLine(std::string_view raw) {
  std::u32string chars;
  for (size_t i = 0; i < raw.size();) {
    size_t len = 0;
    char32_t c = utf8::DecodeAt(raw, i, &len);
    i += len;
    if (c < 0x20 && c != '\t') continue;
    if (c == 0xFEFF || c == 0x200B || c == 0xFFFD) continue;
    chars.push_back(c);
  }
  std::u32string out;
  for (size_t i = 0; i < chars.size(); ++i) {
    char32_t c = chars[i];
    if (!IsSpace(c)) {
      out.push_back(c);
      continue;
    }
    size_t j = i;
    while (j < chars.size() && IsSpace(chars[j])) ++j;
    bool edge = out.empty() || j >= chars.size();
    bool between_wide = !edge && IsWide(out.back()) && IsWide(chars[j]);
    if (!edge && !between_wide) out.push_back(' ');
    i = j - 1;
  }
  std::string s;
  for (char32_t c : out) utf8::AppendUtf8(c, &s);
  return s;
}

void AddParagraph(DocumentText& d, std::string_view raw, int heading, int page) {
  std::string line = CleanLine(raw);
  if (!line.empty()) d.paragraphs.push_back({std::move(line), heading, page});
}

// ---- PDF ----

std::mutex& PopplerMutex() {
  static std::mutex mu;
  return mu;
}

DocumentText ReadPdf(const std::string& path, const DocumentLimits& limits,
                     const DocumentProgress& progress) {
  // poppler keeps global state: one document at a time, its complaints out of the log.
  std::lock_guard<std::mutex> lock(PopplerMutex());
  static const bool quiet = [] {
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
    return true;
  }();
  (void)quiet;
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
  if (!doc) {
    return Failed(DocumentKind::kPdf, "corrupt",
                  "PDF 文件已损坏或不完整，无法读取：请重新导出或重新下载后再上传");
  }
  if (doc->is_locked()) {
    return Failed(DocumentKind::kPdf, "encrypted",
                  "PDF 文件设有打开密码，无法读取：请去除密码后再上传");
  }
  DocumentText d;
  d.kind = DocumentKind::kPdf;
  d.pages = doc->pages();
  if (d.pages <= 0) {
    return Failed(DocumentKind::kPdf, "corrupt",
                  "PDF 文件中没有页面，无法读取：请重新导出后再上传");
  }
  if (d.pages > limits.max_pages) {
    return Failed(DocumentKind::kPdf, "too_large",
                  "PDF 共 " + std::to_string(d.pages) + " 页，超过上限 " +
                      std::to_string(limits.max_pages) + " 页：请拆分后分别上传");
  }
  uint64_t bytes = 0;
  for (int i = 0; i < d.pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (page) {
      poppler::byte_array utf8 =
          page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
      std::string_view text(utf8.data(), utf8.size());
      bytes += text.size();
      if (bytes > limits.max_text_bytes) {
        return Failed(DocumentKind::kPdf, "too_large",
                      "PDF 的文字超过上限 " + MiB(limits.max_text_bytes) + "：请拆分后分别上传");
      }
      size_t start = 0;
      while (start <= text.size()) {
        size_t end = text.find_first_of("\n\r\f", start);
        if (end == std::string_view::npos) end = text.size();
        AddParagraph(d, text.substr(start, end - start), 0, i + 1);
        start = end + 1;
      }
    }
    if (progress) progress(i + 1, d.pages);
  }
  if (d.paragraphs.empty()) {
    return Failed(
        DocumentKind::kPdf, "no_text",
        "PDF 没有可提取的文字（可能是扫描件图片）：请先做文字识别（OCR）或提供原始电子文件");
  }
  return d;
}

// ---- DOCX ----

// word/styles.xml: the heading level of each paragraph style, from its name ("heading 2",
// "Title") or outline level; style ids are the document's own (Word writes "1", "2" in Chinese).
struct DocxStyles {
  std::map<std::string, int> levels;
  std::string id;
  int level = 0;
  void Start(std::string_view n, const char** attrs) {
    if (n == "style") {
      const char* v = internal::Attr(attrs, "styleId");
      id = v ? v : "";
      level = 0;
    } else if (n == "name" && !id.empty()) {
      level = LevelOfName(internal::Attr(attrs, "val"));
    } else if (n == "outlineLvl" && !id.empty() && level == 0) {
      const char* v = internal::Attr(attrs, "val");
      if (v) level = std::atoi(v) + 1;
    }
  }
  void End(std::string_view n) {
    if (n == "style") {
      if (!id.empty() && level > 0 && level < 10) levels[id] = level;
      id.clear();
    }
  }
  void Text(std::string_view) {}
  // "Title" 1, "heading 3" / "Heading3" 3, else 0.
  static int LevelOfName(const char* name) {
    if (!name) return 0;
    std::string s;
    for (const char* p = name; *p; ++p)
      if (*p != ' ') s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(*p))));
    if (s == "title") return 1;
    if (s.rfind("heading", 0) == 0 && s.size() > 7) return std::atoi(s.c_str() + 7);
    return 0;
  }
};

// word/document.xml: paragraphs (<w:p>) of runs' texts (<w:t>), tabs and line breaks; a table
// row (<w:tr>) as one paragraph of its cells; deleted text of tracked changes and the fallback
// copies of drawings (mc:Fallback) left out; headings from the paragraph style.
struct DocxBody {
  DocumentText* out = nullptr;
  const std::map<std::string, int>* styles = nullptr;
  uint64_t max_text = 0;
  bool too_large = false;
  std::string para;
  int heading = 0;
  int in_t = 0, in_fallback = 0, table_depth = 0;
  std::vector<std::string> cells;  // of the current table row

  void Flush() {
    if (table_depth > 0) {
      if (!para.empty()) {
        if (!cells.empty() && !cells.back().empty()) cells.back() += " ";
        if (!cells.empty()) cells.back() += CleanLine(para);
      }
    } else {
      AddParagraph(*out, para, heading, 0);
    }
    para.clear();
  }
  void Start(std::string_view n, const char** attrs) {
    if (n == "Fallback") ++in_fallback;
    if (in_fallback) return;
    if (n == "p") {
      para.clear();
      heading = 0;
    } else if (n == "t") {
      ++in_t;
    } else if (n == "tab") {
      if (!in_t) para += " ";
    } else if (n == "br" || n == "cr") {
      if (table_depth > 0) {
        para += " ";
      } else {
        Flush();
      }
    } else if (n == "pStyle") {
      const char* v = internal::Attr(attrs, "val");
      heading = DocxStyles::LevelOfName(v);  // "Heading1" without a styles part
      if (v && styles) {
        auto it = styles->find(v);
        if (it != styles->end()) heading = it->second;
      }
    } else if (n == "outlineLvl") {
      const char* v = internal::Attr(attrs, "val");
      if (v && heading == 0) heading = std::atoi(v) + 1;
    } else if (n == "tbl") {
      ++table_depth;
    } else if (n == "tr") {
      cells.clear();
    } else if (n == "tc") {
      cells.emplace_back();
    }
  }
  void End(std::string_view n) {
    if (n == "Fallback") {
      --in_fallback;
      return;
    }
    if (in_fallback) return;
    if (n == "t") {
      --in_t;
    } else if (n == "p") {
      Flush();
    } else if (n == "tr") {
      std::string joined;
      for (const std::string& c : cells) {
        if (c.empty()) continue;
        if (!joined.empty()) joined += " | ";
        joined += c;
      }
      AddParagraph(*out, joined, 0, 0);
      cells.clear();
    } else if (n == "tbl") {
      --table_depth;
    }
  }
  void Text(std::string_view s) {
    if (in_t && !in_fallback) {
      para.append(s);
      if (para.size() > max_text) too_large = true;
    }
  }
};

DocumentText ReadDocx(const std::string& path, const DocumentLimits& limits) {
  std::unique_ptr<void, internal::UnzipCloser> zip(unzOpen64(path.c_str()));
  if (!zip) {
    return Failed(DocumentKind::kDocx, "corrupt",
                  "DOCX 文件已损坏（不是完整的压缩包），无法读取：请重新保存后再上传");
  }
  if (unzLocateFile(zip.get(), "word/document.xml", 0) != UNZ_OK) {
    return Failed(DocumentKind::kUnknown, "unsupported",
                  "不是 Word 文档（DOCX）：只支持 PDF 和 DOCX，请另存为其中一种再上传");
  }
  DocxStyles styles;  // optional: a document without styles has no headings
  (void)internal::ParseEntry(zip.get(), "word/styles.xml", path, styles);
  DocumentText d;
  d.kind = DocumentKind::kDocx;
  DocxBody body;
  body.out = &d;
  body.styles = &styles.levels;
  body.max_text = limits.max_text_bytes;
  auto reader = internal::ZipEntryReader::Open(zip.get(), "word/document.xml", path);
  if (!reader.ok()) {
    return Failed(DocumentKind::kDocx, "corrupt", "DOCX 文件的正文无法读取：请重新保存后再上传");
  }
  internal::XmlParser<DocxBody> parser(body, path);
  for (;;) {
    auto chunk = (*reader)->Read();
    if (!chunk.ok() || !parser.Feed(*chunk, chunk->empty()).ok()) {
      return Failed(DocumentKind::kDocx, "corrupt", "DOCX 文件的正文已损坏：请重新保存后再上传");
    }
    if (body.too_large || (*reader)->read() > limits.max_text_bytes * 4) {
      return Failed(DocumentKind::kDocx, "too_large",
                    "DOCX 的正文超过上限 " + MiB(limits.max_text_bytes) + "：请拆分后分别上传");
    }
    if (chunk->empty()) break;
  }
  if (d.paragraphs.empty()) {
    return Failed(DocumentKind::kDocx, "no_text",
                  "DOCX 中没有文字（可能只有图片）：请提供含文字的原始文件");
  }
  return d;
}

}  // namespace

std::string_view DocumentKindName(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kPdf:
      return "pdf";
    case DocumentKind::kDocx:
      return "docx";
    case DocumentKind::kUnknown:
      break;
  }
  return "";
}

DocumentKind SniffDocumentKind(std::string_view first_bytes) {
  // A PDF may have a few bytes of junk before its header (ISO 32000: within the first 1024).
  std::string_view head = first_bytes.substr(0, 1024);
  if (head.find(kPdfMagic) != std::string_view::npos) return DocumentKind::kPdf;
  if (first_bytes.substr(0, kZipMagic.size()) == kZipMagic) return DocumentKind::kDocx;
  return DocumentKind::kUnknown;
}

std::string DocumentText::Joined() const {
  std::string out;
  for (const DocumentParagraph& p : paragraphs) {
    out += p.text;
    out += '\n';
  }
  return out;
}

DocumentText ExtractDocumentText(const std::string& path, const DocumentLimits& limits,
                                 const DocumentProgress& progress) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Failed(DocumentKind::kUnknown, "corrupt", "文件不存在或无法读取");
  }
  if (static_cast<uint64_t>(st.st_size) > limits.max_bytes) {
    return Failed(DocumentKind::kUnknown, "too_large",
                  "文件大小超过上限 " + MiB(limits.max_bytes) + "：请压缩或拆分后再上传");
  }
  std::string head(1024, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
  }
  switch (SniffDocumentKind(head)) {
    case DocumentKind::kPdf:
      return ReadPdf(path, limits, progress);
    case DocumentKind::kDocx:
      return ReadDocx(path, limits);
    case DocumentKind::kUnknown:
      break;
  }
  if (head.substr(0, kOleMagic.size()) == kOleMagic) {
    return Failed(DocumentKind::kUnknown, "unsupported",
                  "这是旧版 Word（.doc）文件：请另存为 DOCX 或 PDF 后再上传");
  }
  return Failed(DocumentKind::kUnknown, "unsupported",
                "只支持 PDF 和 DOCX 文件：请另存为其中一种再上传");
}

}  // namespace zx::text
