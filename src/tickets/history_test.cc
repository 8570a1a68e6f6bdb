#include "tickets/history.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/testing/temp_dir.h"

namespace zx::tickets {
namespace {

std::string Write(const zx::testing::TempDir& dir, const std::string& name,
                  const std::string& body) {
  std::string path = dir.File(name);
  std::ofstream(path, std::ios::binary) << body;
  return path;
}

TEST(HistoryTest, KeepsGoodRowsAndNamesEachBadOneWithLineAndReason) {
  zx::testing::TempDir dir;
  std::string body = "id\ttext\tlabel\n";
  for (int i = 0; i < 5; ++i)
    body += "a" + std::to_string(i) + "\t路灯坏了" + std::to_string(i) + "\t城乡建设\n";
  for (int i = 0; i < 5; ++i)
    body += "b" + std::to_string(i) + "\t拖欠工资" + std::to_string(i) + "\t劳动和社会保障\n";
  body += "c1\t   \t城乡建设\n";               // line 12: empty text
  body += "c2\t没有标签\t\n";                  // line 13: empty label
  body += "c3\t少了一列\n";                    // line 14: too few fields
  body += "c4\t\"跨行的\n留言\"\t交通运输\n";  // line 15-16: a label with one example
  std::string path = Write(dir, "history.tsv", body);
  auto h = ReadHistory(path);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->rows_read, 14u);
  EXPECT_EQ(h->examples.size(), 10u);
  ASSERT_EQ(h->skipped.size(), 3u);
  EXPECT_EQ(h->skipped[0].line, 12u);
  EXPECT_EQ(h->skipped[0].message, path + ":12: empty text (column \"text\")");
  EXPECT_EQ(h->skipped[1].line, 13u);
  EXPECT_NE(h->skipped[1].reason.find("empty label"), std::string::npos);
  EXPECT_EQ(h->skipped[2].line, 14u);
  EXPECT_NE(h->skipped[2].reason.find("2 field(s), the header has 3"), std::string::npos);
  ASSERT_EQ(h->rare.size(), 1u);
  EXPECT_EQ(h->rare[0], (std::pair<std::string, int>{"交通运输", 1}));
  ASSERT_EQ(h->warnings.size(), 1u);
  EXPECT_NE(h->warnings[0].find("交通运输"), std::string::npos);
}

TEST(HistoryTest, CsvWithBomAndOtherColumnNames) {
  zx::testing::TempDir dir;
  std::string body = "\xEF\xBB\xBF\"留言\",\"类别\"\r\n";
  for (int i = 0; i < 5; ++i) body += "\"噪音, 扰民" + std::to_string(i) + "\",环境保护\r\n";
  for (int i = 0; i < 5; ++i) body += "欠薪" + std::to_string(i) + ",劳动和社会保障\r\n";
  std::string path = Write(dir, "h.csv", body);
  HistoryOptions o;
  o.text_column = "留言";
  o.label_column = "类别";
  auto h = ReadHistory(path, o);
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->examples.size(), 10u);
  EXPECT_EQ(h->examples[0].text, "噪音, 扰民0");
  EXPECT_EQ(h->examples[0].label, "环境保护");
}

TEST(HistoryTest, AMissingColumnIsAnErrorNamingFileLineAndColumns) {
  zx::testing::TempDir dir;
  std::string path = Write(dir, "h.tsv", "id\tmessage\tlabel\n1\t路灯\t城乡建设\n");
  auto h = ReadHistory(path);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().message(),
            path +
                ":1: no column \"text\" in the header (columns: id, message, label); name the "
                "right one with --text-column");
}

TEST(HistoryTest, UnreadableFiles) {
  zx::testing::TempDir dir;
  EXPECT_EQ(ReadHistory(dir.File("none.tsv")).status().code(), Code::kNotFound);
  auto unclosed = ReadHistory(Write(dir, "q.csv", "text,label\n\"open,甲\n"));
  ASSERT_FALSE(unclosed.ok());
  EXPECT_NE(unclosed.status().message().find("q.csv:2:"), std::string::npos);
  EXPECT_FALSE(ReadHistory(Write(dir, "h.json", "{}")).ok());
}

}  // namespace
}  // namespace zx::tickets
