#include "text/table_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unicode/ucnv.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "text/normalizer.h"
#include "text/utf8.h"
#include "text/zip_xml_internal.h"

namespace zx::text {

Status TableStream::ReadAt(uint64_t, size_t, RowView&) {
  return FailedPrecondition("this table cannot be read again by position");
}

namespace {

constexpr size_t kChunk = 256 * 1024;

// The first position at or after `i` where an 8-byte word of `s` holds a non-ASCII byte (or
// fewer than 8 bytes are left): the scanners step over ASCII eight bytes at a time.
size_t SkipAscii(std::string_view s, size_t i) {
  while (i + 8 <= s.size()) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ull) break;
    i += 8;
  }
  return i;
}

bool IsBlankByte(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsBlankByte(s[b])) ++b;
  while (e > b && IsBlankByte(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

template <typename Fields>
bool AllBlank(const Fields& fields) {
  for (const auto& f : fields) {
    for (char c : f)
      if (!IsBlankByte(c)) return false;
  }
  return true;
}

// ---- bytes: a file read by position, or text in memory ----

class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  // Up to `n` bytes at `offset` into `out`; the count read (short only at the end).
  virtual Result<size_t> Read(uint64_t offset, char* out, size_t n) const = 0;
  // The bytes themselves when they are in memory; else nullptr.
  virtual const char* bytes() const { return nullptr; }
};

class FileSource final : public Source {
 public:
  FileSource(int fd, uint64_t size, std::string name) : fd_(fd), size_(size), name_(name) {}
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  Result<size_t> Read(uint64_t offset, char* out, size_t n) const override {
    size_t got = 0;
    while (got < n && offset + got < size_) {
      ssize_t r = ::pread(fd_, out + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return InvalidArgument(name_ + ": cannot read: " + std::strerror(errno));
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return got;
  }

 private:
  int fd_;
  uint64_t size_;
  std::string name_;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  const char* bytes() const override { return bytes_.data(); }
  Result<size_t> Read(uint64_t offset, char* out, size_t n) const override {
    if (offset >= bytes_.size()) return size_t{0};
    n = std::min<size_t>(n, bytes_.size() - offset);
    std::memcpy(out, bytes_.data() + offset, n);
    return n;
  }

 private:
  std::string_view bytes_;
};

// A window of the source: the bytes from some offset on, at least `want` of them when the
// source has them. Text in memory is looked at where it is; a file is read into a buffer (mapping
// it instead was measured slower on this machine: page faults cost more than the copy).
class Window {
 public:
  // The bytes from `offset` to the end of the window; *eof when they reach the end of the source.
  Result<std::string_view> At(const Source& src, uint64_t offset, size_t want, bool* eof) {
    if (const char* all = src.bytes()) {
      *eof = true;
      const uint64_t at = std::min(offset, src.size());
      return std::string_view(all + at, static_cast<size_t>(src.size() - at));
    }
    uint64_t end = offset_ + size_;
    if (!(offset >= offset_ && offset <= end && (end - offset >= want || end == src.size()))) {
      // (a buffer of its own, not a std::string, whose growing zeroes what is read over)
      const size_t room = std::max(want, kChunk);
      if (room > capacity_) {
        buffer_.reset(new char[room]);  // not zeroed: read over at once
        capacity_ = room;
      }
      ZX_ASSIGN_OR_RETURN(size_t got, src.Read(offset, buffer_.get(), room));
      size_ = got;
      offset_ = offset;
      end = offset_ + got;
    }
    *eof = end >= src.size();
    return std::string_view(buffer_.get(), size_).substr(static_cast<size_t>(offset - offset_));
  }
  bool Holds(uint64_t offset) const { return offset >= offset_ && offset < offset_ + size_; }
  uint64_t last_used = 0;

 private:
  uint64_t offset_ = 0;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0, size_ = 0;
};

// ---- encodings ----

// The first offset in [from, to) at which `src` is not UTF-8, or nullopt; `to` is the end of
// the source or the start of a character.
Result<std::optional<uint64_t>> FirstNonUtf8(const Source& src, uint64_t from, uint64_t to) {
  Window window;
  uint64_t offset = from;
  auto cont = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
  while (offset < to) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(1 << 20, to - offset));
    bool eof = false;
    ZX_ASSIGN_OR_RETURN(std::string_view view, window.At(src, offset, want, &eof));
    const size_t got = std::min(view.size(), want);
    if (got == 0) break;
    const bool last = offset + got >= to;
    std::string_view s = view.substr(0, got);
    size_t i = 0;
    size_t carry = got;  // where the next window starts (a sequence cut by the window's end)
    while (i < got) {
      i = SkipAscii(s, i);  // most of a target file is ASCII
      if (i >= got) break;
      auto b = static_cast<unsigned char>(s[i]);
      if (b < 0x80) {
        ++i;
        continue;
      }
      // Three bytes with a lead of E1-EC or EE-EF (most Chinese): no further constraint.
      if (((b >= 0xE1 && b <= 0xEC) || b >= 0xEE) && b <= 0xEF && i + 2 < got && cont(s[i + 1]) &&
          cont(s[i + 2])) {
        i += 3;
        continue;
      }
      size_t len = 0;
      char32_t c = utf8::DecodeAt(s, i, &len);
      if (len == 1 && c == 0xFFFD) {
        if (!last && got - i < 4) {
          carry = i;
          break;
        }
        return std::optional<uint64_t>(offset + i);
      }
      i += len;
    }
    offset += carry;
  }
  return std::optional<uint64_t>();
}

// The same over the whole source from `from`, its two halves on two threads when it is large.
Result<std::optional<uint64_t>> FirstNonUtf8(const Source& src, uint64_t from) {
  const uint64_t size = src.size();
  if (size - from < (8u << 20)) return FirstNonUtf8(src, from, size);
  // The second half starts at a character (a byte that does not continue one).
  uint64_t mid = from + (size - from) / 2;
  char c = 0;
  for (int k = 0; k < 4 && mid < size; ++k, ++mid) {
    ZX_ASSIGN_OR_RETURN(size_t got, src.Read(mid, &c, 1));
    if (got == 0 || (static_cast<unsigned char>(c) & 0xC0) != 0x80) break;
  }
  Result<std::optional<uint64_t>> second = std::optional<uint64_t>();
  std::thread other([&] { second = FirstNonUtf8(src, mid, size); });
  auto first = FirstNonUtf8(src, from, mid);
  other.join();
  if (!first.ok() || *first) return first;
  return second;
}

// GBK (code page 936 as ICU maps it) to Unicode, as two tables built once from ICU: single
// bytes above ASCII, and lead (0x81-0xFE) x trail (0x40-0xFE) pairs. 0: not a character.
struct GbkTable {
  char16_t single[256] = {};
  std::vector<char16_t> pair = std::vector<char16_t>(126 * 191, 0);
  bool ok = false;
};

const GbkTable& Gbk() {
  static const GbkTable table = [] {
    GbkTable t;
    UErrorCode err = U_ZERO_ERROR;
    UConverter* c = ucnv_open("GBK", &err);
    if (U_FAILURE(err)) return t;
    ucnv_setToUCallBack(c, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
    auto decode = [&](const char* src, int n) -> char16_t {
      UChar out[4];
      UErrorCode e = U_ZERO_ERROR;
      ucnv_reset(c);
      int32_t len = ucnv_toUChars(c, out, 4, src, n, &e);
      return U_SUCCESS(e) && len == 1 ? static_cast<char16_t>(out[0]) : 0;
    };
    for (int b = 0; b < 0x80; ++b) t.single[b] = static_cast<char16_t>(b);
    for (int b = 0x80; b < 0x100; ++b) {
      char s = static_cast<char>(b);
      t.single[b] = decode(&s, 1);
    }
    for (int lead = 0x81; lead <= 0xFE; ++lead) {
      for (int trail = 0x40; trail <= 0xFE; ++trail) {
        char s[2] = {static_cast<char>(lead), static_cast<char>(trail)};
        t.pair[(lead - 0x81) * 191 + (trail - 0x40)] = decode(s, 2);
      }
    }
    ucnv_close(c);
    t.ok = true;
    return t;
  }();
  return table;
}

// The GBK character at s[i]: its code point and length; false when there is none there (an
// unmapped byte or pair, a lead byte at the end of `s`).
bool GbkAt(const GbkTable& t, std::string_view s, size_t i, char16_t* c, size_t* len) {
  unsigned char b = static_cast<unsigned char>(s[i]);
  *len = 1;
  if (b < 0x80 || t.single[b] != 0) {
    *c = b < 0x80 ? static_cast<char16_t>(b) : t.single[b];
    return true;
  }
  if (b < 0x81 || b > 0xFE || i + 1 >= s.size()) return false;
  unsigned char trail = static_cast<unsigned char>(s[i + 1]);
  if (trail < 0x40 || trail > 0xFE) return false;
  *c = t.pair[(b - 0x81) * 191 + (trail - 0x40)];
  *len = 2;
  return *c != 0;
}

// Whether `src` is GBK throughout.
Result<bool> IsGbkThroughout(const Source& src) {
  const GbkTable& table = Gbk();
  if (!table.ok) return false;
  Window window;
  uint64_t offset = 0;
  while (offset < src.size()) {
    bool eof = false;
    ZX_ASSIGN_OR_RETURN(std::string_view view, window.At(src, offset, 1 << 20, &eof));
    const size_t got = std::min<size_t>(view.size(), 1 << 20);
    if (got == 0) break;
    const bool last = offset + got >= src.size();
    std::string_view s = view.substr(0, got);
    size_t i = 0;
    while (i < got) {
      i = SkipAscii(s, i);  // delimiters, digits, codes: half of a target file
      if (i >= got) break;
      unsigned char b = static_cast<unsigned char>(s[i]);
      if (b < 0x80) {
        ++i;
        continue;
      }
      if (i + 1 >= got && !last && b >= 0x81 && b <= 0xFE) break;  // a pair cut by the window
      char16_t c = 0;
      size_t len = 1;
      if (!GbkAt(table, s, i, &c, &len)) return false;
      i += len;
    }
    offset += i;
  }
  return true;
}

// GBK straight to UTF-8, from the table above: each character's UTF-8 bytes (at most three: GBK
// is all in the BMP) in the low bytes, their count in the top one; 0: not a character.
struct GbkUtf8Table {
  uint32_t single[256] = {};
  std::vector<uint32_t> pair = std::vector<uint32_t>(126 * 191, 0);
};

uint32_t PackUtf8(char16_t c) {
  if (c == 0) return 0;
  std::string bytes;
  utf8::AppendUtf8(c, &bytes);
  uint32_t packed = static_cast<uint32_t>(bytes.size()) << 24;
  for (size_t k = 0; k < bytes.size() && k < 3; ++k) {
    packed |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])) << (8 * k);
  }
  return packed;
}

