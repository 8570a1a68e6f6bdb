#include "text/table_reader.h"

#include <gtest/gtest.h>
#include <minizip/zip.h>

#include <fstream>

#include "base/testing/temp_dir.h"

namespace zx::text {
namespace {

TEST(TableReaderTest, QuotedFieldsBomAndLineNumbers) {
  std::string csv =
      "\xEF\xBB\xBFid,text,label\r\n"
      "1,\"路灯坏了, 请修\",城乡建设\r\n"
      "\r\n"
      "2,\"第一行\n第二行 \"\"引号\"\"\",环境保护\n"
      "3,只有两列\n";
  auto t = ParseDelimited(csv, ',', "h.csv");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->header, (std::vector<std::string>{"id", "text", "label"}));
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[0].line, 2u);
  EXPECT_EQ(t->rows[0].fields[1], "路灯坏了, 请修");
  EXPECT_EQ(t->rows[1].line, 4u);
  EXPECT_EQ(t->rows[1].fields[1], "第一行\n第二行 \"引号\"");
  EXPECT_EQ(t->rows[1].fields[2], "环境保护");
  EXPECT_EQ(t->rows[2].line, 6u);  // the quoted line break counted
  EXPECT_EQ(t->rows[2].fields.size(), 2u);
  EXPECT_EQ(t->Column("label"), 2);
  EXPECT_EQ(t->Column("nope"), -1);
}

TEST(TableReaderTest, TsvKeepsQuotesInsideFields) {
  auto t = ParseDelimited("text\tlabel\n他说\"好\"\t甲\n", '\t', "h.tsv");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->rows.size(), 1u);
  EXPECT_EQ(t->rows[0].fields[0], "他说\"好\"");
}

TEST(TableReaderTest, UnclosedQuoteNamesFileAndLine) {
  auto t = ParseDelimited("text,label\na,b\n\"never closed,c\n", ',', "bad.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("bad.csv:3:"), std::string::npos) << t.status().message();
  EXPECT_NE(t.status().message().find("never closed"), std::string::npos);
}

TEST(TableReaderTest, InvalidUtf8AndEmpty) {
  auto bad = ParseDelimited("text,label\n\xFF\xFE,b\n", ',', "gbk.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("gbk.csv:2: not UTF-8"), std::string::npos);
  EXPECT_FALSE(ParseDelimited("\n\n", ',', "empty.csv").ok());
}

// GBK as Chinese Windows exports CSV ("姓名,说明" / "张三,"第一行<CRLF>第二行"" / "李四,好",
// CRLF): decoded to UTF-8 with the physical line numbers kept.
TEST(TableReaderTest, GbkIsDecodedAndKeepsLineNumbers) {
  std::string gbk =
      "\xD0\xD5\xC3\xFB,\xCB\xB5\xC3\xF7\r\n"
      "\xD5\xC5\xC8\xFD,\"\xB5\xDA\xD2\xBB\xD0\xD0\r\n\xB5\xDA\xB6\xFE\xD0\xD0\"\r\n"
      "\xC0\xEE\xCB\xC4,\xBA\xC3\r\n";
  auto t = ParseDelimited(gbk, ',', "gbk.csv");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->encoding, "GBK");
  EXPECT_EQ(t->header, (std::vector<std::string>{"姓名", "说明"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].line, 2u);
  EXPECT_EQ(t->rows[0].fields, (std::vector<std::string>{"张三", "第一行\r\n第二行"}));
  EXPECT_EQ(t->rows[1].line, 4u);
  EXPECT_EQ(t->rows[1].fields, (std::vector<std::string>{"李四", "好"}));
  // UTF-8 stays UTF-8; a lone GBK lead byte at the end is neither and names its line.
  EXPECT_EQ(ParseDelimited("a\n好\n", ',', "u.csv")->encoding, "UTF-8");
  auto bad = ParseDelimited("a\nb\n\xD0\xD5\n\xD0\n", ',', "half.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("half.csv:3: not UTF-8"), std::string::npos)
      << bad.status().message();
}

TEST(TableReaderTest, FormatByExtension) {
  EXPECT_EQ(*TableFormatOf("a.CSV"), TableFormat::kCsv);
  EXPECT_EQ(*TableFormatOf("a.tsv"), TableFormat::kTsv);
  EXPECT_EQ(*TableFormatOf("a.xlsx"), TableFormat::kXlsx);
  EXPECT_FALSE(TableFormatOf("a.xls").ok());
  EXPECT_EQ(ReadTable("/nonexistent/x.csv").status().code(), Code::kNotFound);
}

void AddEntry(zipFile zip, const char* name, const std::string& body) {
  ASSERT_EQ(zipOpenNewFileInZip(zip, name, nullptr, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                                Z_DEFAULT_COMPRESSION),
            ZIP_OK);
  ASSERT_EQ(zipWriteInFileInZip(zip, body.data(), static_cast<unsigned>(body.size())), ZIP_OK);
  ASSERT_EQ(zipCloseFileInZip(zip), ZIP_OK);
}

// A minimal workbook as Excel writes one: shared strings, an inline string, a number, a gap.
void WriteXlsx(const std::string& path) {
  zipFile zip = zipOpen(path.c_str(), APPEND_STATUS_CREATE);
  ASSERT_NE(zip, nullptr);
  AddEntry(
      zip, "xl/workbook.xml",
      R"(<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="工单" sheetId="1" r:id="rId7"/></sheets></workbook>)");
  AddEntry(
      zip, "xl/_rels/workbook.xml.rels",
      R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="worksheet" Target="worksheets/orders.xml"/></Relationships>)");
  AddEntry(
      zip, "xl/sharedStrings.xml",
      R"(<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>text</t></si><si><t>label</t></si><si><r><t>路灯</t></r><r><t>不亮 &amp; 没人修</t></r></si><si><t>城乡建设</t></si></sst>)");
  AddEntry(
      zip, "xl/worksheets/orders.xml",
      R"(<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
      R"(<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>)"
      R"(<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>42</v></c><c r="C2" t="s"><v>3</v></c></row>)"
      R"(<row r="5"><c r="A5" t="inlineStr"><is><t>工厂噪音</t></is></c></row>)"
      R"(</sheetData></worksheet>)");
  ASSERT_EQ(zipClose(zip, nullptr), ZIP_OK);
}

TEST(TableReaderTest, ReadsTheFirstWorksheetOfAnXlsx) {
  zx::testing::TempDir dir;
  std::string path = dir.File("history.xlsx");
  WriteXlsx(path);
  auto t = ReadTable(path);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->header, (std::vector<std::string>{"text", "", "label"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].line, 2u);
  EXPECT_EQ(t->rows[0].fields, (std::vector<std::string>{"路灯不亮 & 没人修", "42", "城乡建设"}));
  EXPECT_EQ(t->rows[1].line, 5u);
  EXPECT_EQ(t->rows[1].fields, (std::vector<std::string>{"工厂噪音"}));
}

TEST(TableReaderTest, AnXlsxThatIsNotAZipIsAClearError) {
  zx::testing::TempDir dir;
  std::string path = dir.File("fake.xlsx");
  std::ofstream(path) << "text,label\n";
  auto t = ReadTable(path);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("not an XLSX workbook"), std::string::npos);
}

}  // namespace
}  // namespace zx::text
