// Tables out, for the spreadsheets people keep (exports of work-order lists and figures): CSV
// and XLSX, the pair of text/table_reader.h. A cell is text or a number; numbers stay numbers in
// XLSX, so that a supervisor can sum and chart them.
//
// CSV is UTF-8 with a byte-order mark (without it Excel reads Chinese as mojibake), CRLF line
// ends and RFC 4180 quoting. A text cell that a spreadsheet would run as a formula (starting with
// = + - @, a tab or a carriage return: "CSV injection") gets a leading apostrophe, in both formats.
// Thread-safe: no shared state.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "base/status.h"

namespace zx::text {

using Cell = std::variant<std::string, double>;

struct SheetTable {
  std::string name;  // the worksheet's name (XLSX; at most 31 characters, none of []:*?/\)
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

std::string WriteCsv(const SheetTable& table);

// The bytes of an .xlsx file with one worksheet per table (header row bold and frozen).
// kInvalidArgument for a bad worksheet name or more rows than a worksheet holds (1,048,575 after
// the header); kInternal when the temporary file libxlsxwriter writes cannot be made or read.
Result<std::string> WriteXlsx(const std::vector<SheetTable>& tables);

}  // namespace zx::text
