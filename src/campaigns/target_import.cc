#include "campaigns/target_import.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/file.h"
#include "campaigns/target_fields.h"
#include "text/normalizer.h"

namespace zx::campaigns {
namespace {

constexpr size_t kColumns = kTargetColumns.size();

constexpr size_t ColumnIndex(std::string_view name) {
  return static_cast<size_t>(std::find(kTargetColumns.begin(), kTargetColumns.end(), name) -
                             kTargetColumns.begin());
}

constexpr size_t kPhoneAt = ColumnIndex(kPhone), kIdAt = ColumnIndex(kIdNumber),
                 kScenarioAt = ColumnIndex(kScenario);
static_assert(ColumnIndex(kName) == 0 && ColumnIndex(kGender) == 1 && kPhoneAt == 2 && kIdAt == 3 &&
              kScenarioAt == 4 && ColumnIndex(kDaysOverdue) == 5 && ColumnIndex(kAmountDue) == 6 &&
              ColumnIndex(kDeadline) == 7 && ColumnIndex(kPreviousPlace) == 8 &&
              ColumnIndex(kMissingMaterials) == 9 && ColumnIndex(kApplicationNo) == 10);
constexpr std::array<size_t, kRequiredColumns.size()> kRequiredAt = {
    ColumnIndex(kRequiredColumns[0]), ColumnIndex(kRequiredColumns[1]),
    ColumnIndex(kRequiredColumns[2]), ColumnIndex(kRequiredColumns[3])};

// Where each column of a target file is in the table (-1: not in the file), by the column's
// place in kTargetColumns.
struct Columns {
  std::array<int, kColumns> at;
  // The field of `column` in `fields`, empty when the file or the row has none.
  std::string_view Of(const std::vector<std::string_view>& fields, size_t column) const {
    int i = at[column];
    return i >= 0 && static_cast<size_t>(i) < fields.size() ? fields[i] : std::string_view();
  }
};

std::string Joined(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

Result<Columns> FindColumns(const std::vector<std::string>& header, const std::string& file) {
  Columns c;
  c.at.fill(-1);
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = NormalizeField(header[i]);
    size_t known = ColumnIndex(name);
    if (known == kColumns) continue;  // a column of the department's own: ignored
    if (c.at[known] >= 0) return InvalidArgument(file + ": header: column " + name + " twice");
    c.at[known] = static_cast<int>(i);
  }
  std::vector<std::string_view> missing;
  for (std::string_view name : kRequiredColumns) {
    if (c.at[ColumnIndex(name)] < 0) missing.push_back(name);
  }
  if (!missing.empty()) {
    return InvalidArgument(
        file + ": header: no column " + Joined(missing) + " (a target file's header names " +
        Joined({kTargetColumns.begin(), kTargetColumns.end()}) + "; " +
        (missing.size() == kRequiredColumns.size() ? "is this a target file?"
                                                   : "the first four are required") +
        ")");
  }
  return c;
}

// ---- the index kept per record ----

inline uint64_t Mum(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// A 128-bit hash of a record's raw fields: two lanes of wyhash-style multiply-folds with their
// own constants over the same words, each field's length folded in after its bytes. Trailing
// empty fields do not count (one export writes "a,b," where another writes "a,b").
struct Hash128 {
  uint64_t a, b;
};

Hash128 HashRaw(const std::vector<std::string_view>& fields) {
  size_t n = fields.size();
  while (n > 0 && fields[n - 1].empty()) --n;
  uint64_t a = 0x243f6a8885a308d3ull, b = 0x13198a2e03707344ull;
  constexpr uint64_t kA = 0xa0761d6478bd642full, kB = 0xe7037ed1a0b428dbull;
  constexpr uint64_t kC = 0x8ebc6af09c88c6e3ull, kD = 0x589965cc75374cc3ull;
  for (size_t f = 0; f < n; ++f) {
    const char* p = fields[f].data();
    size_t left = fields[f].size();
    while (left > 0) {
      uint64_t w = 0;
      size_t k = left < 8 ? left : 8;
      std::memcpy(&w, p, k);
      a = Mum(a ^ w, kA);
      b = Mum(b ^ w, kB);
      p += k;
      left -= k;
    }
    a = Mum(a ^ fields[f].size(), kC);
    b = Mum(b ^ (fields[f].size() + 1), kD);
  }
  a = Mum(a ^ n, kC ^ kA);
  b = Mum(b ^ n, kD ^ kB);
  return {a, b};
}

// Zeroed memory for a large table, in huge pages where the kernel gives them: the tables are
// probed at random, and with 4 KB pages every probe of a large table is also a TLB miss.
class ZeroedArray {
 public:
  ZeroedArray() = default;
  explicit ZeroedArray(size_t bytes) : size_((bytes + kHuge - 1) / kHuge * kHuge) {
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();  // as std::vector would
    ::madvise(p, size_, MADV_HUGEPAGE);
    data_ = p;
    // The kernel zeroes the pages of a large table on another thread (the contents are not
    // touched: MADV_POPULATE_WRITE only faults them in) while this one fills it.
    if (size_ >= (8u << 20)) {
      populate_ = std::thread([p, n = size_] { ::madvise(p, n, MADV_POPULATE_WRITE); });
    }
  }
  ~ZeroedArray() { Release(); }
  ZeroedArray(ZeroedArray&& o) noexcept { *this = std::move(o); }
  ZeroedArray& operator=(ZeroedArray&& o) noexcept {
    Release();
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(populate_, o.populate_);
    return *this;
  }
  void* data() const { return data_; }

 private:
  void Release() {
    if (populate_.joinable()) populate_.join();
    if (data_) ::munmap(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }
  static constexpr size_t kHuge = 2 << 20;
  void* data_ = nullptr;
  size_t size_ = 0;
  std::thread populate_;
};

// Open addressing with linear probing, at most 3/4 full. Slot: all bytes zero when empty,
// IsEmpty(), SameKey(), Home() (a 64-bit hash, mapped onto the capacity by multiplication, so
// that the capacity need not be a power of two: a table is sized to what it holds).
template <typename Slot>
class FlatTable {
 public:
  // The slot with `s`'s key, and whether `s` was put there now.
  std::pair<Slot*, bool> Insert(const Slot& s) {
    if ((size_ + 1) * 4 > capacity_ * 3) Grow(capacity_ == 0 ? 1024 : capacity_ * 2);
    for (size_t i = Index(s);; i = i + 1 == capacity_ ? 0 : i + 1) {
      if (slots_[i].IsEmpty()) {
        slots_[i] = s;
        ++size_;
        return {&slots_[i], true};
      }
      if (slots_[i].SameKey(s)) return {&slots_[i], false};
    }
  }
  // Where the slot for `s` is likely to be: to be read before it is needed.
  void Prefetch(const Slot& s) const {
    if (capacity_ > 0) __builtin_prefetch(&slots_[Index(s)]);
  }
  // Empty, with room for `n` keys without growing (the memory of before kept when it fits).
  void Reset(size_t n) {
    size_t capacity = std::max<size_t>(1024, n * 4 / 3 + 1);
    if (capacity > capacity_ || capacity * 4 < capacity_) {
      memory_ = ZeroedArray();
      slots_ = nullptr;
      capacity_ = size_ = 0;
      Grow(capacity);
      return;
    }
    std::memset(static_cast<void*>(slots_), 0, capacity_ * sizeof(Slot));
    size_ = 0;
  }
  // Room for `n` keys without growing.
  void Reserve(size_t n) {
    size_t capacity = std::max<size_t>(1024, n * 4 / 3 + 1);
    if (capacity > capacity_) Grow(capacity);
  }

 private:
  size_t Index(const Slot& s) const {
    return static_cast<size_t>((static_cast<__uint128_t>(s.Home()) * capacity_) >> 64);
  }
  void Grow(size_t capacity) {
    ZeroedArray old(std::move(memory_));
    Slot* old_slots = slots_;
    size_t old_capacity = capacity_;
    memory_ = ZeroedArray(capacity * sizeof(Slot));
    slots_ = static_cast<Slot*>(memory_.data());
    capacity_ = capacity;
    size_ = 0;
    for (size_t i = 0; i < old_capacity; ++i) {
      if (!old_slots[i].IsEmpty()) Insert(old_slots[i]);
    }
  }
  ZeroedArray memory_;
  Slot* slots_ = nullptr;
  size_t capacity_ = 0, size_ = 0;
};

// Rule 2: a record's raw hash -> its line. (0, 0) marks an empty slot: a hash of (0, 0) is
// taken as (0, 1). Packed to 20 bytes: the table is the largest thing an import keeps.
#pragma pack(push, 4)
struct RawSlot {
  uint64_t a = 0, b = 0;
  uint32_t line = 0;
  bool IsEmpty() const { return a == 0 && b == 0; }
  bool SameKey(const RawSlot& o) const { return a == o.a && b == o.b; }
  size_t Home() const { return static_cast<size_t>(a); }
};
#pragma pack(pop)
static_assert(sizeof(RawSlot) == 20);

// Rules 5 and 6: a person (an accepted 身份证号, packed) -> their index and the scenarios of
// their notices so far (a bit for each of the first 32). 0 marks an empty slot.
struct PersonSlot {
  uint64_t id = 0;
  uint32_t person = 0;
  uint32_t scenarios = 0;
  bool IsEmpty() const { return id == 0; }
  bool SameKey(const PersonSlot& o) const { return id == o.id; }
  size_t Home() const { return static_cast<size_t>(Mum(id, 0x9e3779b97f4a7c15ull)); }
};

// 18 characters, 17 digits and a digit or X: what NormalizeIdNumber leaves as it is.
bool IsPlainId(std::string_view id) {
  if (id.size() != 18) return false;
  for (size_t i = 0; i < 17; ++i) {
    if (id[i] < '0' || id[i] > '9') return false;
  }
  return (id[17] >= '0' && id[17] <= '9') || id[17] == 'X';
}

// Printable ASCII without spaces only: what NormalizeField leaves as it is.
bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

// An accepted 身份证号 (17 digits and the check character they decide) as a number, never 0.
uint64_t PackId(std::string_view id) {
  uint64_t v = 0;
  for (size_t i = 0; i < 17; ++i) v = v * 10 + static_cast<uint64_t>(id[i] - '0');
  return v + 1;
}

constexpr uint32_t kNone = UINT32_MAX;

struct Notice {
  uint64_t position = 0;  // of its row in the stream, or in `kept` (not seekable)
  uint32_t line = 0;
  uint32_t person = 0;
};

// Whether NormalizeField(raw) is empty, without normalising when a character shows it is not: a
// printable ASCII character or a CJK ideograph (U+4000-U+9FFF: UTF-8 lead bytes E4-E9) is
// neither removed by NFKC nor trimmed.
bool NormalizesToEmpty(std::string_view raw) {
  for (char ch : raw) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 0x21 && c <= 0x7E) || (c >= 0xE4 && c <= 0xE9)) return false;
  }
  return NormalizeField(raw).empty();
}

// A scenario as the import checks it.
struct ScenarioCheck {
  const Scenario* scenario;
  std::vector<size_t> needs;  // columns, in checking order
};

// `fields` normalised into `r`, every member assigned: `r` may be a record of before, whose
// strings' memory is used again (most fields fit the buffer they had).
void NormalizeInto(const std::vector<std::string_view>& fields, size_t line, const Columns& c,
                   TargetRecord& r) {
  // Columns by their place in kTargetColumns (asserted above).
  auto field = [&](size_t column) { return c.Of(fields, column); };
  r.line = line;
  NormalizeFieldInto(field(0), r.name);
  NormalizeFieldInto(field(1), r.gender);
  NormalizePhoneInto(field(2), r.phone);
  NormalizeIdNumberInto(field(3), r.id_number);
  NormalizeFieldInto(field(4), r.scenario);
  NormalizeFieldInto(field(5), r.days_overdue);
  NormalizeFieldInto(field(6), r.amount_due);
  NormalizeFieldInto(field(7), r.deadline);
  NormalizeFieldInto(field(8), r.previous_place);
  NormalizeFieldInto(field(9), r.missing_materials);
  NormalizeFieldInto(field(10), r.application_no);
  r.days = ParseDays(r.days_overdue);
  r.amount_fen = ParseAmountFen(r.amount_due);
  r.due_by = ParseDeadline(r.deadline);
}

// People planned together: their notices' raw fields copied out of the file by the thread that
// reads it, then made into calls (by a worker when there are several).
constexpr size_t kBlockPeople = 2048;

struct Block {
  std::vector<uint32_t> lines;       // of the notices, person after person
  std::vector<uint64_t> positions;   // of their rows, when the stream is seekable
  std::vector<uint32_t> per_person;  // how many notices each person has
  std::string text;                  // else the notices' raw fields, one after the other
  std::vector<size_t> ends;          // where each field ends in `text`
  std::vector<uint32_t> per_notice;  // how many fields each notice has
  // Made by PlanBlock and filled again by it the next time round: the strings a sink left
  // (one that reads a call rather than moving it away) are used again, not freed and made anew.
  std::vector<PlannedCall> calls;
  Status status;      // what PlanBlock returned
  bool done = false;  // guarded by the Planners' mutex