const GbkUtf8Table& GbkUtf8() {
  static const GbkUtf8Table table = [] {
    GbkUtf8Table t;
    const GbkTable& g = Gbk();
    for (int b = 0x80; b < 0x100; ++b) t.single[b] = PackUtf8(g.single[b]);
    for (size_t i = 0; i < g.pair.size(); ++i) t.pair[i] = PackUtf8(g.pair[i]);
    return t;
  }();
  return table;
}

// `s` (whole GBK characters) as UTF-8 at `out`, which has room for 3 * s.size() bytes (a byte
// of GBK is at most three of UTF-8); the bytes written, or nullopt when `s` is not GBK.
std::optional<size_t> GbkToUtf8(std::string_view s, char* out) {
  const GbkUtf8Table& t = GbkUtf8();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t at = 0;
  for (size_t i = 0; i < n;) {
    // Eight ASCII bytes at a time (digits, codes, dates: half of a target file).
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        std::memcpy(out + at, &w, 8);
        at += 8;
        i += 8;
        continue;
      }
    }
    const unsigned char b = p[i];
    if (b < 0x80) {
      out[at++] = static_cast<char>(b);
      ++i;
      continue;
    }
    uint32_t u = t.single[b];
    size_t len = 1;
    if (u == 0) {
      const unsigned char trail = i + 1 < n ? p[i + 1] : 0;
      if (b < 0x81 || b > 0xFE || trail < 0x40 || trail > 0xFE ||
          (u = t.pair[(b - 0x81) * 191 + (trail - 0x40)]) == 0) {
        return std::nullopt;
      }
      len = 2;
    }
    out[at] = static_cast<char>(u & 0xFF);
    out[at + 1] = static_cast<char>((u >> 8) & 0xFF);
    out[at + 2] = static_cast<char>((u >> 16) & 0xFF);
    at += u >> 24;
    i += len;
  }
  return at;
}

