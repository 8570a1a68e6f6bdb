#include "text/table_reader.h"

#include <expat.h>
#include <minizip/unzip.h>
#include <unicode/ucnv.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "base/file.h"
#include "text/normalizer.h"

namespace zx::text {

namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
    --e;
  return std::string(s.substr(b, e - b));
}

bool AllEmpty(const std::vector<std::string>& fields) {
  return std::all_of(fields.begin(), fields.end(),
                     [](const std::string& f) { return Trim(f).empty(); });
}

Table WithHeader(std::vector<TableRow> rows) {
  Table t;
  auto first =
      std::find_if(rows.begin(), rows.end(), [](const TableRow& r) { return !AllEmpty(r.fields); });
  if (first == rows.end()) return t;
  for (auto& f : first->fields) t.header.push_back(Trim(f));
  for (auto it = first + 1; it != rows.end(); ++it) {
    if (!AllEmpty(it->fields)) t.rows.push_back(std::move(*it));
  }
  return t;
}

// `bytes` decoded from GBK (code page 936, as Chinese Windows and social-insurance systems
// export CSV) to UTF-8, or nullopt when they are not GBK either. Strict: an unmapped or
// ill-formed sequence fails rather than becoming U+FFFD. GBK's trail bytes are never below 0x40,
// so line breaks (and the delimiters) are the same bytes before and after: line numbers hold.
std::optional<std::string> DecodeGbk(std::string_view bytes) {
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UConverter, decltype(&ucnv_close)> from(ucnv_open("GBK", &err), &ucnv_close);
  if (U_FAILURE(err)) return std::nullopt;
  ucnv_setToUCallBack(from.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  std::unique_ptr<UConverter, decltype(&ucnv_close)> to(ucnv_open("UTF-8", &err), &ucnv_close);
  if (U_FAILURE(err)) return std::nullopt;
  // A GBK character (2 bytes, or 1 for ASCII) is mostly at most 3 bytes of UTF-8; the buffer
  // grows when not (the explicit pivot lets the conversion continue where it stopped).
  std::string out(bytes.size() * 3 / 2 + 16, '\0');
  char* target = out.data();
  const char* source = bytes.data();
  UChar pivot[1024];
  UChar* pivot_source = pivot;
  UChar* pivot_target = pivot;
  for (bool reset = true;; reset = false) {
    err = U_ZERO_ERROR;
    ucnv_convertEx(to.get(), from.get(), &target, out.data() + out.size(), &source,
                   bytes.data() + bytes.size(), pivot, &pivot_source, &pivot_target, pivot + 1024,
                   reset, true, &err);
    if (err != U_BUFFER_OVERFLOW_ERROR) break;
    size_t used = static_cast<size_t>(target - out.data());
    out.resize(out.size() * 2);
    target = out.data() + used;
  }
  if (U_FAILURE(err)) return std::nullopt;
  out.resize(static_cast<size_t>(target - out.data()));
  return out;
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
  std::string encoding = "UTF-8";
  std::optional<std::string> gbk;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
  } else if (!IsValidUtf8(bytes) && (gbk = DecodeGbk(bytes))) {
    // Not UTF-8 but GBK throughout; otherwise the check below names the first bad line.
    bytes = *gbk;
    encoding = "GBK";
  }
  std::vector<TableRow> rows;
  TableRow row;
  std::string field;
  size_t line = 1;
  row.line = 1;
  size_t i = 0;
  const size_t n = bytes.size();
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
  };
  auto end_row = [&] {
    end_field();
    rows.push_back(std::move(row));
    row = TableRow{};
  };
  while (i < n) {
    // At the start of a field.
    if (bytes[i] == '"') {
      const size_t opened = line;
      ++i;
      bool closed = false;
      while (i < n) {
        char c = bytes[i];
        if (c == '"') {
          if (i + 1 < n && bytes[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        if (c == '\n') ++line;
        field += c;
        ++i;
      }
      if (!closed) {
        return InvalidArgument(name + ":" + std::to_string(opened) +
                               ": a quoted field opened on this line is never closed");
      }
      // Anything up to the delimiter after the closing quote is kept as written.
      while (i < n && bytes[i] != delimiter && bytes[i] != '\n' && bytes[i] != '\r') {
        field += bytes[i++];
      }
    } else {
      while (i < n && bytes[i] != delimiter && bytes[i] != '\n' && bytes[i] != '\r') {
        field += bytes[i++];
      }
    }
    if (i >= n) break;
    if (bytes[i] == delimiter) {
      ++i;
      end_field();
      if (i >= n) break;
      continue;
    }
    // A line break: \n, \r\n or a lone \r.
    if (bytes[i] == '\r') ++i;
    if (i < n && bytes[i] == '\n') ++i;
    end_row();
    ++line;
    row.line = line;
  }
  if (!field.empty() || !row.fields.empty()) end_row();
  for (const auto& r : rows) {
    for (const auto& f : r.fields) {
      if (!IsValidUtf8(f)) {
        return InvalidArgument(name + ":" + std::to_string(r.line) +
                               ": not UTF-8 (nor GBK throughout; save the file as UTF-8)");
      }
    }
  }
  Table t = WithHeader(std::move(rows));
  if (t.header.empty()) return InvalidArgument(name + ": empty file (no header row)");
  t.encoding = encoding;
  return t;
}

// ---- XLSX ----

namespace {

struct UnzipCloser {
  void operator()(void* z) const { unzClose(z); }
};

// The bytes of `entry` inside the zip, or kNotFound.
Result<std::string> ZipEntry(unzFile zip, const std::string& entry, const std::string& name) {
  if (unzLocateFile(zip, entry.c_str(), 0) != UNZ_OK) {
    return NotFound(name + ": no " + entry + " inside (not an XLSX workbook?)");
  }
  unz_file_info64 info{};
  if (unzGetCurrentFileInfo64(zip, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK ||
      unzOpenCurrentFile(zip) != UNZ_OK) {
    return InvalidArgument(name + ": cannot read " + entry + " inside the workbook");
  }
  if (info.uncompressed_size > (1ull << 31)) {
    unzCloseCurrentFile(zip);
    return InvalidArgument(name + ": " + entry + " is too large");
  }
  std::string out;
  out.reserve(static_cast<size_t>(info.uncompressed_size));
  char buf[65536];
  int got = 0;
  while ((got = unzReadCurrentFile(zip, buf, sizeof buf)) > 0) out.append(buf, got);
  int closed = unzCloseCurrentFile(zip);
  if (got < 0 || closed != UNZ_OK) {
    return InvalidArgument(name + ": " + entry + " inside the workbook is damaged");
  }
  return out;
}

std::string_view LocalName(const char* qname) {
  std::string_view s(qname);
  size_t colon = s.rfind(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

const char* Attr(const char** attrs, std::string_view key) {
  for (size_t i = 0; attrs[i]; i += 2) {
    if (LocalName(attrs[i]) == key) return attrs[i + 1];
  }
  return nullptr;
}

// Runs expat over `xml` with a handler object having Start(name, attrs), End(name), Text(s).
template <typename Handler>
Status ParseXml(std::string_view xml, Handler& h, const std::string& where) {
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> p(XML_ParserCreate("UTF-8"),
                                                                 &XML_ParserFree);
  XML_SetUserData(p.get(), &h);
  XML_SetElementHandler(
      p.get(),
      [](void* u, const XML_Char* name, const XML_Char** attrs) {
        static_cast<Handler*>(u)->Start(LocalName(name), attrs);
      },
      [](void* u, const XML_Char* name) { static_cast<Handler*>(u)->End(LocalName(name)); });
  XML_SetCharacterDataHandler(p.get(), [](void* u, const XML_Char* s, int len) {
    static_cast<Handler*>(u)->Text(std::string_view(s, static_cast<size_t>(len)));
  });
  if (XML_Parse(p.get(), xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_ERROR) {
    return InvalidArgument(where + ": malformed XML at line " +
                           std::to_string(XML_GetCurrentLineNumber(p.get())) + ": " +
                           XML_ErrorString(XML_GetErrorCode(p.get())));
  }
  return Status::Ok();
}

// xl/sharedStrings.xml: <si> items, each the concatenation of its <t> texts (phonetic <rPh>
// runs left out).
struct SharedStrings {
  std::vector<std::string> items;
  bool in_t = false;
  int in_rph = 0;
  void Start(std::string_view n, const char**) {
    if (n == "si") items.emplace_back();
    if (n == "rPh") ++in_rph;
    if (n == "t") in_t = true;
  }
  void End(std::string_view n) {
    if (n == "rPh") --in_rph;
    if (n == "t") in_t = false;
  }
  void Text(std::string_view s) {
    if (in_t && in_rph == 0 && !items.empty()) items.back().append(s);
  }
};

// xl/workbook.xml: the relationship id of the first sheet.
struct Workbook {
  std::string first_sheet_rid;
  void Start(std::string_view n, const char** attrs) {
    if (n == "sheet" && first_sheet_rid.empty()) {
      if (const char* id = Attr(attrs, "id")) first_sheet_rid = id;
    }
  }
  void End(std::string_view) {}
  void Text(std::string_view) {}
};

// xl/_rels/workbook.xml.rels: relationship id -> target.
struct Relationships {
  std::map<std::string, std::string> targets;
  void Start(std::string_view n, const char** attrs) {
    if (n != "Relationship") return;
    const char* id = Attr(attrs, "Id");
    const char* target = Attr(attrs, "Target");
    if (id && target) targets[id] = target;
  }
  void End(std::string_view) {}
  void Text(std::string_view) {}
};

// The column index of a cell reference ("B12" -> 1), or -1.
int ColumnOf(const char* ref) {
  if (!ref) return -1;
  int col = 0;
  bool any = false;
  for (const char* p = ref; *p && std::isalpha(static_cast<unsigned char>(*p)); ++p) {
    col = col * 26 + (std::toupper(static_cast<unsigned char>(*p)) - 'A' + 1);
    any = true;
  }
  return any ? col - 1 : -1;
}

struct Sheet {
  const std::vector<std::string>* shared = nullptr;
  std::vector<TableRow> rows;
  std::string type, value;
  int col = -1, next_col = 0;
  size_t next_row = 1;
  bool in_value = false, in_inline = false;
  int in_rph = 0;
  std::string error;
  void Start(std::string_view n, const char** attrs) {
    if (n == "row") {
      TableRow r;
      const char* num = Attr(attrs, "r");
      r.line = num ? std::strtoul(num, nullptr, 10) : next_row;
      next_row = r.line + 1;
      rows.push_back(std::move(r));
      next_col = 0;
    } else if (n == "c") {
      const char* t = Attr(attrs, "t");
      type = t ? t : "n";
      int c = ColumnOf(Attr(attrs, "r"));
      col = c >= 0 ? c : next_col;
      next_col = col + 1;
      value.clear();
    } else if (n == "v") {
      in_value = true;
    } else if (n == "is") {
      in_inline = true;
    } else if (n == "rPh") {
      ++in_rph;
    } else if (n == "t" && in_inline) {
      in_value = true;
    }
  }
  void End(std::string_view n) {
    if (n == "v" || n == "t") {
      in_value = false;
    } else if (n == "is") {
      in_inline = false;
    } else if (n == "rPh") {
      --in_rph;
    } else if (n == "c" && !rows.empty() && col >= 0 && col < 16384) {
      std::string cell = value;
      if (type == "s") {
        size_t index = std::strtoul(value.c_str(), nullptr, 10);
        if (shared && index < shared->size()) {
          cell = (*shared)[index];
        } else if (error.empty()) {
          error = "row " + std::to_string(rows.back().line) + ": a cell refers to shared string " +
                  value + ", which does not exist";
        }
      } else if (type == "b") {
        cell = value == "1" ? "TRUE" : "FALSE";
      }
      auto& fields = rows.back().fields;
      if (fields.size() <= static_cast<size_t>(col)) fields.resize(col + 1);
      fields[col] = std::move(cell);
    }
  }
  void Text(std::string_view s) {
    if (in_value && in_rph == 0) value.append(s);
  }
};

}  // namespace

Result<Table> ReadXlsx(const std::string& path) {
  if (!std::filesystem::exists(path)) return NotFound(path + ": no such file");
  std::unique_ptr<void, UnzipCloser> zip(unzOpen64(path.c_str()));
  if (!zip) return InvalidArgument(path + ": not an XLSX workbook (not a zip archive)");

  std::vector<std::string> shared;
  auto strings = ZipEntry(zip.get(), "xl/sharedStrings.xml", path);
  if (strings.ok()) {
    SharedStrings h;
    ZX_RETURN_IF_ERROR(ParseXml(*strings, h, path + " (xl/sharedStrings.xml)"));
    shared = std::move(h.items);
  } else if (strings.status().code() != Code::kNotFound) {
    return strings.status();
  }

  // The first sheet of the workbook, wherever its relationship points.
  std::string sheet_path = "xl/worksheets/sheet1.xml";
  auto workbook = ZipEntry(zip.get(), "xl/workbook.xml", path);
  auto rels = ZipEntry(zip.get(), "xl/_rels/workbook.xml.rels", path);
  if (workbook.ok() && rels.ok()) {
    Workbook wb;
    Relationships rs;
    ZX_RETURN_IF_ERROR(ParseXml(*workbook, wb, path + " (xl/workbook.xml)"));
    ZX_RETURN_IF_ERROR(ParseXml(*rels, rs, path + " (xl/_rels/workbook.xml.rels)"));
    auto it = rs.targets.find(wb.first_sheet_rid);
    if (it != rs.targets.end()) {
      std::string target = it->second;
      sheet_path = target.starts_with("/") ? target.substr(1) : "xl/" + target;
    }
  }
  ZX_ASSIGN_OR_RETURN(std::string sheet_xml, ZipEntry(zip.get(), sheet_path, path));
  Sheet sheet;
  sheet.shared = &shared;
  ZX_RETURN_IF_ERROR(ParseXml(sheet_xml, sheet, path + " (" + sheet_path + ")"));
  if (!sheet.error.empty()) return InvalidArgument(path + ": " + sheet.error);
  for (const auto& r : sheet.rows) {
    for (const auto& f : r.fields) {
      if (!IsValidUtf8(f)) {
        return InvalidArgument(path + ": row " + std::to_string(r.line) + ": not UTF-8");
      }
    }
  }
  Table t = WithHeader(std::move(sheet.rows));
  if (t.header.empty()) return InvalidArgument(path + ": empty worksheet (no header row)");
  return t;
}

Result<Table> ReadTable(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(TableFormat format, TableFormatOf(path));
  if (format == TableFormat::kXlsx) return ReadXlsx(path);
  ZX_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return ParseDelimited(bytes, format == TableFormat::kCsv ? ',' : '\t', path);
}

}  // namespace zx::text