  // Ready to be filled again (the calls given out stay until PlanBlock).
  void Clear() {
    lines.clear();
    positions.clear();
    per_person.clear();
    text.clear();
    ends.clear();
    per_notice.clear();
    status = Status::Ok();
    done = false;
  }
  void Add(uint32_t line, const std::vector<std::string_view>& fields) {
    lines.push_back(line);
    per_notice.push_back(static_cast<uint32_t>(fields.size()));
    for (std::string_view f : fields) {
      text.append(f);
      ends.push_back(text.size());
    }
  }
};

// The calls of a block: its notices read again from `reader` (by position) or from its text,
// into the calls of the block before (PlannedCall's strings keep their memory).
Status PlanBlock(Block& b, const Columns& columns, text::TableStream* reader) {
  std::vector<std::string_view> fields;
  text::RowView row;
  size_t notice = 0, field = 0, begin = 0;
  b.calls.resize(b.per_person.size());
  for (size_t person = 0; person < b.per_person.size(); ++person) {
    const uint32_t count = b.per_person[person];
    PlannedCall& call = b.calls[person];
    call.notices.resize(count);
    for (uint32_t k = 0; k < count; ++k, ++notice) {
      if (reader) {
        ZX_RETURN_IF_ERROR(reader->ReadAt(b.positions[notice], b.lines[notice], row));
        NormalizeInto(row.fields, b.lines[notice], columns, call.notices[k]);
        continue;
      }
      fields.clear();
      for (uint32_t f = 0; f < b.per_notice[notice]; ++f, ++field) {
        fields.emplace_back(b.text.data() + begin, b.ends[field] - begin);
        begin = b.ends[field];
      }
      NormalizeInto(fields, b.lines[notice], columns, call.notices[k]);
    }
    const TargetRecord& first = call.notices.front();
    call.id_number.assign(first.id_number);
    call.name.assign(first.name);
    call.gender.assign(first.gender);
    call.phone.assign(first.phone);
  }
  return Status::Ok();
}

// Worker threads running PlanBlock over the blocks pushed, in any order; Wait for one block.
class Planners {
 public:
  // Each thread reads the rows of its blocks with its own clone of `stream` when it is
  // seekable.
  Planners(size_t threads, const Columns& columns, const text::TableStream& stream)
      : columns_(columns) {
    for (size_t i = 0; i < threads; ++i) {
      std::shared_ptr<text::TableStream> reader = stream.Clone();
      threads_.emplace_back([this, reader] { Run(reader.get()); });
    }
  }
  ~Planners() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  void Push(Block* b) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(b);
    }
    work_.notify_one();
  }
  // Waits until `b` is planned; what PlanBlock returned.
  Status Wait(Block* b) {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [b] { return b->done; });
    return b->status;
  }

 private:
  void Run(text::TableStream* reader) {
    for (;;) {
      Block* b = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        b = queue_.front();
        queue_.pop_front();
      }
      Status status = PlanBlock(*b, columns_, reader);
      {
        std::lock_guard<std::mutex> lock(mu_);
        b->status = std::move(status);
        b->done = true;
      }
      done_.notify_all();
    }
  }
  const Columns& columns_;
  std::mutex mu_;
  std::condition_variable work_, done_;
  std::deque<Block*> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// What the first pass learns of a record without the index (its raw hash, rules 3 and 4):