// ---- CSV/TSV records ----

enum class Got { kRow, kMore, kEnd, kUnclosed };

// One record parsed from the bytes at its start: its fields' bytes one after the other in
// `text`, where each ends in `ends` (`text` is a buffer kept at the largest size a record
// needed, written through a pointer: appending to a std::string field by field cost more than
// the parse itself).
struct Record {
  std::string text;
  std::vector<size_t> ends;
  size_t consumed = 0;  // bytes, its line break included
  size_t lines = 0;     // line breaks consumed (inside quoted fields and the one that ends it)
  size_t size = 0;      // bytes of `text` used

  void Append(const char* p, size_t n) {
    if (size + n > text.size()) text.resize(std::max(2 * text.size(), size + n));
    std::memcpy(text.data() + size, p, n);
    size += n;
  }
};

// RFC 4180 as ReadTable always read it: a field that starts with a double quote may hold the
// delimiter, line breaks and "" for a quote, and keeps anything after its closing quote up to
// the delimiter; a line break is \n, \r\n or a lone \r. kMore: `data` ends inside the record
// and is not the end of the file. kUnclosed: a quoted field never closed (r.lines: the line
// breaks before it opened).
Got ParseRecord(std::string_view data, bool eof, char delimiter, Record& r) {
  r.size = 0;
  r.ends.clear();
  r.lines = 0;
  const size_t n = data.size();
  const char* p = data.data();
  if (n == 0) return eof ? Got::kEnd : Got::kMore;
  size_t i = 0;
  // Eight bytes at a time: the lowest byte equal to the delimiter or a line break (the first
  // zero byte of w ^ pattern is exact in the lowest set bit of the classic test).
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  const uint64_t delimiters = kOnes * static_cast<unsigned char>(delimiter);
  auto zero_byte = [&](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  auto plain_until_break = [&] {
    size_t start = i;
    if constexpr (std::endian::native == std::endian::little) {
      while (i + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        uint64_t hit = zero_byte(w ^ delimiters) | zero_byte(w ^ (kOnes * '\n')) |
                       zero_byte(w ^ (kOnes * '\r'));
        if (hit) {
          i += static_cast<size_t>(__builtin_ctzll(hit)) / 8;
          r.Append(p + start, i - start);
          return;
        }
        i += 8;
      }
    }
    while (i < n) {
      char c = p[i];
      if (c == delimiter || c == '\n' || c == '\r') break;
      ++i;
    }
    r.Append(p + start, i - start);
  };
  for (;;) {
    const size_t field_start = r.size;
    if (i < n && p[i] == '"') {
      const size_t opened = r.lines;
      ++i;
      bool closed = false;
      while (i < n) {
        const char* q = static_cast<const char*>(std::memchr(p + i, '"', n - i));
        size_t stop = q ? static_cast<size_t>(q - p) : n;
        r.lines += static_cast<size_t>(std::count(p + i, p + stop, '\n'));
        r.Append(p + i, stop - i);
        i = stop;
        if (i >= n) break;
        if (i + 1 >= n && !eof) return Got::kMore;  // "" or the closing quote?
        if (i + 1 < n && p[i + 1] == '"') {
          r.Append("\"", 1);
          i += 2;
          continue;
        }
        ++i;
        closed = true;
        break;
      }
      if (!closed) {
        if (!eof) return Got::kMore;
        r.lines = opened;
        return Got::kUnclosed;
      }
      plain_until_break();
    } else {
      plain_until_break();
    }
    if (i >= n) {
      if (!eof) return Got::kMore;
      r.consumed = n;
      if (r.size == field_start && r.ends.empty()) return Got::kEnd;
      r.ends.push_back(r.size);
      return Got::kRow;
    }
    if (p[i] == delimiter) {
      ++i;
      r.ends.push_back(r.size);
      if (i >= n) {
        if (!eof) return Got::kMore;
        r.ends.push_back(r.size);  // "a," at the end: a last, empty field
        r.consumed = n;
        return Got::kRow;
      }
      continue;
    }
    if (p[i] == '\r') {
      if (i + 1 >= n && !eof) return Got::kMore;
      ++i;
      if (i < n && p[i] == '\n') ++i;
    } else {
      ++i;
    }
    r.ends.push_back(r.size);
    r.consumed = i;
    r.lines += 1;
    return Got::kRow;
  }
}

class DelimitedStream final : public TableStream {
 public:
  DelimitedStream(std::shared_ptr<const Source> src, char delimiter, std::string name)
      : src_(std::move(src)), delimiter_(delimiter), name_(std::move(name)) {}

  // Sources read by position only (pread): several streams may share one.
  std::unique_ptr<TableStream> Clone() const override {
    auto s = std::make_unique<DelimitedStream>(src_, delimiter_, name_);
    s->header_ = header_;
    s->encoding_ = encoding_;
    s->start_ = start_;
    s->gbk_ = gbk_;
    s->next_ = src_->size();
    return s;
  }

  Status Open() {
    // The encoding, from the whole file; a file that is neither is refused here, with the
    // error a whole read gives (an unclosed quote first, else the first line not UTF-8).
    char bom[3] = {};
    ZX_ASSIGN_OR_RETURN(size_t got, src_->Read(0, bom, 3));
    if (got == 3 && std::string_view(bom, 3) == "\xEF\xBB\xBF") start_ = 3;
    ZX_ASSIGN_OR_RETURN(std::optional<uint64_t> bad, FirstNonUtf8(*src_, start_));
    if (bad) {
      if (start_ == 0) {
        ZX_ASSIGN_OR_RETURN(bool gbk, IsGbkThroughout(*src_));
        gbk_ = gbk;
      }
      if (!gbk_) return FirstError();
      encoding_ = "GBK";
    }
    next_ = start_;
    RowView row;
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool more, NextAny(row));
      if (!more) return InvalidArgument(name_ + ": empty file (no header row)");
      if (AllBlank(row.fields)) continue;
      for (std::string_view f : row.fields) header_.push_back(Trim(f));
      return Status::Ok();
    }
  }

  Result<bool> Next(RowView& row) override {
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool more, NextAny(row));
      if (!more) return false;
      if (!AllBlank(row.fields)) return true;
    }
  }

  bool seekable() const override { return true; }

  Status ReadAt(uint64_t position, size_t line, RowView& row) override {
    // Rows asked for come from a few places of the file at once (a person's notices): a few
    // windows, the least recently used one reloaded.
    Window* window = nullptr;
    for (Window& w : windows_) {
      if (w.Holds(position)) window = &w;
    }
    if (!window) {
      window = &*std::min_element(
          windows_.begin(), windows_.end(),
          [](const Window& a, const Window& b) { return a.last_used < b.last_used; });
    }
    window->last_used = ++uses_;
    ZX_ASSIGN_OR_RETURN(Got got, Parse(*window, position));
    if (got != Got::kRow) {
      return InvalidArgument(name_ + ":" + std::to_string(line) + ": the file changed while read");
    }
    return View(line, position, row);
  }

  uint64_t bytes_read() const override { return next_; }
  uint64_t total_bytes() const override { return src_->size(); }

 private:
  // A record at `offset`, growing the window until it holds the whole record.
  Result<Got> Parse(Window& window, uint64_t offset) {
    size_t want = 1;  // what the window holds first; more only when the record goes on
    for (;;) {
      bool eof = false;
      ZX_ASSIGN_OR_RETURN(std::string_view data, window.At(*src_, offset, want, &eof));
      Got got = ParseRecord(data, eof, delimiter_, record_);
      if (got != Got::kMore) return got;
      want = std::max(data.size() * 2, kChunk);
    }
  }

  // The next row, blank or not.
  Result<bool> NextAny(RowView& row) {
    ZX_ASSIGN_OR_RETURN(Got got, Parse(sequential_, next_));
    if (got == Got::kEnd) {
      next_ = src_->size();
      return false;
    }
    if (got == Got::kUnclosed) {
      return InvalidArgument(name_ + ":" + std::to_string(line_ + record_.lines) +
                             ": a quoted field opened on this line is never closed");
    }
    uint64_t at = next_;
    size_t line = line_;
    next_ += record_.consumed;
    line_ += record_.lines;
    ZX_RETURN_IF_ERROR(View(line, at, row));
    return true;
  }

  // `row` from record_ (decoded from GBK when the file is).
  Status View(size_t line, uint64_t position, RowView& row) {
    row.line = line;
    row.position = position;
    row.fields.clear();
    const std::string* text = &record_.text;
    const std::vector<size_t>* ends = &record_.ends;
    if (gbk_) {
      // Room for the whole record once (a buffer kept at its largest size, not grown and
      // zeroed field by field), then each field decoded into it.
      if (decoded_.size() < 3 * record_.size) decoded_.resize(3 * record_.size);
      decoded_ends_.clear();
      size_t begin = 0, at = 0;
      for (size_t end : record_.ends) {
        std::optional<size_t> written = GbkToUtf8(
            std::string_view(record_.text).substr(begin, end - begin), decoded_.data() + at);
        if (!written) return InvalidArgument(name_ + ":" + std::to_string(line) + ": not GBK");
        at += *written;
        decoded_ends_.push_back(at);
        begin = end;
      }
      text = &decoded_;
      ends = &decoded_ends_;
    }
    size_t begin = 0;
    for (size_t end : *ends) {
      row.fields.emplace_back(text->data() + begin, end - begin);
      begin = end;
    }
    return Status::Ok();
  }

  // For a file neither UTF-8 nor GBK: the error of a whole read, which parses every row first.
  Status FirstError() {
    next_ = start_;
    std::optional<size_t> bad_line;
    RowView row;
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool more, NextAny(row));
      if (!more) break;
      if (bad_line) continue;
      for (std::string_view f : row.fields) {
        if (!IsValidUtf8(f)) {
          bad_line = row.line;
          break;
        }
      }
    }
    return InvalidArgument(name_ + ":" + std::to_string(bad_line.value_or(line_)) +
                           ": not UTF-8 (nor GBK throughout; save the file as UTF-8)");
  }

  std::shared_ptr<const Source> src_;
  char delimiter_;
  std::string name_;
  uint64_t start_ = 0;  // after the BOM
  bool gbk_ = false;
  uint64_t next_ = 0;  // the offset of the next record
  size_t line_ = 1;    // its line
  Window sequential_;
  std::array<Window, 8> windows_;
  uint64_t uses_ = 0;
  Record record_;
  std::string decoded_;
  std::vector<size_t> decoded_ends_;
};

