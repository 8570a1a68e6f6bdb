#include "text/table_reader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "text/table_stream.h"

namespace zx::text {

namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
    --e;
  return std::string(s.substr(b, e - b));
}

// Every row of a stream (text/table_stream.h reads; this only keeps).
Result<Table> Collect(Result<std::unique_ptr<TableStream>> opened) {
  if (!opened.ok()) return opened.status();
  TableStream& stream = **opened;
  Table t;
  t.header = stream.header();
  t.encoding = stream.encoding();
  RowView row;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool more, stream.Next(row));
    if (!more) break;
    t.rows.push_back({row.line, {row.fields.begin(), row.fields.end()}});
  }
  return t;
}

}  // namespace

int Table::Column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == Trim(name)) return static_cast<int>(i);
  }
  return -1;
}

Result<TableFormat> TableFormatOf(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".csv") return TableFormat::kCsv;
  if (ext == ".tsv" || ext == ".tab" || ext == ".txt") return TableFormat::kTsv;
  if (ext == ".xlsx") return TableFormat::kXlsx;
  return InvalidArgument(path + ": unknown table format \"" + ext +
                         "\" (expected .csv, .tsv or .xlsx)");
}

Result<Table> ParseDelimited(std::string_view bytes, char delimiter, const std::string& name) {
  return Collect(OpenDelimited(bytes, delimiter, name));
}

Result<Table> ReadXlsx(const std::string& path) { return Collect(OpenXlsx(path)); }

Result<Table> ReadTable(const std::string& path) { return Collect(OpenTable(path)); }

}  // namespace zx::text