// learnt by the thread that reads the file, applied to the index (rules 2 and 5) in order.
struct Facts {
  uint64_t a = 0, b = 0;  // the raw fields' hash, never (0, 0)
  uint64_t person = 0;    // the packed 身份证号, when accepted
  uint64_t position = 0;  // of the row in the stream; in Batch::kept when not seekable
  uint32_t line = 0;
  uint16_t scenario = 0;  // when accepted
  uint8_t reason = 0;     // 0: accepted; else RejectReason + 1
  uint8_t column = 0;     // of the failed check
  bool dnc = false;       // 手机号 on the do-not-call list
};

constexpr size_t kBatchRows = 4096;

// ---- the parts of the index (ImportOptions::partitions) ----

// Bytes appended and read back by offset: a temporary file (0600, unlinked as soon as it is
// made, so gone with the process) or, for an index of one part, memory.
class Spill {
 public:
  Spill() = default;
  ~Spill() {
    if (fd_ >= 0) ::close(fd_);
  }
  Spill(const Spill&) = delete;
  Spill& operator=(const Spill&) = delete;

  Status OpenFile(const std::string& dir) {
    std::string path = dir + "/zx-import-XXXXXX";
    fd_ = ::mkstemp(path.data());
    if (fd_ < 0) {
      return Unavailable("cannot make a temporary file in " + dir + ": " + std::strerror(errno));
    }
    ::unlink(path.c_str());
    return Status::Ok();
  }
  // Where the bytes went.
  Result<uint64_t> Append(const void* data, size_t n) {
    const uint64_t at = size_;
    const char* p = static_cast<const char*>(data);
    if (fd_ < 0) {
      memory_.append(p, n);
    } else {
      for (size_t done = 0; done < n;) {
        ssize_t w = ::pwrite(fd_, p + done, n - done, static_cast<off_t>(at + done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return Unavailable(std::string("temporary file: ") + std::strerror(errno));
        done += static_cast<size_t>(w);
      }
    }
    size_ += n;
    return at;
  }
  Status Read(uint64_t at, void* data, size_t n) const {
    if (fd_ < 0) {
      std::memcpy(data, memory_.data() + at, n);
      return Status::Ok();
    }
    char* p = static_cast<char*>(data);
    for (size_t done = 0; done < n;) {
      ssize_t r = ::pread(fd_, p + done, n - done, static_cast<off_t>(at + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return Unavailable(std::string("temporary file: ") + std::strerror(errno));
      done += static_cast<size_t>(r);
    }
    return Status::Ok();
  }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string memory_;
};

// What goes into the temporary file is keyed afresh for each import, so that it holds neither
// 身份证号 nor hashes anyone could recompute: a packed ID through a keyed bijection of 60 bits
// (exact, as the packed ID is), the raw hash through keyed folds.
class Keys {
 public:
  Keys() {
    std::random_device random;
    auto word = [&] { return static_cast<uint64_t>(random()) << 32 | random(); };
    k1_ = word() & kMask;
    k2_ = (word() | 1) & kMask;
    k3_ = (word() | 1) & kMask;
    h1_ = word();
    h2_ = word();
  }
  // Never 0 (the empty slot), distinct for distinct IDs (a packed ID is below 2^57).
  uint64_t Person(uint64_t packed) const {
    uint64_t x = (packed ^ k1_) & kMask;
    x = (x * k2_) & kMask;
    x ^= x >> 31;
    x = (x * k3_) & kMask;
    x ^= x >> 29;
    return x | (uint64_t{1} << 63);
  }
  void Raw(uint64_t& a, uint64_t& b) const {
    a = Mum(a ^ h1_, 0xd6e8feb86659fd93ull);
    b = Mum(b ^ h2_, 0x9fb21c651e98df25ull);
    if (a == 0 && b == 0) b = 1;  // (0, 0) marks an empty slot
  }

 private:
  static constexpr uint64_t kMask = (uint64_t{1} << 60) - 1;
  uint64_t k1_, k2_, k3_, h1_, h2_;
};

// One part of the index: its records' facts (most in the temporary file, in chunks, the last
// few still here), then its people.
struct Part {
  std::vector<Facts> pending;
  std::vector<std::pair<uint64_t, uint32_t>> chunks;  // offset, facts
  size_t rows = 0;
  uint64_t people_at = 0, people_words = 0;  // where its people went (PeopleCursor)
};
constexpr size_t kChunkFacts = 1024;
constexpr size_t kMaxPartitions = 256;

// The people of one part, in the order of their first lines, as the part wrote them: per
// person the number of notices, whether suppressed, then per notice its line and position.
class PeopleCursor {
 public:
  PeopleCursor(const Spill& spill, uint64_t at, uint64_t words)
      : spill_(spill), at_(at), left_(words) {}
  // The next person; false after the last.
  Result<bool> Next() {
    if (left_ == 0 && next_ == buffer_.size()) return false;
    ZX_ASSIGN_OR_RETURN(uint32_t count, Word());
    ZX_ASSIGN_OR_RETURN(uint32_t dnc, Word());
    suppressed = dnc != 0;
    lines.resize(count);
    positions.resize(count);
    for (uint32_t k = 0; k < count; ++k) {
      ZX_ASSIGN_OR_RETURN(lines[k], Word());
      ZX_ASSIGN_OR_RETURN(uint32_t low, Word());
      ZX_ASSIGN_OR_RETURN(uint32_t high, Word());
      positions[k] = static_cast<uint64_t>(high) << 32 | low;
    }
    return true;
  }
  bool suppressed = false;
  std::vector<uint32_t> lines;
  std::vector<uint64_t> positions;

 private:
  Result<uint32_t> Word() {
    if (next_ == buffer_.size()) {
      if (left_ == 0) return Internal("import: a part of the index ends early");
      size_t n = static_cast<size_t>(std::min<uint64_t>(left_, 4096));
      buffer_.resize(n);
      ZX_RETURN_IF_ERROR(spill_.Read(at_, buffer_.data(), n * sizeof(uint32_t)));
      at_ += n * sizeof(uint32_t);
      left_ -= n;
      next_ = 0;
    }
    return buffer_[next_++];
  }
  const Spill& spill_;
  uint64_t at_, left_;
  std::vector<uint32_t> buffer_;
  size_t next_ = 0;
};

struct Batch {
  // The rows read: their fields one after the other in `text`, where each ends in `ends`.
  std::string text;
  std::vector<size_t> ends;
  std::vector<uint32_t> fields;  // how many fields each row has
  std::vector<size_t> lines;
  std::vector<uint64_t> positions;
  std::vector<Facts> facts;                    // learnt of each row
  std::vector<std::vector<std::string>> kept;  // accepted rows' raw fields (not seekable)
  uint64_t bytes = 0;                          // of the file read after this batch
  Status status;                               // the stream's error: the last batch
  bool last = false;
  uint64_t sequence = 0;

  void Clear() {
    text.clear();
    ends.clear();
    fields.clear();
    lines.clear();
    positions.clear();
    facts.clear();
    kept.clear();
    status = Status::Ok();
    last = false;
  }
  size_t rows() const { return lines.size(); }
};

// Batches going round: read (one thread), learnt (any of a few), applied in order (one thread).
class BatchQueue {
 public:
  explicit BatchQueue(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      all_.push_back(std::make_unique<Batch>());
      free_.push_back(all_.back().get());
    }
  }
  // A batch to fill; nullptr once stopped.
  Batch* TakeFree() { return Take(free_); }
  void PushRead(Batch* b) { Put(read_, b); }
  // A batch to learn; nullptr once stopped.
  Batch* TakeRead() { return Take(read_); }
  void PushLearnt(Batch* b) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      learnt_[b->sequence] = b;
    }
    cv_.notify_all();
  }
  // The batch `sequence`, once learnt.
  Batch* TakeLearnt(uint64_t sequence) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return learnt_.contains(sequence); });
    Batch* b = learnt_[sequence];
    learnt_.erase(sequence);
    return b;
  }
  void GiveBack(Batch* b) {
    b->Clear();
    Put(free_, b);
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
  }

 private:
  Batch* Take(std::deque<Batch*>& q) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stop_ || !q.empty(); });
    if (stop_) return nullptr;
    Batch* b = q.front();
    q.pop_front();
    return b;
  }
  void Put(std::deque<Batch*>& q, Batch* b) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      q.push_back(b);
    }
    cv_.notify_all();
  }
  std::vector<std::unique_ptr<Batch>> all_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch*> free_, read_;
  std::map<uint64_t, Batch*> learnt_;
  bool stop_ = false;
};