// ---- in-memory tables ----

class TableRows final : public TableStream {
 public:
  explicit TableRows(const Table& t) : table_(t) {
    header_ = t.header;
    encoding_ = t.encoding;
  }
  Result<bool> Next(RowView& row) override {
    if (next_ >= table_.rows.size()) return false;
    Fill(next_++, row);
    return true;
  }
  bool seekable() const override { return true; }
  std::unique_ptr<TableStream> Clone() const override {
    return std::make_unique<TableRows>(table_);
  }
  Status ReadAt(uint64_t position, size_t, RowView& row) override {
    if (position >= table_.rows.size()) return InvalidArgument("no such row");
    Fill(static_cast<size_t>(position), row);
    return Status::Ok();
  }

 private:
  void Fill(size_t i, RowView& row) const {
    const TableRow& r = table_.rows[i];
    row.line = r.line;
    row.position = i;
    row.fields.assign(r.fields.begin(), r.fields.end());
  }
  const Table& table_;
  size_t next_ = 0;
};

// ---- XLSX ----

using internal::Attr;
using internal::ParseEntry;
using internal::UnzipCloser;
using internal::XmlParser;
using internal::ZipEntryReader;

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

// xl/workbook.xml: the relationship id of the first sheet, the date system.
struct Workbook {
  std::string first_sheet_rid;
  bool date1904 = false;
  void Start(std::string_view n, const char** attrs) {
    if (n == "sheet" && first_sheet_rid.empty()) {
      if (const char* id = Attr(attrs, "id")) first_sheet_rid = id;
    } else if (n == "workbookPr") {
      const char* d = Attr(attrs, "date1904");
      date1904 = d && (std::string_view(d) == "1" || std::string_view(d) == "true");
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

// Whether a number format code shows a date: a year or a day outside quoted text, brackets
// ([Red], [$-804]) and escaped characters.
bool IsDateFormatCode(std::string_view code) {
  bool quoted = false;
  int bracket = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted) {
      continue;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;
    } else if (c == '[') {
      ++bracket;
    } else if (c == ']') {
      bracket = std::max(0, bracket - 1);
    } else if (bracket == 0 && (c == 'y' || c == 'Y' || c == 'd' || c == 'D')) {
      return true;
    }
  }
  return false;
}

// xl/styles.xml: which cell formats (the `s` of a cell) show dates.
struct Styles {
  std::map<int, bool> custom;  // numFmtId -> date
  std::vector<int> formats;    // cellXfs: xf index -> numFmtId
  bool in_xfs = false;
  void Start(std::string_view n, const char** attrs) {
    if (n == "numFmt") {
      const char* id = Attr(attrs, "numFmtId");
      const char* code = Attr(attrs, "formatCode");
      if (id && code) custom[std::atoi(id)] = IsDateFormatCode(code);
    } else if (n == "cellXfs") {
      in_xfs = true;
    } else if (n == "xf" && in_xfs) {
      const char* id = Attr(attrs, "numFmtId");
      formats.push_back(id ? std::atoi(id) : 0);
    }
  }
  void End(std::string_view n) {
    if (n == "cellXfs") in_xfs = false;
  }
  void Text(std::string_view) {}
  std::vector<bool> DateStyles() const {
    // Built-in date formats (ECMA-376 18.8.30, with the Chinese locale's 27-31, 36, 50-58).
    static const std::set<int> kBuiltIn = {14, 15, 16, 17, 22, 27, 28, 29, 30,
                                           31, 36, 50, 51, 52, 53, 54, 57, 58};
    std::vector<bool> out;
    for (int id : formats) {
      auto it = custom.find(id);
      out.push_back(it != custom.end() ? it->second : kBuiltIn.contains(id));
    }
    return out;
  }
};

// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm).
void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

// An Excel date serial as "YYYY-MM-DD" (with " HH:MM" or " HH:MM:SS" when it has a time), or
// nullopt when it is not a date's number.
std::optional<std::string> ExcelDate(std::string_view value, bool date1904) {
  std::string v(value);
  char* end = nullptr;
  double serial = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(serial) || serial < 0 ||
      serial >= 2958466) {
    return std::nullopt;
  }
  int64_t days = static_cast<int64_t>(std::floor(serial));
  int64_t seconds = std::llround((serial - static_cast<double>(days)) * 86400.0);
  if (seconds >= 86400) ++days, seconds -= 86400;
  char buf[40];
  if (!date1904 && days == 60) {
    std::snprintf(buf, sizeof buf, "1900-02-29");  // Excel's own day that never was
  } else {
    // 1900 system: day 1 is 1900-01-01 and day 60 the 29th of February 1900 Excel believes
    // in, so from day 61 on the epoch is 1899-12-30; 1904 system: day 0 is 1904-01-01.
    int64_t epoch = date1904 ? -24107 : (days < 60 ? -25568 : -25569);
    int y, m, d;
    CivilFromDays(epoch + days, &y, &m, &d);
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  }
  std::string out = buf;
  if (seconds > 0) {
    int h = static_cast<int>(seconds / 3600), mi = static_cast<int>(seconds / 60 % 60),
        s = static_cast<int>(seconds % 60);
    std::snprintf(buf, sizeof buf, s ? " %02d:%02d:%02d" : " %02d:%02d", h, mi, s);
    out += buf;
  }
  return out;
}

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

