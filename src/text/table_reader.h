// Tables from files people export from their systems: CSV and TSV (UTF-8, with or without a
// byte-order mark, or GBK as Chinese Windows and social-insurance systems export it: a file
// that is not UTF-8 is read as GBK when it is GBK throughout; RFC 4180 quoting: a field that
// starts with a double quote may hold the delimiter, line breaks and "" for a quote) and XLSX
// (the first worksheet). The first row is the header. Used by imports: the router's history
// (tickets), campaign target lists.
//
// These read a whole table into memory; text/table_stream.h reads the same files a row at a time
// (and is what these use).
//
// Every row keeps the line it starts on (CSV/TSV: the file's line, 1 for the header; XLSX: the
// sheet's row number), so that an importer can name it in its messages. The reader only splits;
// whether a row has enough fields is the importer's business (rows keep what they had).
// Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::text {

struct TableRow {
  size_t line = 0;
  std::vector<std::string> fields;
};

struct Table {
  std::vector<std::string> header;
  std::vector<TableRow> rows;      // blank lines are left out
  std::string encoding = "UTF-8";  // what the file was written in: "UTF-8" or "GBK" (CSV/TSV)
  // The index of the header column named `name` (exact, surrounding spaces ignored), or -1.
  int Column(std::string_view name) const;
};

enum class TableFormat { kCsv, kTsv, kXlsx };

// By the file's extension (case-insensitive): .csv; .tsv, .tab or .txt; .xlsx. kInvalidArgument
// naming the file otherwise.
Result<TableFormat> TableFormatOf(const std::string& path);

// Reads the file at `path` by its extension. Errors name the file (and the line where one is
// known): kNotFound when it does not exist; kInvalidArgument for a file that is not what its
// extension says, a quoted field never closed, text neither UTF-8 nor GBK (with the first line
// that is not UTF-8), an empty file (no header).
Result<Table> ReadTable(const std::string& path);

// CSV or TSV text; `name` is used in messages.
Result<Table> ParseDelimited(std::string_view bytes, char delimiter, const std::string& name);

// The first worksheet of the XLSX file at `path`.
Result<Table> ReadXlsx(const std::string& path);

}  // namespace zx::text
