// The import of a campaign's target file (DOMAIN.md "Target files for notification campaigns",
// followed to the letter; `zhixian campaign import`, DESIGN.md): a department's CSV (UTF-8 with
// or without a BOM, or GBK; CRLF or LF; quoted fields with line breaks) or XLSX, read through
// text/table_reader.h, checked and planned as one call per person.
//
// The rules, in order:
//   1. a record's line is the physical line it starts on, the header being line 1;
//   2. a record whose raw fields equal an earlier record's is an exact duplicate, dropped first
//      and reported with the line of the first such record;
//   3. every field is normalised (campaigns/target_fields.h): NFKC, trimmed; 手机号 and 身份证号
//      in one spelling; 应缴金额 and 截止日期 read in every written form;
//   4. the checks, the first failing one rejecting the record with its line, reason and field:
//      missing_field (姓名, 手机号, 身份证号, 场景), unknown_scenario (not in
//      kb/campaigns/scenarios.toml), missing_field (a field the scenario needs), invalid_phone,
//      invalid_id_checksum, invalid_id_birth_date (not a real date, or after the campaign date);
//   5. a notice is (身份证号, 场景): an accepted record whose notice was accepted before is a
//      normalised duplicate, dropped and reported with the line of the first;
//   6. a person is a 身份证号 and gets one call with all their notices; a person any of whose
//      records has a 手机号 on the do-not-call list is suppressed with all their notices.
// Counts: records = accepted + rejected + exact duplicates; accepted = notices + normalised
// duplicates; people = distinct 身份证号 of the notices; calls = people - suppressed.
// notices_by_scenario counts the notices (after de-duplication, before the do-not-call list).
//
// A bad record never stops the import; a malformed file does (an error naming the file and
// what is wrong).
//
// Streamed (text/table_stream.h): a file is read a row at a time and nothing of a record's text
// is kept, only an index: per record a 128-bit hash of its raw fields and its line (exact
// duplicates: two different records share a hash with a chance of about n²/2¹²⁹, 10⁻²⁷ for a
// million rows, so equality is not confirmed); per accepted notice its position in the file,
// line, person and scenario; per person whether they are suppressed and a bit for each scenario
// seen (the first 32; a set beyond), found by their 身份证号 packed into 64 bits (exact: an
// accepted ID is 17 digits and the check character they decide). The index is cut into parts
// (options.partitions), one in memory at a time: a record goes to a part by its person when it
// is accepted (all of a person's notices meet there), else by its hash; the parts wait in an
// unlinked temporary file (keyed afresh per import: no ID numbers in it), then each is indexed
// in line order and its people written out in the order of their first lines. Memory does not
// grow with the file, only the report's lists do (options.max_listed). The planned calls are
// made in a second pass, person by person in the order of their first lines (a merge of the
// parts), re-reading only the rows of their notices from the positions kept (rows near each
// other come from the same chunk). Records are read and checked on threads of their own
// (options.threads), a few batches apart; the second pass's rows are read again and normalised
// by workers with readers of their own. An XLSX cannot be re-read by position: its notices' raw
// fields are kept instead (one part), so an XLSX import is bounded by the sheet's size
// (as its shared strings already are). Personal data stays in the planned calls (for the campaign
// engine); the report's lists hold lines, reasons and fields only, and its text form masks what it
// shows. Pure functions over their inputs; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "campaigns/scenarios.h"
#include "text/table_reader.h"
#include "text/table_stream.h"
#include "tickets/calendar.h"

namespace zx::campaigns {

// One record of the file, normalised (rule 3), with its amount and dates read.
struct TargetRecord {
  size_t line = 0;
  std::string name, gender, phone, id_number, scenario;
  std::string days_overdue, amount_due, deadline;  // as written (normalised)
  std::string previous_place, missing_materials, application_no;
  std::optional<int> days;              // 逾期天数 read, when it could be
  std::optional<int64_t> amount_fen;    // 应缴金额 in fen (分), when it could be read
  std::optional<tickets::Date> due_by;  // 截止日期, when it could be read
};

// One call to one person: all of their notices, in the order of their lines.
struct PlannedCall {
  std::string id_number;            // the person
  std::string name, gender, phone;  // of their first notice
  std::vector<TargetRecord> notices;
};

enum class RejectReason {
  kMissingField,
  kUnknownScenario,
  kInvalidPhone,
  kInvalidIdChecksum,
  kInvalidIdBirthDate
};
// "missing_field", "unknown_scenario", "invalid_phone", "invalid_id_checksum",
// "invalid_id_birth_date".
const char* ReasonCode(RejectReason reason);

struct Rejection {
  size_t line = 0;
  RejectReason reason = RejectReason::kMissingField;
  std::string field;  // the column, e.g. "手机号"
};

struct DuplicateRecord {
  size_t line = 0;
  size_t duplicate_of = 0;  // the line of the first record it repeats
};

struct LineGroup {
  std::vector<size_t> lines;  // ascending
};

struct ImportReport {
  std::string file;
  std::string format;  // "CSV UTF-8", "CSV GBK", "XLSX"
  tickets::Date as_of;
  size_t records = 0;
  size_t accepted = 0;
  std::vector<Rejection> rejected;                     // by line
  std::vector<DuplicateRecord> exact_duplicates;       // by line
  std::vector<DuplicateRecord> normalized_duplicates;  // by line
  std::map<std::string, size_t> notices_by_scenario;
  size_t people = 0;
  std::vector<LineGroup> merged;          // planned calls with several notices, by first line
  std::vector<LineGroup> dnc_suppressed;  // suppressed people, their notices' lines
  size_t calls = 0;
  // The lists' lengths, all counted even when ImportOptions::max_listed cut the lists short.
  struct Counts {
    size_t rejected = 0, exact_duplicates = 0, normalized_duplicates = 0, merged = 0,
           dnc_suppressed = 0;
  } counts;
  // The calls, in the order of their first lines; empty when ImportOptions::on_call took them.
  std::vector<PlannedCall> planned;
};

// How far an import is, for a progress bar.
struct ImportProgress {
  size_t rows = 0;           // records read so far (first pass)
  uint64_t bytes = 0;        // bytes of the file read so far
  uint64_t total_bytes = 0;  // the file's size; 0 when unknown (XLSX)
  size_t calls = 0;          // calls planned so far (second pass)
  bool done = false;         // the last report
};

// Phone numbers nobody may call (one a line, '#' starts a comment, numbers in any of the forms
// a target file may write them: NormalizePhone).
class DoNotCallList {
 public:
  // kNotFound / kInvalidArgument naming the file; a line that is not UTF-8 names its line.
  static Result<DoNotCallList> Load(const std::string& path);
  static Result<DoNotCallList> Parse(std::string_view text, const std::string& origin);
  // `phone` normalised (NormalizePhone).
  bool Contains(const std::string& phone) const { return numbers_.contains(phone); }
  size_t size() const { return numbers_.size(); }