// The sheet's rows as expat gives them, queued until the stream takes them.
struct Sheet {
  const std::vector<std::string>* shared = nullptr;
  const std::vector<bool>* date_styles = nullptr;
  bool date1904 = false;
  std::deque<TableRow> done;
  std::optional<TableRow> row;
  std::string type, value;
  int col = -1, next_col = 0, style = -1;
  size_t next_row = 1;
  bool in_value = false, in_inline = false;
  int in_rph = 0;
  std::string error;
  void Start(std::string_view n, const char** attrs) {
    if (n == "row") {
      if (row) done.push_back(std::move(*row));
      row.emplace();
      const char* num = Attr(attrs, "r");
      row->line = num ? std::strtoul(num, nullptr, 10) : next_row;
      next_row = row->line + 1;
      next_col = 0;
    } else if (n == "c") {
      const char* t = Attr(attrs, "t");
      type = t ? t : "n";
      const char* s = Attr(attrs, "s");
      style = s ? std::atoi(s) : -1;
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
    } else if (n == "row") {
      if (row) done.push_back(std::move(*row));
      row.reset();
    } else if (n == "c" && row && col >= 0 && col < 16384) {
      std::string cell = value;
      if (type == "s") {
        size_t index = std::strtoul(value.c_str(), nullptr, 10);
        if (shared && index < shared->size()) {
          cell = (*shared)[index];
        } else if (error.empty()) {
          error = "row " + std::to_string(row->line) + ": a cell refers to shared string " + value +
                  ", which does not exist";
        }
      } else if (type == "b") {
        cell = value == "1" ? "TRUE" : "FALSE";
      } else if (type == "n" && style >= 0 && date_styles &&
                 static_cast<size_t>(style) < date_styles->size() && (*date_styles)[style]) {
        if (auto date = ExcelDate(value, date1904)) cell = std::move(*date);
      }
      auto& fields = row->fields;
      if (fields.size() <= static_cast<size_t>(col)) fields.resize(col + 1);
      fields[col] = std::move(cell);
    }
  }
  void Text(std::string_view s) {
    if (in_value && in_rph == 0) value.append(s);
  }
};

