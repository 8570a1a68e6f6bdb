// Tables read a row at a time (text/table_stream.h): files larger than the reader's chunks with
// records across the chunk edges (quoted line breaks, CRLF, "" escapes, UTF-8 and GBK
// characters cut by an edge), rows read again by position, and XLSX date cells.
#include "text/table_stream.h"

#include <gtest/gtest.h>
#include <minizip/zip.h>

#include <fstream>
#include <random>

#include "base/testing/temp_dir.h"

namespace zx::text {
namespace {

struct Expected {
  size_t line;
  std::vector<std::string> fields;
};

// `n` records of three fields, some quoted over two lines; `gbk` writes the Chinese in GBK.
std::string Records(size_t n, bool gbk, std::vector<Expected>* expected) {
  const std::string zhang = gbk ? "\xD5\xC5\xC8\xFD" : "张三";
  const std::string line2 = gbk ? "\xB5\xDA\xB6\xFE\xD0\xD0" : "第二行";
  std::string out = "id,name,remark\r\n";
  size_t line = 2;
  std::mt19937 rng(7);
  for (size_t i = 0; i < n; ++i) {
    std::string pad(rng() % 200, 'x');
    Expected e{line, {std::to_string(i), "张三" + pad, ""}};
    out += std::to_string(i) + "," + zhang + pad + ",";
    switch (i % 4) {
      case 0:
        out += "\"a,\"\"b\"\"\r\n" + line2 + "\"\r\n";
        e.fields[2] = "a,\"b\"\r\n第二行";
        line += 2;
        break;
      case 1:
        out += "plain\n";
        e.fields[2] = "plain";
        line += 1;
        break;
      case 2:
        out += "\r\n\r\n";  // an empty last field, then a blank line
        line += 2;
        break;
      default:
        out += "\"\"\r";  // an empty quoted field, a lone CR
        line += 1;
        break;
    }
    expected->push_back(std::move(e));
  }
  return out;
}

void ExpectStreamed(const std::string& path, const std::vector<Expected>& expected,
                    const std::string& encoding) {
  auto opened = OpenTable(path);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  TableStream& s = **opened;
  EXPECT_EQ(s.encoding(), encoding);
  EXPECT_EQ(s.header(), (std::vector<std::string>{"id", "name", "remark"}));
  RowView row;
  std::vector<std::pair<uint64_t, size_t>> positions;
  for (const Expected& e : expected) {
    auto more = s.Next(row);
    ASSERT_TRUE(more.ok() && *more) << e.line;
    ASSERT_EQ(row.line, e.line);
    ASSERT_EQ(std::vector<std::string>(row.fields.begin(), row.fields.end()), e.fields) << e.line;
    positions.emplace_back(row.position, row.line);
  }
  auto end = s.Next(row);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
  EXPECT_EQ(s.bytes_read(), s.total_bytes());
  // Again by position, far apart and out of order.
  ASSERT_TRUE(s.seekable());
  std::mt19937 rng(3);
  for (int k = 0; k < 2000; ++k) {
    size_t i = rng() % expected.size();
    ASSERT_TRUE(s.ReadAt(positions[i].first, positions[i].second, row).ok());
    ASSERT_EQ(row.line, expected[i].line);
    ASSERT_EQ(std::vector<std::string>(row.fields.begin(), row.fields.end()), expected[i].fields);
  }
}

TEST(TableStreamTest, Utf8RecordsAcrossChunks) {
  zx::testing::TempDir dir;
  std::vector<Expected> expected;
  std::string path = dir.File("big.csv");
  std::ofstream(path, std::ios::binary) << Records(20000, false, &expected);  // ~2.5 MB
  ExpectStreamed(path, expected, "UTF-8");
}

TEST(TableStreamTest, GbkRecordsAcrossChunks) {
  zx::testing::TempDir dir;
  std::vector<Expected> expected;
  std::string path = dir.File("big-gbk.csv");
  std::ofstream(path, std::ios::binary) << Records(20000, true, &expected);
  ExpectStreamed(path, expected, "GBK");
}

// A file of more than 8 MB is scanned in two halves at once: valid UTF-8 across the middle,
// and a bad byte in the second half found with its line.
TEST(TableStreamTest, LargeFilesAreScannedInTwoHalves) {
  zx::testing::TempDir dir;
  std::vector<Expected> expected;
  std::string csv = Records(80000, false, &expected);  // ~10 MB
  ASSERT_GT(csv.size(), 8u << 20);
  std::string path = dir.File("large.csv");
  std::ofstream(path, std::ios::binary) << csv;
  ExpectStreamed(path, expected, "UTF-8");

  const Expected& late = expected[60001];  // after a record that ends with \n (not a lone \r)
  size_t at = csv.find("\n" + late.fields[0] + ",");
  ASSERT_NE(at, std::string::npos);
  ++at;
  csv.insert(at, "\xFF");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << csv;
  auto bad = OpenTable(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(":" + std::to_string(late.line) + ": not UTF-8"),
            std::string::npos)
      << bad.status().message();
}

// The encoding scan reads a megabyte at a time: a character cut by that edge is still UTF-8.
TEST(TableStreamTest, Utf8CharacterCutByTheScanIsStillUtf8) {
  std::string csv = "a\n";
  while (csv.size() < (1u << 20) - 1 - 2) csv += "x\n";
  csv.resize((1u << 20) - 1 - 2, 'x');
  csv += "\n\n好\n";  // 好 (E5 A5 BD) starts one byte before the megabyte
  ASSERT_EQ(csv.find("好"), (1u << 20) - 1);
  auto s = OpenDelimited(csv, ',', "edge.csv");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ((*s)->encoding(), "UTF-8");
  RowView row;
  std::string last;
  while (*(*s)->Next(row)) last = std::string(row.fields[0]);
  EXPECT_EQ(last, "好");
}

TEST(TableStreamTest, TablesInMemoryStreamToo) {
  Table t;
  t.header = {"a"};
  t.rows = {{2, {"x"}}, {5, {"y"}}};
  auto s = StreamOf(t);
  RowView row;
  ASSERT_TRUE(*s->Next(row));
  ASSERT_TRUE(*s->Next(row));
  EXPECT_EQ(row.line, 5u);
  EXPECT_FALSE(*s->Next(row));
  ASSERT_TRUE(s->ReadAt(0, 2, row).ok());
  EXPECT_EQ(row.fields[0], "x");
}

void AddEntry(zipFile zip, const char* name, const std::string& body) {
  ASSERT_EQ(zipOpenNewFileInZip(zip, name, nullptr, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                                Z_DEFAULT_COMPRESSION),
            ZIP_OK);
  ASSERT_EQ(zipWriteInFileInZip(zip, body.data(), static_cast<unsigned>(body.size())), ZIP_OK);
  ASSERT_EQ(zipCloseFileInZip(zip), ZIP_OK);
}

// Dates as numbers with a date format: built-in 14, a custom Chinese one, a date and time; a
// number with a number format stays a number; the 1904 date system.
void WriteDates(const std::string& path, bool date1904) {
  zipFile zip = zipOpen(path.c_str(), APPEND_STATUS_CREATE);
  ASSERT_NE(zip, nullptr);
  const std::string ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  AddEntry(zip, "xl/workbook.xml",
           "<workbook xmlns=\"" + ns + "\" xmlns:r=\"http://schemas.openxmlformats.org/" +
               "officeDocument/2006/relationships\">" +
               (date1904 ? "<workbookPr date1904=\"1\"/>" : "<workbookPr/>") +
               "<sheets><sheet name=\"s\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
  AddEntry(zip, "xl/_rels/workbook.xml.rels",
           "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
           "relationships\"><Relationship Id=\"rId1\" Type=\"worksheet\" "
           "Target=\"worksheets/sheet1.xml\"/></Relationships>");
  AddEntry(zip, "xl/styles.xml",
           "<styleSheet xmlns=\"" + ns +
               "\"><numFmts count=\"2\"><numFmt numFmtId=\"164\" "
               "formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/><numFmt "
               "numFmtId=\"165\" formatCode=\"[Red]0.00&quot;d&quot;\"/></numFmts>"
               "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
               "<cellXfs count=\"5\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf "
               "numFmtId=\"164\"/><xf numFmtId=\"165\"/><xf numFmtId=\"22\"/></cellXfs>"
               "</styleSheet>");
  std::string base = date1904 ? "44895" : "46357";  // 2026-12-01 either way
  AddEntry(zip, "xl/worksheets/sheet1.xml",
           "<worksheet xmlns=\"" + ns +
               "\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>d</t></is></c>"
               "</row><row r=\"2\"><c r=\"A2\" s=\"1\"><v>" +
               base + "</v></c><c r=\"B2\" s=\"2\"><v>" + base + "</v></c><c r=\"C2\" s=\"3\"><v>" +
               base + "</v></c><c r=\"D2\" s=\"4\"><v>" + base +
               ".5</v></c><c r=\"E2\" s=\"0\"><v>" + base +
               "</v></c></row></sheetData></worksheet>");
  ASSERT_EQ(zipClose(zip, nullptr), ZIP_OK);
}

TEST(TableStreamTest, XlsxDateCellsAreDates) {
  for (bool date1904 : {false, true}) {
    SCOPED_TRACE(date1904);
    zx::testing::TempDir dir;
    std::string path = dir.File("dates.xlsx");
    WriteDates(path, date1904);
    auto t = ReadTable(path);
    ASSERT_TRUE(t.ok()) << t.status().message();
    ASSERT_EQ(t->rows.size(), 1u);
    std::string n = date1904 ? "44895" : "46357";
    EXPECT_EQ(t->rows[0].fields,
              (std::vector<std::string>{"2026-12-01", "2026-12-01", n, "2026-12-01 12:00", n}));
  }
}

}  // namespace
}  // namespace zx::text