// Rules 3 (as far as the checks need it; the second pass normalises the rest) and 4 for one
// record; scratch of its own, so one per thread.
class Checker {
 public:
  Checker(const Columns& columns, const std::vector<ScenarioCheck>& scenarios,
          const ImportOptions& options)
      : columns_(columns), scenarios_(scenarios), options_(options) {}

  Facts Learn(const text::RowView& row) {
    Facts f;
    Hash128 h = HashRaw(row.fields);
    f.a = h.a;
    f.b = h.a == 0 && h.b == 0 ? 1 : h.b;
    f.line = static_cast<uint32_t>(row.line);
    f.position = row.position;
    if (row.line >= kNone) {  // no file has that many lines: refused by Take
      f.line = kNone;
      return f;
    }
    uint32_t scenario = 0;
    if (auto failed = Check(row.fields, &scenario)) {
      f.reason = static_cast<uint8_t>(static_cast<int>(failed->first) + 1);
      f.column = static_cast<uint8_t>(failed->second);
      return f;
    }
    f.scenario = static_cast<uint16_t>(scenario);
    f.person = PackId(id_);
    f.dnc = options_.do_not_call && options_.do_not_call->Contains(phone_);
    return f;
  }

 private:
  // The first check that fails, or nullopt and the record's scenario.
  std::optional<std::pair<RejectReason, size_t>> Check(const std::vector<std::string_view>& f,
                                                       uint32_t* scenario_index) {
    phone_ = NormalizePhone(columns_.Of(f, kPhoneAt));
    std::string_view id = columns_.Of(f, kIdAt);
    if (IsPlainId(id)) {
      id_.assign(id);  // as NormalizeIdNumber would give it, without a new string each time
    } else {
      id_ = NormalizeIdNumber(id);
    }
    std::string_view raw_scenario = columns_.Of(f, kScenarioAt);
    if (IsPrintableAscii(raw_scenario)) {
      scenario_.assign(raw_scenario);  // its own normal form, without a new string each time
    } else {
      scenario_ = NormalizeField(raw_scenario);
    }
    auto empty = [&](size_t column) {
      if (column == kPhoneAt) return phone_.empty();
      if (column == kIdAt) return id_.empty();
      if (column == kScenarioAt) return scenario_.empty();
      return NormalizesToEmpty(columns_.Of(f, column));
    };
    using Failed = std::pair<RejectReason, size_t>;
    for (size_t column : kRequiredAt) {
      if (empty(column)) return Failed{RejectReason::kMissingField, column};
    }
    uint32_t scenario = 0;
    while (scenario < scenarios_.size() && scenarios_[scenario].scenario->id != scenario_) {
      ++scenario;
    }
    if (scenario == scenarios_.size()) return Failed{RejectReason::kUnknownScenario, kScenarioAt};
    for (size_t column : scenarios_[scenario].needs) {
      if (empty(column)) return Failed{RejectReason::kMissingField, column};
    }
    if (!IsMobileNumber(phone_)) return Failed{RejectReason::kInvalidPhone, kPhoneAt};
    switch (CheckIdNumber(id_, options_.as_of)) {
      case IdCheck::kBadChecksum:
        return Failed{RejectReason::kInvalidIdChecksum, kIdAt};
      case IdCheck::kBadBirthDate:
        return Failed{RejectReason::kInvalidIdBirthDate, kIdAt};
      case IdCheck::kOk:
        break;
    }
    *scenario_index = scenario;
    return std::nullopt;
  }