class XlsxStream final : public TableStream {
 public:
  explicit XlsxStream(std::string path) : path_(std::move(path)) {}

  Status Open() {
    if (!std::filesystem::exists(path_)) return NotFound(path_ + ": no such file");
    zip_.reset(unzOpen64(path_.c_str()));
    if (!zip_) return InvalidArgument(path_ + ": not an XLSX workbook (not a zip archive)");
    SharedStrings strings;
    Status s = ParseEntry(zip_.get(), "xl/sharedStrings.xml", path_, strings);
    if (!s.ok() && s.code() != Code::kNotFound) return s;
    shared_ = std::move(strings.items);
    Styles styles;
    s = ParseEntry(zip_.get(), "xl/styles.xml", path_, styles);
    if (!s.ok() && s.code() != Code::kNotFound) return s;
    date_styles_ = styles.DateStyles();

    // The first sheet of the workbook, wherever its relationship points.
    std::string sheet_path = "xl/worksheets/sheet1.xml";
    Workbook wb;
    Relationships rs;
    Status w = ParseEntry(zip_.get(), "xl/workbook.xml", path_, wb);
    Status r = ParseEntry(zip_.get(), "xl/_rels/workbook.xml.rels", path_, rs);
    if (!w.ok() && w.code() != Code::kNotFound) return w;
    if (!r.ok() && r.code() != Code::kNotFound) return r;
    if (w.ok() && r.ok()) {
      auto it = rs.targets.find(wb.first_sheet_rid);
      if (it != rs.targets.end()) {
        std::string target = it->second;
        sheet_path = target.starts_with("/") ? target.substr(1) : "xl/" + target;
      }
    }
    sheet_.shared = &shared_;
    sheet_.date_styles = &date_styles_;
    sheet_.date1904 = wb.date1904;
    ZX_ASSIGN_OR_RETURN(reader_, ZipEntryReader::Open(zip_.get(), sheet_path, path_));
    parser_ = std::make_unique<XmlParser<Sheet>>(sheet_, path_ + " (" + sheet_path + ")");
    RowView row;
    ZX_ASSIGN_OR_RETURN(bool any, Next(row));
    if (!any) return InvalidArgument(path_ + ": empty worksheet (no header row)");
    for (std::string_view f : row.fields) header_.push_back(Trim(f));
    return Status::Ok();
  }

