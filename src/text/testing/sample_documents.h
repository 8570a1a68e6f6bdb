// Sample policy documents written by the tests themselves (nothing binary in the repository):
//   - WritePdf: a PDF whose lines of Chinese text poppler extracts back. The font is a Type0
//     font with a ToUnicode map (what PDF writers emit for Chinese), not embedded: text
//     extraction needs the map, not the glyphs.
//   - WriteImagePdf: a PDF with a picture and no text layer (a scanned page).
//   - EncryptPdf: a PDF with an open password, made by the qpdf tool (scripts/install-deps.sh
//     --test); false when qpdf is missing or fails.
//   - WriteDocx: a DOCX (zip of word/document.xml) with paragraphs, headings and a table.
// Test-only; the functions write files and report failures with a false return.
#pragma once

#include <minizip/zip.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "text/utf8.h"

namespace zx::text::testing {

// A sample policy document: a notice of 示例市 with 第X条 articles, its 文号 and effective date.
inline std::vector<std::string> SamplePolicyLines() {
  return {
      "示例市医疗保障局关于印发《示例市职工基本医疗保险门诊共济保障实施细则》的通知",
      "示医保发〔2025〕12号",
      "各区医疗保障分局，各定点医药机构：",
      "现将《示例市职工基本医疗保险门诊共济保障实施细则》印发给你们，请认真贯彻执行。",
      std::string("第一条 为健全职工基本医疗保险门诊共济保障机制，减轻参保人员门诊医疗费用负担，") +
          "结合本市实际，制定本细则。",
      "第二条 普通门诊统筹起付标准：在职职工一个自然年度内为800元，退休人员为600元。",
      "第三条 普通门诊统筹支付比例：在一级及以下定点医疗机构就诊的，在职职工支付60%，",
      "退休人员支付70%；在二级及以上定点医疗机构就诊的，支付比例降低10个百分点。",
      std::string("第四条 个人账户可以用于支付参保人员本人及其配偶、父母、子女在定点医疗机构就医") +
          "发生的由个人负担的医疗费用。",
      "第五条 本细则自2025年3月1日起施行，由示例市医疗保障局负责解释。",
      "示例市医疗保障局",
      "2025年1月20日",
  };
}

namespace internal {

inline std::string Hex4(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", v & 0xFFFF);
  return buf;
}

// Objects 1.. in order, then the cross-reference table and trailer.
inline std::string AssemblePdf(const std::vector<std::string>& objects) {
  std::string out = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%010zu 00000 n \n", off);
    out += buf;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

inline std::string Stream(const std::string& dict_extra, const std::string& data) {
  return "<< /Length " + std::to_string(data.size()) + dict_extra + " >>\nstream\n" + data +
         "\nendstream";
}

inline bool Save(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  return static_cast<bool>(out);
}

}  // namespace internal

// A PDF of `pages` (each a list of lines) in a Chinese font with a ToUnicode map.
inline bool WritePdf(const std::string& path, const std::vector<std::vector<std::string>>& pages) {
  using internal::Hex4;
  // Each distinct character gets a CID (1, 2, ...); the map turns CIDs back into Unicode.
  std::map<char32_t, unsigned> cids;
  std::vector<std::string> contents;
  for (const auto& lines : pages) {
    std::string content = "BT /F1 8 Tf 12 TL 20 800 Td\n";  // 70 characters a line
    for (const std::string& line : lines) {
      std::string hex;
      for (char32_t c : utf8::Decode(line).cp) {
        if (c > 0xFFFF) continue;
        auto [it, added] = cids.emplace(c, static_cast<unsigned>(cids.size() + 1));
        hex += Hex4(it->second);
      }
      content += "<" + hex + "> Tj T*\n";
    }
    content += "ET";
    contents.push_back(content);
  }
  std::string cmap =
      "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  std::vector<std::pair<char32_t, unsigned>> all(cids.begin(), cids.end());
  for (size_t i = 0; i < all.size(); i += 100) {
    size_t n = std::min<size_t>(100, all.size() - i);
    cmap += std::to_string(n) + " beginbfchar\n";
    for (size_t k = i; k < i + n; ++k)
      cmap += "<" + Hex4(all[k].second) + "> <" + Hex4(static_cast<unsigned>(all[k].first)) + ">\n";
    cmap += "endbfchar\n";
  }
  cmap += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend";

  // 1 catalog, 2 pages, 3 font, 4 CID font, 5 descriptor, 6 ToUnicode, then page + content pairs.
  std::vector<std::string> objects(6);
  std::string kids;
  for (size_t i = 0; i < pages.size(); ++i) kids += std::to_string(7 + 2 * i) + " 0 R ";
  objects[0] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[1] =
      "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>";
  objects[2] =
      "<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
      "/DescendantFonts [4 0 R] /ToUnicode 6 0 R >>";
  objects[3] =
      "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry "
      "(Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /DW 1000 >>";
  objects[4] =
      "<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -140 1000 880] "
      "/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>";
  objects[5] = internal::Stream("", cmap);
  for (size_t i = 0; i < pages.size(); ++i) {
    objects.push_back(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font "
        "<< /F1 3 0 R >> >> /Contents " +
        std::to_string(8 + 2 * i) + " 0 R >>");
    objects.push_back(internal::Stream("", contents[i]));
  }
  return internal::Save(path, internal::AssemblePdf(objects));
}

// A one-page PDF holding only a grey picture: what a scanner makes.
inline bool WriteImagePdf(const std::string& path) {
  std::string pixels;
  for (int i = 0; i < 64 * 64; ++i) pixels.push_back(static_cast<char>((i * 7) & 0xFF));
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      std::string("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << ") +
          "/XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
      internal::Stream("", "q 500 0 0 700 40 60 cm /Im1 Do Q"),
      internal::Stream(" /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace "
                       "/DeviceGray /BitsPerComponent 8",
                       pixels)};
  return internal::Save(path, internal::AssemblePdf(objects));
}

// `in` encrypted with an open password (AES-256) into `out` by qpdf.
inline bool EncryptPdf(const std::string& in, const std::string& out) {
  std::string cmd = "qpdf --encrypt 'open-sesame' 'owner-secret' 256 -- '" + in + "' '" + out +
                    "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// One paragraph of a DOCX: its text and, for a heading, its style id ("1", "2": 标题 1, 标题 2 of
// the styles part; "Heading1", "Title": understood without one).
struct DocxParagraph {
  std::string text;
  std::string style;
  std::vector<std::vector<std::string>> table;  // a table instead of a paragraph, rows of cells
};

inline std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

inline bool AddZipEntry(zipFile zip, const char* name, const std::string& body) {
  if (zipOpenNewFileInZip(zip, name, nullptr, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                          Z_DEFAULT_COMPRESSION) != ZIP_OK)
    return false;
  bool ok = zipWriteInFileInZip(zip, body.data(), static_cast<unsigned>(body.size())) == ZIP_OK;
  return zipCloseFileInZip(zip) == ZIP_OK && ok;
}

// A DOCX as Word writes one (the parts a reader needs): each paragraph in runs, a text split over
// two runs, a table as w:tbl.
inline bool WriteDocx(const std::string& path, const std::vector<DocxParagraph>& paragraphs) {
  std::string body;
  for (const DocxParagraph& p : paragraphs) {
    if (!p.table.empty()) {
      body += "<w:tbl><w:tblPr/>";
      for (const auto& row : p.table) {
        body += "<w:tr>";
        for (const std::string& cell : row)
          body += "<w:tc><w:p><w:r><w:t>" + XmlEscape(cell) + "</w:t></w:r></w:p></w:tc>";
        body += "</w:tr>";
      }
      body += "</w:tbl>";
      continue;
    }
    body += "<w:p>";
    if (!p.style.empty()) body += "<w:pPr><w:pStyle w:val=\"" + p.style + "\"/></w:pPr>";
    // Word splits text into runs wherever formatting changes: two runs here.
    std::vector<char32_t> chars = utf8::Decode(p.text).cp;
    size_t half = chars.size() / 2;
    std::string a, b;
    for (size_t i = 0; i < chars.size(); ++i) utf8::AppendUtf8(chars[i], i < half ? &a : &b);
    body += "<w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">" + XmlEscape(a) +
            "</w:t></w:r><w:r><w:t>" + XmlEscape(b) + "</w:t></w:r></w:p>";
  }
  std::string document =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
      "<w:body>" +
      body + "<w:sectPr/></w:body></w:document>";
  zipFile zip = zipOpen(path.c_str(), APPEND_STATUS_CREATE);
  if (!zip) return false;
  bool ok =
      AddZipEntry(zip, "[Content_Types].xml",
                  "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
                  "package/2006/content-types\"><Override PartName=\"/word/document.xml\" "
                  "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml."
                  "document.main+xml\"/></Types>") &&
      AddZipEntry(zip, "word/document.xml", document) &&
      // Styles as a Chinese Word names them: ids "1", "2" for 标题 1, 标题 2.
      AddZipEntry(zip, "word/styles.xml",
                  "<?xml version=\"1.0\"?><w:styles xmlns:w=\"http://schemas.openxmlformats."
                  "org/wordprocessingml/2006/main\"><w:style w:type=\"paragraph\" "
                  "w:styleId=\"a\"><w:name w:val=\"Normal\"/></w:style><w:style "
                  "w:type=\"paragraph\" w:styleId=\"1\"><w:name w:val=\"heading 1\"/>"
                  "</w:style><w:style w:type=\"paragraph\" w:styleId=\"2\"><w:name "
                  "w:val=\"heading 2\"/></w:style><w:style w:type=\"paragraph\" "
                  "w:styleId=\"a3\"><w:name w:val=\"Title\"/></w:style></w:styles>");
  return zipClose(zip, nullptr) == ZIP_OK && ok;
}

// The same lines as a DOCX of plain paragraphs.
inline bool WriteDocxLines(const std::string& path, const std::vector<std::string>& lines) {
  std::vector<DocxParagraph> ps;
  for (const std::string& l : lines) ps.push_back({l, "", {}});
  return WriteDocx(path, ps);
}

}  // namespace zx::text::testing
