// Tables written as CSV and XLSX read back by the project's own reader (table_reader.h): what
// goes out is what an import, or a person's spreadsheet, gets.
#include "text/table_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/testing/temp_dir.h"
#include "text/table_reader.h"

namespace zx::text {
namespace {

SheetTable Orders() {
  SheetTable t;
  t.name = "工单";
  t.header = {"工单号", "摘要", "时限小时"};
  t.rows = {{std::string("GD202612060001"), std::string("小区门口, \"垃圾\"没人清\n第二行"), 24.0},
            {std::string("GD202612060002"), std::string("=HYPERLINK(\"http://x\")"), 2.5}};
  return t;
}

TEST(TableWriter, CsvHasBomQuotesAndNoFormulas) {
  std::string csv = WriteCsv(Orders());
  ASSERT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.find("\r\n"), std::string::npos);
  auto back = ParseDelimited(csv, ',', "orders.csv");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->header, Orders().header);
  ASSERT_EQ(back->rows.size(), 2u);
  EXPECT_EQ(back->rows[0].fields[1], "小区门口, \"垃圾\"没人清\n第二行");
  EXPECT_EQ(back->rows[0].fields[2], "24");
  EXPECT_EQ(back->rows[1].fields[1], "'=HYPERLINK(\"http://x\")");
  EXPECT_EQ(back->rows[1].fields[2], "2.5");
}

TEST(TableWriter, XlsxReadsBackWithNumbersAsNumbers) {
  SheetTable figures;
  figures.name = "数据";
  figures.header = {"部门", "响应率"};
  figures.rows = {{std::string("城管"), 0.875}};
  auto bytes = WriteXlsx({Orders(), figures});
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ASSERT_EQ(bytes->substr(0, 2), "PK");  // a zip archive
  testing::TempDir dir;
  std::string path = (std::filesystem::path(dir.path()) / "out.xlsx").string();
  std::ofstream(path, std::ios::binary) << *bytes;
  auto back = ReadXlsx(path);  // the first worksheet
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->header, Orders().header);
  ASSERT_EQ(back->rows.size(), 2u);
  EXPECT_EQ(back->rows[0].fields[0], "GD202612060001");
  EXPECT_EQ(back->rows[0].fields[1], "小区门口, \"垃圾\"没人清\n第二行");
  EXPECT_EQ(back->rows[0].fields[2], "24");
  EXPECT_EQ(back->rows[1].fields[1], "'=HYPERLINK(\"http://x\")");
}

TEST(TableWriter, BadSheetsAreRefusedByName) {
  SheetTable t = Orders();
  t.name = "a/b";
  auto bad = WriteXlsx({t});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("a/b"), std::string::npos);
  t.name = std::string(32, 'x');
  EXPECT_FALSE(WriteXlsx({t}).ok());
  EXPECT_FALSE(WriteXlsx({Orders(), Orders()}).ok());  // the same name twice
}

}  // namespace
}  // namespace zx::text