  const Columns& columns_;
  const std::vector<ScenarioCheck>& scenarios_;
  const ImportOptions& options_;
  std::string phone_, id_, scenario_;
};

// The import of one stream: the first pass (rules 1-5) keeps the index above, the second
// (rule 6) plans the calls.
class Importer {
 public:
  Importer(text::TableStream& stream, Columns columns, const ImportOptions& options,
           ImportReport& report)
      : stream_(stream), columns_(columns), options_(options), report_(report) {
    // (a scenario's index is kept in 16 bits: ImportTargets refuses more than 65,535)
    for (const Scenario& s : options.scenarios->scenarios()) {
      ScenarioCheck check{&s, {}};
      for (const std::string& need : s.needs) check.needs.push_back(ColumnIndex(need));
      scenarios_.push_back(std::move(check));
    }
    by_scenario_.assign(scenarios_.size(), 0);
    // On a machine whose cores are all busy already, threads of the import only take turns
    // with each other (measured: a third more CPU time, and longer): one does it all.
    threads_ = options.threads;
    double load = 0;
    if (threads_ == 0 && ::getloadavg(&load, 1) == 1 &&
        load >= static_cast<double>(std::max(1u, std::thread::hardware_concurrency()))) {
      threads_ = 1;
    }
  }

  // Rules 1-5 over the whole stream. Reading the file, learning what each record is (the
  // checks) and applying that to the index in order run on threads of their own, a few
  // batches apart, unless options.threads is 1.
  Status FirstPass() {
    auto read = [this](Batch& b) {
      text::RowView row;
      while (b.rows() < kBatchRows) {
        auto more = stream_.Next(row);
        if (!more.ok() || !*more) {
          b.status = more.status();
          b.last = true;
          break;
        }
        b.lines.push_back(row.line);
        b.positions.push_back(row.position);
        b.fields.push_back(static_cast<uint32_t>(row.fields.size()));
        for (std::string_view f : row.fields) {
          b.text.append(f);
          b.ends.push_back(b.text.size());
        }
      }
      b.bytes = stream_.bytes_read();
    };
    const bool seekable = stream_.seekable();
    auto learn = [seekable](Checker& checker, Batch& b) {
      text::RowView row;
      size_t field = 0, begin = 0;
      for (size_t r = 0; r < b.rows(); ++r) {
        row.line = b.lines[r];
        row.position = b.positions[r];
        row.fields.clear();
        for (uint32_t k = 0; k < b.fields[r]; ++k, ++field) {
          row.fields.emplace_back(b.text.data() + begin, b.ends[field] - begin);
          begin = b.ends[field];
        }
        b.facts.push_back(checker.Learn(row));
        Facts& f = b.facts.back();
        if (f.reason == 0 && !seekable) {
          f.position = b.kept.size();
          b.kept.emplace_back(row.fields.begin(), row.fields.end());
        }
      }
    };
    if (threads_ == 1) {
      // Each row learnt where the stream gives it: its fields are not copied into the batch.
      Checker checker(columns_, scenarios_, options_);
      Batch b;
      text::RowView row;
      do {
        b.Clear();
        while (b.rows() < kBatchRows) {
          ZX_ASSIGN_OR_RETURN(bool more, stream_.Next(row));
          if (!more) {
            b.last = true;
            break;
          }
          b.lines.push_back(row.line);
          b.facts.push_back(checker.Learn(row));
          Facts& f = b.facts.back();
          if (f.reason == 0 && !seekable) {
            f.position = b.kept.size();
            b.kept.emplace_back(row.fields.begin(), row.fields.end());
          }
        }
        b.bytes = stream_.bytes_read();
        ZX_RETURN_IF_ERROR(Apply(b));
      } while (!b.last);
    } else {
      constexpr size_t kLearners = 2;
      BatchQueue queue(2 * kLearners + 3);
      std::thread reader([&] {
        for (uint64_t sequence = 0;; ++sequence) {
          Batch* b = queue.TakeFree();
          if (!b) return;
          read(*b);
          b->sequence = sequence;
          bool last = b->last;
          queue.PushRead(b);
          if (last) return;
        }
      });
      std::vector<std::thread> learners;
      for (size_t i = 0; i < kLearners; ++i) {
        learners.emplace_back([&] {
          Checker checker(columns_, scenarios_, options_);
          for (Batch* b; (b = queue.TakeRead()) != nullptr;) {
            if (b->status.ok()) learn(checker, *b);
            queue.PushLearnt(b);
          }
        });
      }
      Status status;
      for (uint64_t sequence = 0;; ++sequence) {
        Batch* b = queue.TakeLearnt(sequence);
        bool last = b->last;
        status = b->status.ok() ? Apply(*b) : b->status;
        queue.GiveBack(b);
        if (last || !status.ok()) break;
      }
      queue.Stop();
      reader.join();
      for (std::thread& t : learners) t.join();
      ZX_RETURN_IF_ERROR(status);
    }
    bytes_ = stream_.bytes_read();
    if (parts_.empty()) ZX_RETURN_IF_ERROR(Partition(nullptr));  // a file without records
    for (Part& part : parts_) ZX_RETURN_IF_ERROR(IndexPart(part));
    for (size_t i = 0; i < scenarios_.size(); ++i) {
      if (by_scenario_[i] > 0) {
        report_.notices_by_scenario[scenarios_[i].scenario->id] = by_scenario_[i];
      }
    }
    return Status::Ok();
  }