  Result<bool> Next(RowView& row) override {
    for (;;) {
      while (sheet_.done.empty() && !finished_) {
        ZX_ASSIGN_OR_RETURN(std::string_view chunk, reader_->Read());
        ZX_RETURN_IF_ERROR(parser_->Feed(chunk, chunk.empty()));
        if (!sheet_.error.empty()) return InvalidArgument(path_ + ": " + sheet_.error);
        if (chunk.empty()) {
          finished_ = true;
          if (sheet_.row) sheet_.done.push_back(std::move(*sheet_.row));
          sheet_.row.reset();
        }
      }
      if (sheet_.done.empty()) return false;
      current_ = std::move(sheet_.done.front());
      sheet_.done.pop_front();
      if (AllBlank(current_.fields)) continue;
      for (const std::string& f : current_.fields) {
        if (!IsValidUtf8(f)) {
          return InvalidArgument(path_ + ": row " + std::to_string(current_.line) + ": not UTF-8");
        }
      }
      row.line = current_.line;
      row.position = current_.line;
      row.fields.assign(current_.fields.begin(), current_.fields.end());
      return true;
    }
  }

  // The compressed bytes are not known as they are read: the sheet's uncompressed bytes count
  // against the file's size, which is close enough for a progress bar.
  uint64_t bytes_read() const override { return reader_ ? reader_->read() : 0; }
  uint64_t total_bytes() const override { return 0; }

