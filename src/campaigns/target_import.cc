#include "campaigns/target_import.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/file.h"
#include "campaigns/target_fields.h"
#include "text/normalizer.h"

namespace zx::campaigns {
namespace {

constexpr size_t kColumns = kTargetColumns.size();

size_t ColumnIndex(std::string_view name) {
  return static_cast<size_t>(std::find(kTargetColumns.begin(), kTargetColumns.end(), name) -
                             kTargetColumns.begin());
}

const size_t kPhoneAt = ColumnIndex(kPhone), kIdAt = ColumnIndex(kIdNumber),
             kScenarioAt = ColumnIndex(kScenario);

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

// Open addressing with linear probing, at most 3/4 full. Slot: IsEmpty(), SameKey(), Home().
template <typename Slot>
class FlatTable {
 public:
  // The slot with `s`'s key, and whether `s` was put there now.
  std::pair<Slot*, bool> Insert(const Slot& s) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = s.Home() & mask;; i = (i + 1) & mask) {
      if (slots_[i].IsEmpty()) {
        slots_[i] = s;
        ++size_;
        return {&slots_[i], true};
      }
      if (slots_[i].SameKey(s)) return {&slots_[i], false};
    }
  }

 private:
  void Grow() {
    std::vector<Slot> old(slots_.empty() ? 1024 : slots_.size() * 2);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old) {
      if (!s.IsEmpty()) Insert(s);
    }
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
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

// Rule 6: a person (an accepted 身份证号, packed) -> their index. 0 marks an empty slot.
struct PersonSlot {
  uint64_t id = 0;
  uint32_t person = 0;
  bool IsEmpty() const { return id == 0; }
  bool SameKey(const PersonSlot& o) const { return id == o.id; }
  size_t Home() const { return static_cast<size_t>(Mum(id, 0x9e3779b97f4a7c15ull)); }
};

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
  uint32_t next = kNone;  // the person's next notice
};

struct Person {
  uint32_t first = kNone, last = kNone;
  bool suppressed = false;
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

TargetRecord Normalize(const std::vector<std::string_view>& fields, size_t line, const Columns& c) {
  auto field = [&](std::string_view name) { return c.Of(fields, ColumnIndex(name)); };
  TargetRecord r;
  r.line = line;
  r.name = NormalizeField(field(kName));
  r.gender = NormalizeField(field(kGender));
  r.phone = NormalizePhone(field(kPhone));
  r.id_number = NormalizeIdNumber(field(kIdNumber));
  r.scenario = NormalizeField(field(kScenario));
  r.days_overdue = NormalizeField(field(kDaysOverdue));
  r.amount_due = NormalizeField(field(kAmountDue));
  r.deadline = NormalizeField(field(kDeadline));
  r.previous_place = NormalizeField(field(kPreviousPlace));
  r.missing_materials = NormalizeField(field(kMissingMaterials));
  r.application_no = NormalizeField(field(kApplicationNo));
  r.days = ParseDays(r.days_overdue);
  r.amount_fen = ParseAmountFen(r.amount_due);
  r.due_by = ParseDeadline(r.deadline);
  return r;
}

// People planned together: their notices' raw fields copied out of the file by the thread that
// reads it, then made into calls (by a worker when there are several).
constexpr size_t kBlockPeople = 2048;

struct Block {
  std::vector<uint32_t> lines;       // of the notices, person after person
  std::vector<uint32_t> per_person;  // how many notices each person has
  std::string text;                  // the notices' raw fields, one after the other
  std::vector<size_t> ends;          // where each field ends in `text`
  std::vector<uint32_t> per_notice;  // how many fields each notice has
  std::vector<PlannedCall> calls;    // made by PlanBlock
  bool done = false;                 // guarded by the Planners' mutex

  void Add(uint32_t line, const std::vector<std::string_view>& fields) {
    lines.push_back(line);
    per_notice.push_back(static_cast<uint32_t>(fields.size()));
    for (std::string_view f : fields) {
      text.append(f);
      ends.push_back(text.size());
    }
  }
};

void PlanBlock(Block& b, const Columns& columns) {
  std::vector<std::string_view> fields;
  size_t notice = 0, field = 0, begin = 0;
  b.calls.reserve(b.per_person.size());
  for (uint32_t count : b.per_person) {
    PlannedCall call;
    call.notices.reserve(count);
    for (uint32_t k = 0; k < count; ++k, ++notice) {
      fields.clear();
      for (uint32_t f = 0; f < b.per_notice[notice]; ++f, ++field) {
        fields.emplace_back(b.text.data() + begin, b.ends[field] - begin);
        begin = b.ends[field];
      }
      call.notices.push_back(Normalize(fields, b.lines[notice], columns));
    }
    const TargetRecord& first = call.notices.front();
    call.id_number = first.id_number;
    call.name = first.name;
    call.gender = first.gender;
    call.phone = first.phone;
    b.calls.push_back(std::move(call));
  }
}

// Worker threads running PlanBlock over the blocks pushed, in any order; Wait for one block.
class Planners {
 public:
  Planners(size_t threads, const Columns& columns) : columns_(columns) {
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
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
  void Wait(Block* b) {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [b] { return b->done; });
  }