  Status SecondPass() {
    report_.people = people_;
    // Handing out the calls stays on this thread, in order; reading the notices' rows again
    // and normalising them, most of the work, goes to workers (each with its own reader of
    // the file) when there are enough people to be worth it.
    size_t workers = threads_ > 0 ? static_cast<size_t>(threads_) : people_ >= 20000 ? 3 : 1;
    const bool seekable = stream_.seekable();
    std::deque<std::unique_ptr<Block>> in_flight, spare;  // destroyed after the pool has stopped
    Planners planners(workers > 1 ? workers : 0, columns_, stream_);
    auto deliver = [&](Block& b) -> Status {
      for (PlannedCall& call : b.calls) {
        ++report_.calls;
        if (options_.on_call) {
          ZX_RETURN_IF_ERROR(options_.on_call(std::move(call)));
        } else {
          report_.planned.push_back(std::move(call));
        }
        if (options_.on_progress && report_.calls % 16384 == 0) Progress(false);
      }
      return Status::Ok();
    };
    auto finish_oldest = [&]() -> Status {
      std::unique_ptr<Block> b = std::move(in_flight.front());
      in_flight.pop_front();
      ZX_RETURN_IF_ERROR(planners.Wait(b.get()));
      ZX_RETURN_IF_ERROR(deliver(*b));
      b->Clear();
      spare.push_back(std::move(b));
      return Status::Ok();
    };
    auto submit = [&](std::unique_ptr<Block>& b) -> Status {
      if (workers <= 1) {
        ZX_RETURN_IF_ERROR(PlanBlock(*b, columns_, seekable ? &stream_ : nullptr));
        ZX_RETURN_IF_ERROR(deliver(*b));
        b->Clear();
        return Status::Ok();
      }
      planners.Push(b.get());
      in_flight.push_back(std::move(b));
      // At most a few blocks ahead of the sink: memory stays bounded.
      while (in_flight.size() > 2 * workers) ZX_RETURN_IF_ERROR(finish_oldest());
      if (spare.empty()) {
        b = std::make_unique<Block>();
      } else {
        b = std::move(spare.front());
        spare.pop_front();
      }
      return Status::Ok();
    };

    // The people of all parts, in the order of their first lines: a merge of the parts' lists.
    std::vector<std::unique_ptr<PeopleCursor>> cursors;
    using Head = std::pair<uint32_t, size_t>;  // first line, cursor
    std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
    for (const Part& part : parts_) {
      cursors.push_back(std::make_unique<PeopleCursor>(spill_, part.people_at, part.people_words));
      ZX_ASSIGN_OR_RETURN(bool any, cursors.back()->Next());
      if (any) heads.emplace(cursors.back()->lines.front(), cursors.size() - 1);
    }
    auto block = std::make_unique<Block>();
    while (!heads.empty()) {
      const size_t from = heads.top().second;
      heads.pop();
      PeopleCursor& person = *cursors[from];
      const size_t count = person.lines.size();
      if (person.suppressed || count > 1) {  // the report lists their lines
        auto& list = person.suppressed ? report_.dnc_suppressed : report_.merged;
        ++(person.suppressed ? report_.counts.dnc_suppressed : report_.counts.merged);
        if (list.size() < options_.max_listed) {
          list.emplace_back().lines.assign(person.lines.begin(), person.lines.end());
        }
      }
      if (!person.suppressed) {
        for (size_t k = 0; k < count; ++k) {
          if (seekable) {
            block->lines.push_back(person.lines[k]);
            block->positions.push_back(person.positions[k]);
          } else {
            std::vector<std::string>& raw = kept_[person.positions[k]];
            block->Add(person.lines[k], std::vector<std::string_view>(raw.begin(), raw.end()));
            std::vector<std::string>().swap(raw);  // read once
          }
        }
        block->per_person.push_back(static_cast<uint32_t>(count));
        if (block->per_person.size() == kBlockPeople) ZX_RETURN_IF_ERROR(submit(block));
      }
      ZX_ASSIGN_OR_RETURN(bool more, person.Next());
      if (more) heads.emplace(person.lines.front(), from);
    }
    ZX_RETURN_IF_ERROR(submit(block));
    while (!in_flight.empty()) ZX_RETURN_IF_ERROR(finish_oldest());
    if (options_.on_progress) Progress(true);
    return Status::Ok();
  }

 private:
  // How many parts the index is cut into, from the file's size and its first batch of rows
  // (`first`; nullptr: a file without records).
  Status Partition(const Batch* first) {
    size_t n = options_.partitions;
    if (!stream_.seekable() || first == nullptr) {
      n = 1;
    } else if (n == 0) {
      n = 1;
      if (stream_.total_bytes() > 0 && first->bytes > 0 && first->rows() == kBatchRows) {
        double per_row = static_cast<double>(first->bytes) / static_cast<double>(first->rows());
        double rows = static_cast<double>(stream_.total_bytes()) / per_row * 1.05;
        n = static_cast<size_t>(rows / static_cast<double>(kPartitionRows)) + 1;
      }
    }
    n = std::clamp<size_t>(n, 1, kMaxPartitions);
    parts_.resize(n);
    if (n == 1) return Status::Ok();  // the index in memory: nothing to spill
    std::string dir = options_.temp_dir;
    if (dir.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      dir = tmp && *tmp ? tmp : "/tmp";
    }
    return spill_.OpenFile(dir);
  }

  void Progress(bool done) {
    options_.on_progress({report_.records, bytes_, stream_.total_bytes(), report_.calls, done});
  }

