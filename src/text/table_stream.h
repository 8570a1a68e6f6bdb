// Tables read one row at a time (text/table_reader.h reads the same files whole, through this):
// CSV and TSV (UTF-8 with or without a byte-order mark, or GBK when the file is GBK throughout;
// RFC 4180 quoting) and XLSX (the first worksheet). Memory does not grow with a CSV/TSV file: it
// is read in chunks of a few hundred kilobytes. An XLSX's sheet is streamed too, but its shared
// strings (the distinct texts of the workbook) are held whole: an XLSX is bounded by that.
//
// Encoding of a CSV/TSV is decided before the first row, by a scan of the whole file: UTF-8
// when it has a BOM or is UTF-8 throughout, else GBK when it is GBK throughout. GBK fields are
// decoded one by one: GBK's trail bytes are never below 0x40, so the quote, delimiter and line
// breaks are the same bytes in both encodings and no character spans two fields. A file that is
// neither is refused at Open with the error ReadTable gives (its first bad line).
//
// Rows keep the line they start on (CSV/TSV: the file's physical line, 1 for the header; XLSX:
// the sheet's row number). Blank rows (every field white space) are left out; the header is the
// first row that is not blank. In an XLSX, a number cell with a date format (built-in or custom,
// 1900 or 1904 date system) is read as "YYYY-MM-DD" ("YYYY-MM-DD HH:MM" when it has a time).
// A stream is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "text/table_reader.h"

namespace zx::text {

// One row as a stream gives it; `fields` stay valid until the stream's next Next or ReadAt.
struct RowView {
  size_t line = 0;
  uint64_t position = 0;  // for ReadAt: the byte offset of a CSV/TSV row, the index of a Table's
  std::vector<std::string_view> fields;
};

class TableStream {
 public:
  virtual ~TableStream() = default;

  // The header row's fields, trimmed.
  const std::vector<std::string>& header() const { return header_; }
  // "UTF-8" or "GBK" (an XLSX: "UTF-8").
  const std::string& encoding() const { return encoding_; }

  // The next row that is not blank into `row`; false at the end. Errors name the file and line
  // (a quoted field never closed, an XLSX that is damaged).
  virtual Result<bool> Next(RowView& row) = 0;

  // Whether ReadAt works: CSV/TSV files and in-memory tables, not XLSX.
  virtual bool seekable() const { return false; }
  // The row Next gave with `position` and `line` again, reading only around it (rows asked for
  // near each other are read from the same chunk). kFailedPrecondition when not seekable.
  virtual Status ReadAt(uint64_t position, size_t line, RowView& row);

  // Another reader of the same file for ReadAt, to be used by another thread (each stream is
  // used by one thread at a time); nullptr when not seekable.
  virtual std::unique_ptr<TableStream> Clone() const { return nullptr; }

  // For progress: bytes of the file consumed so far and in all (0 when unknown).
  virtual uint64_t bytes_read() const { return 0; }
  virtual uint64_t total_bytes() const { return 0; }

 protected:
  std::vector<std::string> header_;
  std::string encoding_ = "UTF-8";
};

// Opens the file at `path` by its extension (TableFormatOf) and reads up to its header. The
// errors of ReadTable (kNotFound, kInvalidArgument naming the file and line).
Result<std::unique_ptr<TableStream>> OpenTable(const std::string& path);

// The first worksheet of the XLSX file at `path`, whatever its extension.
Result<std::unique_ptr<TableStream>> OpenXlsx(const std::string& path);

// CSV/TSV text in memory (which must outlive the stream); `name` is used in messages.
Result<std::unique_ptr<TableStream>> OpenDelimited(std::string_view bytes, char delimiter,
                                                   const std::string& name);

// The rows of a table already read (which must outlive the stream); seekable by row index.
std::unique_ptr<TableStream> StreamOf(const Table& table);

}  // namespace zx::text