 private:
  void Run() {
    for (;;) {
      Block* b = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        b = queue_.front();
        queue_.pop_front();
      }
      PlanBlock(*b, columns_);
      {
        std::lock_guard<std::mutex> lock(mu_);
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
  }

  Status FirstPass() {
    text::RowView row;
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool more, stream_.Next(row));
      if (!more) break;
      ++report_.records;
      if (options_.on_progress && report_.records % 16384 == 0) Progress(false);
      ZX_RETURN_IF_ERROR(Take(row));
    }
    for (size_t i = 0; i < scenarios_.size(); ++i) {
      if (by_scenario_[i] > 0)
        report_.notices_by_scenario[scenarios_[i].scenario->id] = by_scenario_[i];
    }
    return Status::Ok();
  }

  Status SecondPass() {
    report_.people = people_.size();
    // Reading the notices' rows stays on this thread (the stream is not thread-safe), and so
    // does handing out the calls, in order; normalising them, most of the work, goes to
    // workers when there are enough people to be worth it.
    size_t workers = options_.threads > 0      ? static_cast<size_t>(options_.threads)
                     : people_.size() >= 20000 ? 2
                                               : 1;
    std::deque<std::unique_ptr<Block>> in_flight;  // destroyed after the pool has stopped
    Planners planners(workers > 1 ? workers : 0, columns_);
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
    auto submit = [&](std::unique_ptr<Block> b) -> Status {
      if (workers <= 1) {
        PlanBlock(*b, columns_);
        return deliver(*b);
      }
      planners.Push(b.get());
      in_flight.push_back(std::move(b));
      // At most a few blocks ahead of the sink: memory stays bounded.
      while (in_flight.size() > 2 * workers) {
        planners.Wait(in_flight.front().get());
        ZX_RETURN_IF_ERROR(deliver(*in_flight.front()));
        in_flight.pop_front();
      }
      return Status::Ok();
    };

    auto block = std::make_unique<Block>();
    text::RowView row;
    for (const Person& p : people_) {
      LineGroup lines;
      for (uint32_t n = p.first; n != kNone; n = notices_[n].next) {
        lines.lines.push_back(notices_[n].line);
      }
      if (p.suppressed) {
        report_.dnc_suppressed.push_back(std::move(lines));
        continue;
      }
      if (lines.lines.size() > 1) report_.merged.push_back(std::move(lines));
      uint32_t count = 0;
      for (uint32_t n = p.first; n != kNone; n = notices_[n].next, ++count) {
        const Notice& notice = notices_[n];
        if (stream_.seekable()) {
          ZX_RETURN_IF_ERROR(stream_.ReadAt(notice.position, notice.line, row));
          block->Add(notice.line, row.fields);
        } else {
          const std::vector<std::string>& raw = kept_[notice.position];
          block->Add(notice.line, std::vector<std::string_view>(raw.begin(), raw.end()));
          std::vector<std::string>().swap(kept_[notice.position]);  // read once
        }
      }
      block->per_person.push_back(count);
      if (block->per_person.size() == kBlockPeople) {
        ZX_RETURN_IF_ERROR(submit(std::move(block)));
        block = std::make_unique<Block>();
      }
    }
    ZX_RETURN_IF_ERROR(submit(std::move(block)));
    for (; !in_flight.empty(); in_flight.pop_front()) {
      planners.Wait(in_flight.front().get());
      ZX_RETURN_IF_ERROR(deliver(*in_flight.front()));
    }
    if (options_.on_progress) Progress(true);
    return Status::Ok();
  }

 private:
  void Progress(bool done) {
    options_.on_progress(
        {report_.records, stream_.bytes_read(), stream_.total_bytes(), report_.calls, done});
  }

