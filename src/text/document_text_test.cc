// The text of PDFs and DOCX files (text/document_text.h), over documents the test writes
// (text/testing/sample_documents.h): Chinese text back from a PDF page by page with progress, a
// DOCX's paragraphs, headings, runs and table rows, and each failure with its code: a PDF with an
// open password (qpdf), a scanned page without text, too many bytes or pages, a damaged PDF or
// zip, an old .doc and a spreadsheet.
#include "text/document_text.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/testing/temp_dir.h"
#include "text/testing/sample_documents.h"

namespace zx::text {
namespace {

using testing::SamplePolicyLines;

// A sample line as extraction gives it: no space beside a Chinese character.
std::string Extracted(std::string line) {
  std::erase(line, ' ');
  return line;
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(DocumentTextTest, SniffsKindFromBytes) {
  EXPECT_EQ(SniffDocumentKind("%PDF-1.7\n"), DocumentKind::kPdf);
  EXPECT_EQ(SniffDocumentKind("\r\n%PDF-1.4"), DocumentKind::kPdf);
  EXPECT_EQ(SniffDocumentKind(std::string("PK\x03\x04", 4) + "rest"), DocumentKind::kDocx);
  EXPECT_EQ(SniffDocumentKind("hello"), DocumentKind::kUnknown);
  EXPECT_EQ(DocumentKindName(DocumentKind::kDocx), "docx");
}

TEST(DocumentTextTest, ReadsChineseTextOfAPdfPageByPage) {
  zx::testing::TempDir dir;
  std::vector<std::string> lines = SamplePolicyLines();
  std::vector<std::string> first(lines.begin(), lines.begin() + 6);
  std::vector<std::string> second(lines.begin() + 6, lines.end());
  ASSERT_TRUE(testing::WritePdf(dir.File("a.pdf"), {first, second}));
  std::vector<std::pair<int, int>> progress;
  DocumentText d = ExtractDocumentText(dir.File("a.pdf"), {}, [&](int done, int total) {
    progress.push_back({done, total});
  });
  ASSERT_TRUE(d.ok()) << d.problem << ": " << d.message;
  EXPECT_EQ(d.kind, DocumentKind::kPdf);
  EXPECT_EQ(d.pages, 2);
  ASSERT_EQ(d.paragraphs.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(d.paragraphs[i].text, Extracted(lines[i])) << i;
  EXPECT_EQ(d.paragraphs.front().page, 1);
  EXPECT_EQ(d.paragraphs.back().page, 2);
  EXPECT_NE(d.Joined().find("示医保发〔2025〕12号\n"), std::string::npos);
  EXPECT_EQ(progress, (std::vector<std::pair<int, int>>{{1, 2}, {2, 2}}));
}

TEST(DocumentTextTest, ReadsADocxWithHeadingsRunsAndTables) {
  zx::testing::TempDir dir;
  ASSERT_TRUE(testing::WriteDocx(
      dir.File("b.docx"),
      {{"示例市失业保险金标准调整说明", "Title", {}},
       {"一、调整标准", "Heading1", {}},
       {"失业保险金标准由每月1850元调整为每月1980元。", "", {}},
       {"", "", {{"渠道", "地址"}, {"线上", "示例市人社APP"}, {"线下", "各区就业服务中心"}}},
       {"A & B <c>", "2", {}},
       {"（二）", "a", {}}}));
  DocumentText d = ExtractDocumentText(dir.File("b.docx"), {});
  ASSERT_TRUE(d.ok()) << d.message;
  EXPECT_EQ(d.kind, DocumentKind::kDocx);
  ASSERT_EQ(d.paragraphs.size(), 8u);
  EXPECT_EQ(d.paragraphs[0].text, "示例市失业保险金标准调整说明");
  EXPECT_EQ(d.paragraphs[0].heading, 1);
  EXPECT_EQ(d.paragraphs[1].text, "一、调整标准");
  EXPECT_EQ(d.paragraphs[1].heading, 1);
  EXPECT_EQ(d.paragraphs[2].text, "失业保险金标准由每月1850元调整为每月1980元。");
  EXPECT_EQ(d.paragraphs[2].heading, 0);
  EXPECT_EQ(d.paragraphs[3].text, "渠道 | 地址");
  EXPECT_EQ(d.paragraphs[5].text, "线下 | 各区就业服务中心");
  EXPECT_EQ(d.paragraphs[6].text, "A & B <c>");
  EXPECT_EQ(d.paragraphs[6].heading, 2);  // style "2" is named "heading 2" in styles.xml
  EXPECT_EQ(d.paragraphs[7].heading, 0);  // "a" is Normal
}

TEST(DocumentTextTest, APdfWithAnOpenPasswordIsEncrypted) {
  zx::testing::TempDir dir;
  ASSERT_TRUE(testing::WritePdf(dir.File("plain.pdf"), {SamplePolicyLines()}));
  ASSERT_TRUE(testing::EncryptPdf(dir.File("plain.pdf"), dir.File("locked.pdf")))
      << "qpdf is needed (scripts/install-deps.sh --test)";
  DocumentText d = ExtractDocumentText(dir.File("locked.pdf"), {});
  EXPECT_EQ(d.problem, "encrypted");
  EXPECT_NE(d.message.find("密码"), std::string::npos);
}

TEST(DocumentTextTest, AScannedPageHasNoText) {
  zx::testing::TempDir dir;
  ASSERT_TRUE(testing::WriteImagePdf(dir.File("scan.pdf")));
  DocumentText d = ExtractDocumentText(dir.File("scan.pdf"), {});
  EXPECT_EQ(d.problem, "no_text");
  EXPECT_NE(d.message.find("OCR"), std::string::npos);
}

TEST(DocumentTextTest, TooManyBytesOrPagesIsTooLarge) {
  zx::testing::TempDir dir;
  ASSERT_TRUE(testing::WritePdf(dir.File("a.pdf"), {{"第一页"}, {"第二页"}, {"第三页"}}));
  DocumentLimits pages;
  pages.max_pages = 2;
  DocumentText d = ExtractDocumentText(dir.File("a.pdf"), pages);
  EXPECT_EQ(d.problem, "too_large");
  EXPECT_NE(d.message.find("3 页"), std::string::npos);
  DocumentLimits bytes;
  bytes.max_bytes = 100;
  EXPECT_EQ(ExtractDocumentText(dir.File("a.pdf"), bytes).problem, "too_large");
  EXPECT_TRUE(ExtractDocumentText(dir.File("a.pdf"), {}).ok());
}

TEST(DocumentTextTest, DamagedFilesAreCorruptAndOthersUnsupported) {
  zx::testing::TempDir dir;
  WriteBytes(dir.File("bad.pdf"), "%PDF-1.4\nthis is not a PDF at all\n");
  EXPECT_EQ(ExtractDocumentText(dir.File("bad.pdf"), {}).problem, "corrupt");
  WriteBytes(dir.File("bad.docx"), std::string("PK\x03\x04", 4) + "truncated");
  EXPECT_EQ(ExtractDocumentText(dir.File("bad.docx"), {}).problem, "corrupt");
  WriteBytes(dir.File("old.doc"), std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "x");
  DocumentText doc = ExtractDocumentText(dir.File("old.doc"), {});
  EXPECT_EQ(doc.problem, "unsupported");
  EXPECT_NE(doc.message.find(".doc"), std::string::npos);
  WriteBytes(dir.File("notes.txt"), "纯文本");
  EXPECT_EQ(ExtractDocumentText(dir.File("notes.txt"), {}).problem, "unsupported");
  // A zip that is not a Word document (a workbook).
  zipFile zip = zipOpen(dir.File("book.xlsx").c_str(), APPEND_STATUS_CREATE);
  ASSERT_NE(zip, nullptr);
  ASSERT_TRUE(testing::AddZipEntry(zip, "xl/workbook.xml", "<workbook/>"));
  ASSERT_EQ(zipClose(zip, nullptr), ZIP_OK);
  EXPECT_EQ(ExtractDocumentText(dir.File("book.xlsx"), {}).problem, "unsupported");
  EXPECT_EQ(ExtractDocumentText(dir.File("missing.pdf"), {}).problem, "corrupt");
}

}  // namespace
}  // namespace zx::text
