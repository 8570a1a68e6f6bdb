#include "text/table_writer.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "text/utf8.h"

namespace zx::text {
namespace {

constexpr size_t kMaxSheetRows = 1048575;  // Excel's 1,048,576 rows, less the header

// A text cell as a spreadsheet must not run it (see the header).
std::string Inert(const std::string& text) {
  if (!text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos)
    return "'" + text;
  return text;
}

void AppendCsvField(std::string& out, const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string NumberText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

// The temporary .xlsx that libxlsxwriter 1.1.4 (Debian 12; no memory output before 1.1.5) writes,
// removed when it goes out of scope.
class TempFile {
 public:
  TempFile() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "zhixian-export-XXXXXX.xlsx").string();
    int fd = ::mkstemps(pattern.data(), 5);
    if (fd >= 0) {
      ::close(fd);
      path_ = pattern;
    }
  }
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Status CheckSheetName(const std::string& name) {
  if (name.empty() || utf8::CountCodePoints(name) > 31 ||
      name.find_first_of("[]:*?/\\") != std::string::npos)
    return InvalidArgument("worksheet name \"" + name +
                           "\" must be 1-31 characters without []:*?/\\");
  return Status::Ok();
}

}  // namespace

std::string WriteCsv(const SheetTable& table) {
  std::string out = "\xEF\xBB\xBF";
  auto line = [&out](const auto& cells, auto text_of) {
    bool first = true;
    for (const auto& c : cells) {
      if (!first) out += ',';
      first = false;
      AppendCsvField(out, text_of(c));
    }
    out += "\r\n";
  };
  line(table.header, [](const std::string& h) { return Inert(h); });
  for (const auto& row : table.rows)
    line(row, [](const Cell& c) {
      if (const double* v = std::get_if<double>(&c)) return NumberText(*v);
      return Inert(std::get<std::string>(c));
    });
  return out;
}

Result<std::string> WriteXlsx(const std::vector<SheetTable>& tables) {
  for (const auto& t : tables) {
    ZX_RETURN_IF_ERROR(CheckSheetName(t.name));
    if (t.rows.size() > kMaxSheetRows)
      return InvalidArgument("worksheet \"" + t.name + "\" has " + std::to_string(t.rows.size()) +
                             " rows; a worksheet holds at most " + std::to_string(kMaxSheetRows));
  }
  TempFile file;
  if (file.path().empty()) return Internal("cannot make a temporary file for the XLSX export");
  // Rows are written in order, so constant-memory mode keeps large exports small in memory.
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  lxw_workbook* book = workbook_new_opt(file.path().c_str(), &options);
  if (book == nullptr) return Internal("libxlsxwriter could not start a workbook");
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  for (const auto& t : tables) {
    lxw_worksheet* sheet = workbook_add_worksheet(book, t.name.c_str());
    if (sheet == nullptr) {
      workbook_close(book);
      return InvalidArgument("worksheet name \"" + t.name + "\" is not accepted (repeated?)");
    }
    worksheet_freeze_panes(sheet, 1, 0);
    for (size_t c = 0; c < t.header.size(); ++c)
      worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), Inert(t.header[c]).c_str(), bold);
    for (size_t r = 0; r < t.rows.size(); ++r)
      for (size_t c = 0; c < t.rows[r].size(); ++c) {
        const auto row = static_cast<lxw_row_t>(r + 1);
        const auto col = static_cast<lxw_col_t>(c);
        if (const double* v = std::get_if<double>(&t.rows[r][c]))
          worksheet_write_number(sheet, row, col, *v, nullptr);
        else
          worksheet_write_string(sheet, row, col,
                                 Inert(std::get<std::string>(t.rows[r][c])).c_str(), nullptr);
      }
  }
  if (lxw_error e = workbook_close(book); e != LXW_NO_ERROR)
    return Internal(std::string("libxlsxwriter: ") + lxw_strerror(e));
  std::ifstream in(file.path(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Internal("cannot read back the XLSX export");
  return bytes;
}

}  // namespace zx::text