  // Rules 2-5 for one record.
  Status Take(const text::RowView& row) {
    if (row.line >= kNone) return InvalidArgument("more than 4e9 lines in one file");
    Hash128 h = HashRaw(row.fields);
    RawSlot raw{h.a, h.a == 0 && h.b == 0 ? 1 : h.b, static_cast<uint32_t>(row.line)};
    auto [first_raw, new_raw] = raw_seen_.Insert(raw);
    if (!new_raw) {
      report_.exact_duplicates.push_back({row.line, first_raw->line});
      return Status::Ok();
    }
    // Rule 3 as far as the checks need it; the second pass normalises the rest.
    const std::vector<std::string_view>& f = row.fields;
    phone_ = NormalizePhone(columns_.Of(f, kPhoneAt));
    id_ = NormalizeIdNumber(columns_.Of(f, kIdAt));
    scenario_ = NormalizeField(columns_.Of(f, kScenarioAt));
    auto empty = [&](size_t column) {
      if (column == kPhoneAt) return phone_.empty();
      if (column == kIdAt) return id_.empty();
      if (column == kScenarioAt) return scenario_.empty();
      return NormalizesToEmpty(columns_.Of(f, column));
    };
    auto reject = [&](RejectReason reason, size_t column) {
      report_.rejected.push_back({row.line, reason, std::string(kTargetColumns[column])});
      return Status::Ok();
    };
    // Rule 4, in its order.
    for (std::string_view name : kRequiredColumns) {
      size_t column = ColumnIndex(name);
      if (empty(column)) return reject(RejectReason::kMissingField, column);
    }
    uint32_t scenario = 0;
    while (scenario < scenarios_.size() && scenarios_[scenario].scenario->id != scenario_) {
      ++scenario;
    }
    if (scenario == scenarios_.size()) return reject(RejectReason::kUnknownScenario, kScenarioAt);
    for (size_t column : scenarios_[scenario].needs) {
      if (empty(column)) return reject(RejectReason::kMissingField, column);
    }
    if (!IsMobileNumber(phone_)) return reject(RejectReason::kInvalidPhone, kPhoneAt);
    switch (CheckIdNumber(id_, options_.as_of)) {
      case IdCheck::kBadChecksum:
        return reject(RejectReason::kInvalidIdChecksum, kIdAt);
      case IdCheck::kBadBirthDate:
        return reject(RejectReason::kInvalidIdBirthDate, kIdAt);
      case IdCheck::kOk:
        break;
    }
    ++report_.accepted;

    // Rule 5: the person's notices so far say whether this one is new.
    auto [slot, new_person] =
        person_of_.Insert({PackId(id_), static_cast<uint32_t>(people_.size())});
    if (new_person) {
      if (people_.size() >= kNone) return InvalidArgument("more than 4e9 people in one file");
      people_.emplace_back();
    }
    Person& person = people_[slot->person];
    for (uint32_t n = person.first; n != kNone; n = notices_[n].next) {
      if (notice_scenario_[n] == scenario) {
        report_.normalized_duplicates.push_back({row.line, notices_[n].line});
        return Status::Ok();
      }
    }
    if (notices_.size() >= kNone) return InvalidArgument("more than 4e9 notices in one file");
    uint32_t index = static_cast<uint32_t>(notices_.size());
    Notice notice;
    notice.line = static_cast<uint32_t>(row.line);
    if (stream_.seekable()) {
      notice.position = row.position;
    } else {
      notice.position = kept_.size();
      kept_.emplace_back(row.fields.begin(), row.fields.end());
    }
    notices_.push_back(notice);
    notice_scenario_.push_back(static_cast<uint16_t>(scenario));
    if (person.last == kNone) {
      person.first = index;
    } else {
      notices_[person.last].next = index;
    }
    person.last = index;
    ++by_scenario_[scenario];
    if (options_.do_not_call && options_.do_not_call->Contains(phone_)) person.suppressed = true;
    return Status::Ok();
  }

  text::TableStream& stream_;
  const Columns columns_;
  const ImportOptions& options_;
  ImportReport& report_;
  std::vector<ScenarioCheck> scenarios_;
  std::vector<size_t> by_scenario_;
  FlatTable<RawSlot> raw_seen_;
  FlatTable<PersonSlot> person_of_;
  std::vector<Person> people_;  // in the order of their first lines
  std::vector<Notice> notices_;
  std::vector<uint16_t> notice_scenario_;       // beside notices_: 16 bytes and 2, not 24
  std::vector<std::vector<std::string>> kept_;  // raw fields of notices, when not seekable
  std::string phone_, id_, scenario_;           // of the record being checked
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
  ZX_ASSIGN_OR_RETURN(ImportReport report, ImportTargets(*stream, request.file, options));
  report.format = format == text::TableFormat::kXlsx  ? "XLSX"
                  : format == text::TableFormat::kCsv ? "CSV " + stream->encoding()
                                                      : "TSV " + stream->encoding();
  return report;
}

}  // namespace zx::campaigns