  // A batch of records, in their order, each to its part: an accepted record by its person
  // (all of a person's notices, and exact duplicates of them, meet in one part), a rejected
  // one by its raw hash (its exact duplicates too).
  Status Apply(Batch& b) {
    if (parts_.empty()) ZX_RETURN_IF_ERROR(Partition(&b));
    const size_t n = b.facts.size();
    const bool seekable = stream_.seekable();
    for (size_t i = 0; i < n; ++i) {
      ++report_.records;
      if (options_.on_progress && report_.records % 16384 == 0) {
        bytes_ = b.bytes;
        Progress(false);
      }
      Facts f = b.facts[i];
      if (f.line == kNone) return InvalidArgument("more than 4e9 lines in one file");
      keys_.Raw(f.a, f.b);
      uint64_t key = f.a;
      if (f.reason == 0) {
        f.person = keys_.Person(f.person);
        key = f.person;
        if (!seekable) {
          f.position = kept_.size();
          kept_.push_back(std::move(b.kept[b.facts[i].position]));
        }
      }
      Part& part =
          parts_.size() == 1
              ? parts_[0]
              : parts_[static_cast<size_t>(
                    (static_cast<__uint128_t>(Mum(key, 0x8bb84b93962eacc9ull)) * parts_.size()) >>
                    64)];
      part.pending.push_back(f);
      ++part.rows;
      if (parts_.size() > 1 && part.pending.size() == kChunkFacts) {
        ZX_ASSIGN_OR_RETURN(uint64_t at,
                            spill_.Append(part.pending.data(), kChunkFacts * sizeof(Facts)));
        part.chunks.emplace_back(at, static_cast<uint32_t>(kChunkFacts));
        part.pending.clear();
      }
    }
    bytes_ = b.bytes;
    return Status::Ok();
  }

  // Rules 2 and 5 over one part, its records in their order; then its people, in the order of
  // their first lines, written out for the second pass. Only one part is in memory at a time.
  Status IndexPart(Part& part) {
    raw_seen_.Reset(part.rows);
    person_of_.Reset(part.rows);
    suppressed_.clear();
    notices_.clear();
    notice_scenario_.clear();
    wide_notices_.clear();
    pending_.clear();
    notices_.reserve(part.rows);
    notice_scenario_.reserve(part.rows);
    std::vector<Facts> chunk;
    for (auto [at, count] : part.chunks) {
      chunk.resize(count);
      ZX_RETURN_IF_ERROR(spill_.Read(at, chunk.data(), count * sizeof(Facts)));
      ZX_RETURN_IF_ERROR(TakeAll(chunk));
    }
    ZX_RETURN_IF_ERROR(TakeAll(part.pending));
    std::vector<Facts>().swap(part.pending);
    std::vector<std::pair<uint64_t, uint32_t>>().swap(part.chunks);
    Resolve();

    // Each person's notices, in the order of their lines: a counting sort by person.
    const size_t people = suppressed_.size();
    people_ += people;
    std::vector<uint32_t> start(people + 1, 0), order(notices_.size());
    for (const Notice& n : notices_) ++start[n.person + 1];
    for (size_t p = 0; p < people; ++p) start[p + 1] += start[p];
    {
      std::vector<uint32_t> at(start.begin(), start.end() - 1);
      for (size_t n = 0; n < notices_.size(); ++n) order[at[notices_[n].person]++] = n;
    }
    std::vector<uint32_t> words;
    words.reserve(8192 + 64);
    bool first_write = true;
    auto flush = [&]() -> Status {
      if (words.empty()) return Status::Ok();
      ZX_ASSIGN_OR_RETURN(uint64_t at,
                          spill_.Append(words.data(), words.size() * sizeof(uint32_t)));
      if (first_write) part.people_at = at;
      first_write = false;
      part.people_words += words.size();
      words.clear();
      return Status::Ok();
    };
    for (size_t p = 0; p < people; ++p) {
      words.push_back(start[p + 1] - start[p]);
      words.push_back(suppressed_[p]);
      for (uint32_t k = start[p]; k < start[p + 1]; ++k) {
        const Notice& n = notices_[order[k]];
        words.push_back(n.line);
        words.push_back(static_cast<uint32_t>(n.position));
        words.push_back(static_cast<uint32_t>(n.position >> 32));
      }
      if (words.size() >= 8192) ZX_RETURN_IF_ERROR(flush());
    }
    return flush();
  }

  // Rules 2 and 5 for records of one part, in their order. The table slots of a record a few
  // ahead are fetched while this one is looked up.
  Status TakeAll(const std::vector<Facts>& facts) {
    constexpr size_t kAhead = 8;
    const size_t n = facts.size();
    for (size_t i = 0; i < n && i < kAhead; ++i) Prefetch(facts[i]);
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) Prefetch(facts[i + kAhead]);
      ZX_RETURN_IF_ERROR(Take(facts[i]));
    }
    return Status::Ok();
  }

  void Prefetch(const Facts& f) {
    raw_seen_.Prefetch(RawSlot{f.a, f.b, 0});
    if (f.reason == 0) person_of_.Prefetch(PersonSlot{f.person, 0});
  }

  // Rules 2 and 5 for one record.
  Status Take(const Facts& f) {
    auto [first_raw, new_raw] = raw_seen_.Insert(RawSlot{f.a, f.b, f.line});
    if (!new_raw) {
      if (report_.counts.exact_duplicates++ < options_.max_listed) {
        report_.exact_duplicates.push_back({f.line, first_raw->line});
      }
      return Status::Ok();
    }
    if (f.reason != 0) {
      if (report_.counts.rejected++ < options_.max_listed) {
        report_.rejected.push_back({f.line, static_cast<RejectReason>(f.reason - 1),
                                    std::string(kTargetColumns[f.column])});
      }
      return Status::Ok();
    }
    ++report_.accepted;

    // Rule 5: the scenarios of the person's notices so far say whether this one is new.
    auto [slot, new_person] =
        person_of_.Insert(PersonSlot{f.person, static_cast<uint32_t>(suppressed_.size()), 0});
    if (new_person) {
      if (people_ + suppressed_.size() >= kNone) {
        return InvalidArgument("more than 4e9 people in one file");
      }
      suppressed_.push_back(0);
    }
    const uint32_t person = slot->person;
    bool seen = false;
    if (f.scenario < 32) {
      seen = (slot->scenarios >> f.scenario) & 1;
      slot->scenarios |= 1u << f.scenario;
    } else {
      seen = !wide_notices_.insert(static_cast<uint64_t>(person) << 16 | f.scenario).second;
    }
    if (seen) {  // the first notice's line is found after the part (Resolve)
      if (report_.counts.normalized_duplicates++ < options_.max_listed) {
        pending_.push_back({report_.normalized_duplicates.size(), person, f.scenario});
        report_.normalized_duplicates.push_back({f.line, 0});
      }
      return Status::Ok();
    }
    if (notices_.size() >= kNone) return InvalidArgument("more than 4e9 notices in one file");
    Notice notice;
    notice.line = f.line;
    notice.position = f.position;
    notice.person = person;
    notices_.push_back(notice);
    notice_scenario_.push_back(f.scenario);
    ++by_scenario_[f.scenario];
    if (f.dnc) suppressed_[person] = 1;
    return Status::Ok();
  }

  // The line of the first notice of each normalised duplicate of the part.
  void Resolve() {
    if (pending_.empty()) return;
    auto key = [](uint64_t person, uint16_t scenario) { return person << 16 | scenario; };
    std::unordered_map<uint64_t, uint32_t> first;
    for (const Pending& p : pending_) first.emplace(key(p.person, p.scenario), 0);
    for (size_t n = 0; n < notices_.size(); ++n) {
      auto it = first.find(key(notices_[n].person, notice_scenario_[n]));
      if (it != first.end() && it->second == 0) it->second = notices_[n].line;
    }
    for (const Pending& p : pending_) {
      report_.normalized_duplicates[p.index].duplicate_of = first[key(p.person, p.scenario)];
    }
  }

  text::TableStream& stream_;
  const Columns columns_;
  const ImportOptions& options_;
  ImportReport& report_;
  int threads_ = 0;  // options_.threads, or 1 on a machine already busy
  std::vector<ScenarioCheck> scenarios_;
  std::vector<size_t> by_scenario_;
  Keys keys_;
  std::vector<Part> parts_;
  Spill spill_;        // the parts' facts, then their people (memory when there is one part)
  size_t people_ = 0;  // of the parts indexed so far
  // Of the part being indexed:
  FlatTable<RawSlot> raw_seen_;
  FlatTable<PersonSlot> person_of_;
  std::vector<uint8_t> suppressed_;  // of each person, in the order of their first lines
  std::vector<Notice> notices_;
  std::unordered_set<uint64_t> wide_notices_;  // person << 16 | scenario, for scenarios >= 32
  struct Pending {
    size_t index;  // in report_.normalized_duplicates
    uint32_t person;
    uint16_t scenario;
  };
  std::vector<Pending> pending_;
  std::vector<uint16_t> notice_scenario_;       // beside notices_: 16 bytes and 2, not 24
  std::vector<std::vector<std::string>> kept_;  // raw fields of notices, when not seekable
  uint64_t bytes_ = 0;                          // of the file read, as far as applied
};

}  // namespace