 private:
  std::unordered_set<std::string> numbers_;
};

struct ImportOptions {
  const ScenarioTable* scenarios = nullptr;    // required
  const DoNotCallList* do_not_call = nullptr;  // optional
  tickets::Date as_of;                         // the campaign date: no one is born after it
  // When set, each planned call is given to it, in the order of their first lines, instead of
  // being kept in ImportReport::planned (what a 1,000,000-row file needs: the campaign engine
  // stores them as they come). An error from it stops the import and is returned.
  std::function<Status(PlannedCall&&)> on_call{};
  // When set, called every few thousand rows and once at the end (done): for a progress bar.
  std::function<void(const ImportProgress&)> on_progress{};
  // Threads that make the planned calls (the second pass); 0: three from 20,000 people on, else
  // this thread alone, and this thread alone for everything when the machine's load average is
  // at least its number of cores (threads would only take turns). on_call and on_progress are
  // always called on the calling thread.
  int threads = 0;
  // Parts the index is cut into, one held in memory at a time (the others wait in a temporary
  // file, deleted as it is made); 0: one per kPartitionRows rows the file's size suggests, at
  // most 256; a stream that cannot be re-read (XLSX) keeps one.
  size_t partitions = 0;
  // Where that temporary file goes; empty: $TMPDIR, else /tmp.
  std::string temp_dir{};
  // Each list of the report (rejected, duplicates, merged, suppressed) keeps at most this many
  // entries (merged and suppressed their first by line, the others some of them, by line);
  // ImportReport::counts counts them all. For an import whose report is counted, not listed
  // (the benchmark): the lists are what grows with the file, not the index.
  size_t max_listed = SIZE_MAX;
};

// Rows of the file for each part of the index (ImportOptions::partitions).
inline constexpr size_t kPartitionRows = 65536;

// Applies the rules to a table already read; `file` names it in the report and in messages.
// kInvalidArgument "<file>: header: ..." when a required column (kRequiredColumns) is missing
// or a column of a target file is given twice.
Result<ImportReport> ImportTargets(const text::Table& table, const std::string& file,
                                   const ImportOptions& options);
// The same over a stream positioned after its header (text::OpenTable); errors of the stream
// (a quoted field never closed, a damaged XLSX) stop the import.
Result<ImportReport> ImportTargets(text::TableStream& stream, const std::string& file,
                                   const ImportOptions& options);

struct ImportRequest {
  std::string file{};            // .csv or .xlsx (.tsv read too)
  std::string dnc_file{};        // empty: no do-not-call list
  std::string as_of{};           // "YYYY-MM-DD"; empty: today, China time, by `clock`
  std::string scenarios_file{};  // kb/campaigns/scenarios.toml
  std::function<Status(PlannedCall&&)> on_call{};            // ImportOptions::on_call
  std::function<void(const ImportProgress&)> on_progress{};  // ImportOptions::on_progress
  int threads = 0;                                           // ImportOptions::threads
  size_t partitions = 0;                                     // ImportOptions::partitions
  std::string temp_dir{};                                    // ImportOptions::temp_dir
  size_t max_listed = SIZE_MAX;                              // ImportOptions::max_listed
};

// Reads the scenarios, the do-not-call list and the file (streamed), and imports it. Errors name
// the file and what is wrong (kNotFound for a missing file, kInvalidArgument otherwise).
Result<ImportReport> ImportTargetFile(const ImportRequest& request,
                                      const Clock& clock = SystemClock::Instance());

// The report for a person to read (target_import_text.cc): counts, then every rejected and
// duplicate line, merged and suppressed lines, and the first `max_calls` planned calls with
// the name and number masked (text/pii.h); "… and N more" counts report.calls, so a report whose
// calls went to on_call may keep only the first few in `planned`.
std::string FormatImportReport(const ImportReport& report, size_t max_calls = 20);

}  // namespace zx::campaigns
