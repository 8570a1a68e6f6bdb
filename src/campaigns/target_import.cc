#include "campaigns/target_import.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "base/file.h"
#include "campaigns/target_fields.h"
#include "text/normalizer.h"

namespace zx::campaigns {
namespace {

// Where each column of a target file is in the table (-1: not in the file).
struct Columns {
  std::map<std::string_view, int> at;
  int operator[](std::string_view name) const {
    auto it = at.find(name);
    return it == at.end() ? -1 : it->second;
  }
};

std::string Joined(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

Result<Columns> FindColumns(const std::vector<std::string>& header, const std::string& file) {
  Columns c;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = NormalizeField(header[i]);
    auto known = std::find(kTargetColumns.begin(), kTargetColumns.end(), name);
    if (known == kTargetColumns.end()) continue;  // a column of the department's own: ignored
    if (!c.at.emplace(*known, static_cast<int>(i)).second) {
      return InvalidArgument(file + ": header: column " + name + " twice");
    }
  }
  std::vector<std::string_view> missing;
  for (std::string_view name : kRequiredColumns) {
    if (c[name] < 0) missing.push_back(name);
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

// The raw fields that make two records "the same record": trailing empty fields do not count
// (one export writes "a,b," where another writes "a,b").
size_t RawSize(const std::vector<std::string>& fields) {
  size_t n = fields.size();
  while (n > 0 && fields[n - 1].empty()) --n;
  return n;
}

bool SameRaw(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t n = RawSize(a);
  return n == RawSize(b) && std::equal(a.begin(), a.begin() + n, b.begin());
}

size_t HashRaw(const std::vector<std::string>& fields) {
  size_t h = 0;
  std::hash<std::string> hash;
  for (size_t i = 0, n = RawSize(fields); i < n; ++i) {
    h = h * 1000003u ^ hash(fields[i]) ^ (fields[i].size() + 0x9e3779b97f4a7c15ull);
  }
  return h;
}

TargetRecord Normalize(const text::TableRow& row, const Columns& c) {
  auto field = [&](std::string_view name) -> std::string_view {
    int i = c[name];
    return i >= 0 && static_cast<size_t>(i) < row.fields.size() ? row.fields[i]
                                                                : std::string_view();
  };
  TargetRecord r;
  r.line = row.line;
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

const std::string& FieldOf(const TargetRecord& r, std::string_view name) {
  static const std::string kNone;
  if (name == kName) return r.name;
  if (name == kGender) return r.gender;
  if (name == kPhone) return r.phone;
  if (name == kIdNumber) return r.id_number;
  if (name == kScenario) return r.scenario;
  if (name == kDaysOverdue) return r.days_overdue;
  if (name == kAmountDue) return r.amount_due;
  if (name == kDeadline) return r.deadline;
  if (name == kPreviousPlace) return r.previous_place;
  if (name == kMissingMaterials) return r.missing_materials;
  if (name == kApplicationNo) return r.application_no;
  return kNone;
}

// Rule 4: the first check that fails, or nullopt.
std::optional<Rejection> Check(const TargetRecord& r, const ScenarioTable& scenarios,
                               tickets::Date as_of) {
  auto reject = [&](RejectReason reason, std::string_view field) {
    return Rejection{r.line, reason, std::string(field)};
  };
  for (std::string_view name : kRequiredColumns) {
    if (FieldOf(r, name).empty()) return reject(RejectReason::kMissingField, name);
  }
  const Scenario* scenario = scenarios.Find(r.scenario);
  if (!scenario) return reject(RejectReason::kUnknownScenario, kScenario);
  for (const std::string& name : scenario->needs) {
    if (FieldOf(r, name).empty()) return reject(RejectReason::kMissingField, name);
  }
  if (!IsMobileNumber(r.phone)) return reject(RejectReason::kInvalidPhone, kPhone);
  switch (CheckIdNumber(r.id_number, as_of)) {
    case IdCheck::kBadChecksum:
      return reject(RejectReason::kInvalidIdChecksum, kIdNumber);
    case IdCheck::kBadBirthDate:
      return reject(RejectReason::kInvalidIdBirthDate, kIdNumber);
    case IdCheck::kOk:
      break;
  }
  return std::nullopt;
}

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

Result<ImportReport> ImportTargets(const text::Table& table, const std::string& file,
                                   const ImportOptions& options) {
  if (!options.scenarios) return InvalidArgument("ImportTargets: no scenarios given");
  ZX_ASSIGN_OR_RETURN(Columns columns, FindColumns(table.header, file));
  ImportReport report;
  report.file = file;
  report.as_of = options.as_of;
  report.records = table.rows.size();

  // Rules 2-5, record by record in the order of the file.
  std::unordered_multimap<size_t, size_t> raw_seen;     // hash of raw fields -> row index
  std::unordered_map<std::string, size_t> notice_seen;  // 身份证号 \x1F 场景 -> first line
  std::unordered_map<std::string, size_t> person_of;    // 身份证号 -> index in `people`
  std::vector<PlannedCall> people;
  std::vector<bool> suppressed;
  for (size_t i = 0; i < table.rows.size(); ++i) {
    const text::TableRow& row = table.rows[i];
    size_t hash = HashRaw(row.fields);
    bool exact = false;
    for (auto [it, end] = raw_seen.equal_range(hash); it != end; ++it) {
      if (SameRaw(table.rows[it->second].fields, row.fields)) {
        report.exact_duplicates.push_back({row.line, table.rows[it->second].line});
        exact = true;
        break;
      }
    }
    if (exact) continue;
    raw_seen.emplace(hash, i);

    TargetRecord record = Normalize(row, columns);
    if (auto rejection = Check(record, *options.scenarios, options.as_of)) {
      report.rejected.push_back(std::move(*rejection));
      continue;
    }
    ++report.accepted;
    auto [first, added] =
        notice_seen.emplace(record.id_number + '\x1F' + record.scenario, record.line);
    if (!added) {
      report.normalized_duplicates.push_back({record.line, first->second});
      continue;
    }
    ++report.notices_by_scenario[record.scenario];
    auto [person, is_new] = person_of.emplace(record.id_number, people.size());
    if (is_new) {
      PlannedCall call;
      call.id_number = record.id_number;
      call.name = record.name;
      call.gender = record.gender;
      call.phone = record.phone;
      people.push_back(std::move(call));
      suppressed.push_back(false);
    }
    if (options.do_not_call && options.do_not_call->Contains(record.phone)) {
      suppressed[person->second] = true;
    }
    people[person->second].notices.push_back(std::move(record));
  }

  // Rule 6: one call per person, unless suppressed.
  report.people = people.size();
  for (size_t p = 0; p < people.size(); ++p) {
    LineGroup lines;
    for (const TargetRecord& n : people[p].notices) lines.lines.push_back(n.line);
    if (suppressed[p]) {
      report.dnc_suppressed.push_back(std::move(lines));
      continue;
    }
    if (lines.lines.size() > 1) report.merged.push_back(std::move(lines));
    report.planned.push_back(std::move(people[p]));
  }
  report.calls = report.planned.size();
  auto by_line = [](const auto& a, const auto& b) { return a.line < b.line; };
  // XLSX rows come in sheet order, which is line order; CSV rows always are. Sort anyway so
  // the report reads top to bottom whatever the reader did.
  std::stable_sort(report.rejected.begin(), report.rejected.end(), by_line);
  std::stable_sort(report.exact_duplicates.begin(), report.exact_duplicates.end(), by_line);
  std::stable_sort(report.normalized_duplicates.begin(), report.normalized_duplicates.end(),
                   by_line);
  return report;
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
  ZX_ASSIGN_OR_RETURN(text::Table table, text::ReadTable(request.file));
  ImportOptions options;
  options.scenarios = &scenarios;
  options.do_not_call = dnc ? &*dnc : nullptr;
  options.as_of = as_of;
  ZX_ASSIGN_OR_RETURN(ImportReport report, ImportTargets(table, request.file, options));
  report.format = format == text::TableFormat::kXlsx  ? "XLSX"
                  : format == text::TableFormat::kCsv ? "CSV " + table.encoding
                                                      : "TSV " + table.encoding;
  return report;
}

}  // namespace zx::campaigns