const char* ReasonCode(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMissingField:
      return "missing_field";
    case RejectReason::kUnknownScenario:
      return "unknown_scenario";
    case RejectReason::kInvalidPhone:
      return "invalid_phone";
    case RejectReason::kInvalidIdChecksum:
      return "invalid_id_checksum";
    case RejectReason::kInvalidIdBirthDate:
      return "invalid_id_birth_date";
  }
  return "unknown";
}

Result<DoNotCallList> DoNotCallList::Parse(std::string_view text, const std::string& origin) {
  DoNotCallList list;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  size_t line = 0;
  while (!text.empty()) {
    ++line;
    size_t end = text.find('\n');
    std::string_view l = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    l = l.substr(0, l.find('#'));  // a comment may be in any encoding: only the number counts
    if (!text::IsValidUtf8(l)) {
      return InvalidArgument(origin + ":" + std::to_string(line) + ": not UTF-8");
    }
    std::string phone = NormalizePhone(l);
    if (!phone.empty()) list.numbers_.insert(std::move(phone));
  }
  return list;
}

Result<DoNotCallList> DoNotCallList::Load(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return Parse(text, path);
}

Result<ImportReport> ImportTargets(text::TableStream& stream, const std::string& file,
                                   const ImportOptions& options) {
  if (!options.scenarios) return InvalidArgument("ImportTargets: no scenarios given");
  if (options.scenarios->scenarios().size() > UINT16_MAX) {
    return InvalidArgument("ImportTargets: more than 65,535 scenarios");
  }
  ZX_ASSIGN_OR_RETURN(Columns columns, FindColumns(stream.header(), file));
  ImportReport report;
  report.file = file;
  report.as_of = options.as_of;
  Importer importer(stream, columns, options, report);
  ZX_RETURN_IF_ERROR(importer.FirstPass());
  ZX_RETURN_IF_ERROR(importer.SecondPass());
  auto by_line = [](const auto& a, const auto& b) { return a.line < b.line; };
  // XLSX rows come in sheet order, which is line order; CSV rows always are. Sort anyway so
  // the report reads top to bottom whatever the reader did.
  std::stable_sort(report.rejected.begin(), report.rejected.end(), by_line);
  std::stable_sort(report.exact_duplicates.begin(), report.exact_duplicates.end(), by_line);
  std::stable_sort(report.normalized_duplicates.begin(), report.normalized_duplicates.end(),
                   by_line);
  return report;
}

Result<ImportReport> ImportTargets(const text::Table& table, const std::string& file,
                                   const ImportOptions& options) {
  std::unique_ptr<text::TableStream> stream = text::StreamOf(table);
  return ImportTargets(*stream, file, options);
}

Result<ImportReport> ImportTargetFile(const ImportRequest& request, const Clock& clock) {
  tickets::Date as_of = tickets::ToChinaLocal(clock.NowUnixMillis()).date;
  if (!request.as_of.empty()) {
    auto parsed = tickets::ParseDate(request.as_of);
    if (!parsed.ok()) return InvalidArgument("--as-of: " + parsed.status().message());
    as_of = *parsed;
  }
  ZX_ASSIGN_OR_RETURN(ScenarioTable scenarios, ScenarioTable::Load(request.scenarios_file));
  std::optional<DoNotCallList> dnc;
  if (!request.dnc_file.empty()) {
    ZX_ASSIGN_OR_RETURN(dnc, DoNotCallList::Load(request.dnc_file));
  }
  ZX_ASSIGN_OR_RETURN(text::TableFormat format, text::TableFormatOf(request.file));
  ZX_ASSIGN_OR_RETURN(std::unique_ptr<text::TableStream> stream, text::OpenTable(request.file));
  ImportOptions options;
  options.scenarios = &scenarios;
  options.do_not_call = dnc ? &*dnc : nullptr;
  options.as_of = as_of;
  options.on_call = request.on_call;
  options.on_progress = request.on_progress;
  options.threads = request.threads;
  options.partitions = request.partitions;
  options.temp_dir = request.temp_dir;
  options.max_listed = request.max_listed;
  ZX_ASSIGN_OR_RETURN(ImportReport report, ImportTargets(*stream, request.file, options));
  report.format = format == text::TableFormat::kXlsx  ? "XLSX"
                  : format == text::TableFormat::kCsv ? "CSV " + stream->encoding()
                                                      : "TSV " + stream->encoding();
  return report;
}

}  // namespace zx::campaigns