 private:
  std::string path_;
  std::unique_ptr<void, UnzipCloser> zip_;
  std::vector<std::string> shared_;
  std::vector<bool> date_styles_;
  Sheet sheet_;
  std::unique_ptr<ZipEntryReader> reader_;
  std::unique_ptr<XmlParser<Sheet>> parser_;
  bool finished_ = false;
  TableRow current_;
};

}  // namespace

Result<std::unique_ptr<TableStream>> OpenXlsx(const std::string& path) {
  auto s = std::make_unique<XlsxStream>(path);
  ZX_RETURN_IF_ERROR(s->Open());
  return std::unique_ptr<TableStream>(std::move(s));
}

Result<std::unique_ptr<TableStream>> OpenTable(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(TableFormat format, TableFormatOf(path));
  if (format == TableFormat::kXlsx) return OpenXlsx(path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(path + ": no such file");
    return InvalidArgument(path + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(path + ": not a regular file");
  }
  auto s = std::make_unique<DelimitedStream>(
      std::make_unique<FileSource>(fd, static_cast<uint64_t>(st.st_size), path),
      format == TableFormat::kCsv ? ',' : '\t', path);
  ZX_RETURN_IF_ERROR(s->Open());
  return std::unique_ptr<TableStream>(std::move(s));
}

Result<std::unique_ptr<TableStream>> OpenDelimited(std::string_view bytes, char delimiter,
                                                   const std::string& name) {
  auto s =
      std::make_unique<DelimitedStream>(std::make_unique<MemorySource>(bytes), delimiter, name);
  ZX_RETURN_IF_ERROR(s->Open());
  return std::unique_ptr<TableStream>(std::move(s));
}

std::unique_ptr<TableStream> StreamOf(const Table& table) {
  return std::make_unique<TableRows>(table);
}

}  // namespace zx::text
