#include "tickets/calendar.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "base/file.h"

namespace zx::tickets {
namespace {

namespace chr = std::chrono;
namespace fs = std::filesystem;

// Floor division, so that instants before 1970 land on the right day.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

// "HH:MM" → minutes since 00:00; 24:00 allowed when `allow_end_of_day`.
Result<int> ParseMinute(std::string_view text, bool allow_end_of_day) {
  if (text.size() != 5 || text[2] != ':' || !AllDigits(text.substr(0, 2)) ||
      !AllDigits(text.substr(3, 2)))
    return InvalidArgument("\"" + std::string(text) + "\" is not a time HH:MM");
  int h = ToInt(text.substr(0, 2)), m = ToInt(text.substr(3, 2));
  if (h == 24 && m == 0 && allow_end_of_day) return 24 * 60;
  if (h > 23 || m > 59)
    return InvalidArgument("\"" + std::string(text) + "\" is not a time of day");
  return h * 60 + m;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

// Calls `fn(line_number, line)` for each line that is neither blank nor a "#" comment, with a
// trailing "\r" removed; stops at the first error.
template <typename Fn>
Status ForEachDataLine(std::string_view text, Fn&& fn) {
  int number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos || line.front() == '#') continue;
    ZX_RETURN_IF_ERROR(fn(number, line));
  }
  return Status::Ok();
}

Status LineError(const std::string& origin, int line, const std::string& reason) {
  return InvalidArgument(origin + ":" + std::to_string(line) + ": " + reason);
}

constexpr std::string_view kOff = "休息日";
constexpr std::string_view kWork = "工作日";
const char* const kWeekdayNames[] = {"星期日", "星期一", "星期二", "星期三",
                                     "星期四", "星期五", "星期六"};

bool IsWeekend(Date d) {
  int w = Weekday(d);
  return w == 0 || w == 6;
}

// Working-day tiers: 7 or 15 working days.
int WorkingDaysOf(Tier tier) { return tier == Tier::k7d ? 7 : 15; }
int64_t HoursOf(Tier tier) { return tier == Tier::k2h ? 2 : 24; }

// More than any sensible limit or extension; keeps a bad argument from looping for long.
constexpr int kMaxWorkingDays = 366;
constexpr int64_t kMaxSpanDays = 3 * 366;

}  // namespace

int64_t DayNumber(Date date) {
  return chr::sys_days(chr::year_month_day(chr::year(date.year),
                                           chr::month(static_cast<unsigned>(date.month)),
                                           chr::day(static_cast<unsigned>(date.day))))
      .time_since_epoch()
      .count();
}

Date DateOfDayNumber(int64_t days) {
  chr::year_month_day ymd{chr::sys_days(chr::days(days))};
  return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
              static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

int Weekday(Date date) {
  return static_cast<int>(chr::weekday(chr::sys_days(chr::days(DayNumber(date)))).c_encoding());
}

Date AddDays(Date date, int64_t days) { return DateOfDayNumber(DayNumber(date) + days); }

LocalDateTime ToChinaLocal(int64_t unix_ms) {
  int64_t local = unix_ms + kChinaUtcOffsetMs;
  int64_t day = FloorDiv(local, kDayMs);
  return LocalDateTime{DateOfDayNumber(day), local - day * kDayMs};
}

int64_t FromChinaLocal(Date date, int64_t ms_of_day) {
  return DayNumber(date) * kDayMs + ms_of_day - kChinaUtcOffsetMs;
}

Result<Date> ParseDate(std::string_view text) {
  std::string quoted = "\"" + std::string(text) + "\"";
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2)))
    return InvalidArgument(quoted + " is not a date YYYY-MM-DD");
  Date d{ToInt(text.substr(0, 4)), ToInt(text.substr(5, 2)), ToInt(text.substr(8, 2))};
  chr::year_month_day ymd(chr::year(d.year), chr::month(static_cast<unsigned>(d.month)),
                          chr::day(static_cast<unsigned>(d.day)));
  if (!ymd.ok()) return InvalidArgument(quoted + " is not a real date");
  return d;
}

Result<int64_t> ParseChinaLocalMinute(std::string_view text) {
  if (text.size() != 16 || text[10] != ' ')
    return InvalidArgument("\"" + std::string(text) + "\" is not a time YYYY-MM-DD HH:MM");
  ZX_ASSIGN_OR_RETURN(Date date, ParseDate(text.substr(0, 10)));
  ZX_ASSIGN_OR_RETURN(int minute, ParseMinute(text.substr(11), /*allow_end_of_day=*/true));
  return FromChinaLocal(date, minute * kMinuteMs);
}

std::string FormatDate(Date date) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.year, date.month, date.day);
  return buf;
}

std::string FormatDeadline(int64_t unix_ms) {
  LocalDateTime t = ToChinaLocal(unix_ms);
  int64_t minute = t.ms_of_day / kMinuteMs;
  if (t.ms_of_day == 0) {  // midnight: the end of the day before
    t.date = AddDays(t.date, -1);
    minute = 24 * 60;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02d", static_cast<int>(minute / 60),
                static_cast<int>(minute % 60));
  return FormatDate(t.date) + buf;
}

Result<WorkCalendar> WorkCalendar::Load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return NotFound(dir +
                    ": no calendar directory (the YYYY.tsv tables and working_hours.tsv; "
                    "docs/tickets.md)");
  std::vector<std::pair<int, std::string>> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() == 8 && name.ends_with(".tsv") && AllDigits(name.substr(0, 4)))
      files.emplace_back(ToInt(name.substr(0, 4)), entry.path().string());
  }
  if (ec) return InvalidArgument(dir + ": cannot be read: " + ec.message());
  if (files.empty()) return NotFound(dir + ": no year table (YYYY.tsv); docs/tickets.md");
  std::sort(files.begin(), files.end());
  WorkCalendar calendar;
  calendar.dir_ = dir;
  for (const auto& [year, path] : files) {
    ZX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    ZX_RETURN_IF_ERROR(calendar.AddYear(year, text, path));
  }
  std::string hours_path = (fs::path(dir) / "working_hours.tsv").string();
  ZX_ASSIGN_OR_RETURN(std::string hours, ReadFile(hours_path));
  ZX_RETURN_IF_ERROR(calendar.SetWorkingHours(hours, hours_path));
  return calendar;
}

Status WorkCalendar::AddYear(int year, std::string_view text, const std::string& origin) {
  if (years_.count(year))
    return InvalidArgument(origin + ": a second table for " + std::to_string(year));
  std::map<int64_t, DayInfo> days;
  std::map<int64_t, int> line_of;
  ZX_RETURN_IF_ERROR(ForEachDataLine(text, [&](int line, std::string_view content) -> Status {
    auto fields = SplitTabs(content);
    if (fields.size() != 3)
      return LineError(origin, line,
                       "expected 3 tab-separated fields (date, 休息日|工作日, name), found " +
                           std::to_string(fields.size()));
    auto date = ParseDate(fields[0]);
    if (!date.ok()) return LineError(origin, line, date.status().message());
    if (date->year != year)
      return LineError(origin, line, FormatDate(*date) + " is not in " + std::to_string(year));
    bool working;
    if (fields[1] == kOff) {
      working = false;
    } else if (fields[1] == kWork) {
      working = true;
    } else {
      return LineError(origin, line,
                       "kind \"" + std::string(fields[1]) + "\" is neither 休息日 nor 工作日");
    }
    std::string weekday = kWeekdayNames[Weekday(*date)];
    // Only exceptions belong in the table: a listed weekend off or weekday at work would mean
    // the file was written by other rules than the ones this reader applies.
    if (!working && IsWeekend(*date))
      return LineError(
          origin, line,
          FormatDate(*date) + " is a " + weekday + ", off anyway: list only weekdays as 休息日");
    if (working && !IsWeekend(*date))
      return LineError(origin, line,
                       FormatDate(*date) + " is a " + weekday +
                           ", a working day anyway: list only weekends as 工作日");
    std::string_view name = fields[2];
    if (name.find_first_not_of(' ') == std::string_view::npos)
      return LineError(origin, line, "no name (the holiday the day belongs to)");
    int64_t day = DayNumber(*date);
    if (auto it = line_of.find(day); it != line_of.end())
      return LineError(origin, line,
                       FormatDate(*date) + " is listed twice (first on line " +
                           std::to_string(it->second) + ")");
    line_of[day] = line;
    days[day] = DayInfo{working, std::string(name)};
    return Status::Ok();
  }));
  // Every year has holidays on weekdays; an empty table is a truncated or wrong file, and would
  // silently make every weekday a working day.
  if (days.empty()) return InvalidArgument(origin + ": no days listed (not a year's table)");
  years_[year] = std::move(days);
  return Status::Ok();
}

Status WorkCalendar::SetWorkingHours(std::string_view text, const std::string& origin) {
  std::vector<WorkingPeriod> periods;
  ZX_RETURN_IF_ERROR(ForEachDataLine(text, [&](int line, std::string_view content) -> Status {
    auto fields = SplitTabs(content);
    if (fields.size() != 2)
      return LineError(origin, line, "expected 2 tab-separated fields (start HH:MM, end HH:MM)");
    auto start = ParseMinute(fields[0], false);
    if (!start.ok()) return LineError(origin, line, start.status().message());
    auto end = ParseMinute(fields[1], true);
    if (!end.ok()) return LineError(origin, line, end.status().message());
    if (*end <= *start) return LineError(origin, line, "the period ends before it starts");
    if (!periods.empty() && *start < periods.back().end_minute)
      return LineError(origin, line, "the period overlaps or precedes the one before");
    periods.push_back(WorkingPeriod{*start, *end});
    return Status::Ok();
  }));
  if (periods.empty()) return InvalidArgument(origin + ": no working period listed");
  working_hours_ = std::move(periods);
  return Status::Ok();
}

std::vector<int> WorkCalendar::Years() const {
  std::vector<int> years;
  for (const auto& [year, days] : years_) years.push_back(year);
  return years;
}

Result<DayInfo> WorkCalendar::Day(Date date) const {
  auto year = years_.find(date.year);
  if (year == years_.end()) {
    std::string have = years_.empty() ? std::string("none")
                                      : std::to_string(years_.begin()->first) + "–" +
                                            std::to_string(years_.rbegin()->first);
    return FailedPrecondition(
        "no working-day calendar for " + std::to_string(date.year) + " (tables: " + have +
        "): cannot tell whether " + FormatDate(date) + " is a working day; add " +
        (fs::path(dir_.empty() ? "calendar" : dir_) / (std::to_string(date.year) + ".tsv"))
            .string() +
        " (docs/tickets.md)");
  }
  auto listed = year->second.find(DayNumber(date));
  if (listed != year->second.end()) return listed->second;
  return DayInfo{!IsWeekend(date), ""};
}

Result<bool> WorkCalendar::IsWorkingDay(Date date) const {
  ZX_ASSIGN_OR_RETURN(DayInfo info, Day(date));
  return info.working;
}

Result<Date> WorkCalendar::NthWorkingDayAfter(Date date, int n) const {
  if (n < 1 || n > kMaxWorkingDays)
    return InvalidArgument("working days must be 1.." + std::to_string(kMaxWorkingDays) + ", not " +
                           std::to_string(n));
  Date d = date;
  for (int counted = 0; counted < n;) {
    d = AddDays(d, 1);
    ZX_ASSIGN_OR_RETURN(bool working, IsWorkingDay(d));
    if (working) ++counted;
  }
  return d;
}

Result<int64_t> WorkCalendar::Deadline(int64_t dispatch_ms, Tier tier) const {
  if (!CountsWorkingDays(tier)) return dispatch_ms + HoursOf(tier) * kHourMs;
  ZX_ASSIGN_OR_RETURN(Date last,
                      NthWorkingDayAfter(ToChinaLocal(dispatch_ms).date, WorkingDaysOf(tier)));
  return FromChinaLocal(last, kDayMs);
}

Result<int64_t> WorkCalendar::WarnAt(int64_t dispatch_ms, int64_t deadline_ms, Tier tier,
                                     double fraction) const {
  if (!(fraction > 0 && fraction <= 1))
    return InvalidArgument("the 预警 fraction must be in (0, 1], not " + std::to_string(fraction));
  if (deadline_ms <= dispatch_ms)
    return InvalidArgument("the deadline " + FormatDeadline(deadline_ms) +
                           " is not after the dispatch " + FormatDeadline(dispatch_ms));
  if (!CountsWorkingDays(tier))
    return dispatch_ms + std::llround(static_cast<double>(deadline_ms - dispatch_ms) * fraction);

  // The stretches of [dispatch, deadline) that lie on working days, one per day.
  Date first = ToChinaLocal(dispatch_ms).date;
  Date last = ToChinaLocal(deadline_ms - 1).date;
  if (DayNumber(last) - DayNumber(first) > kMaxSpanDays)
    return InvalidArgument("the deadline is more than " + std::to_string(kMaxSpanDays) +
                           " days after the dispatch");
  struct Stretch {
    int64_t start, end;
  };
  std::vector<Stretch> working;
  int64_t total = 0;
  for (Date d = first; d <= last; d = AddDays(d, 1)) {
    ZX_ASSIGN_OR_RETURN(bool is_working, IsWorkingDay(d));
    if (!is_working) continue;
    Stretch s{std::max(dispatch_ms, FromChinaLocal(d)),
              std::min(deadline_ms, FromChinaLocal(d, kDayMs))};
    working.push_back(s);
    total += s.end - s.start;
  }
  // Only non-working days between them (an unusual deadline, never one Deadline makes): the clock.
  if (total == 0)
    return dispatch_ms + std::llround(static_cast<double>(deadline_ms - dispatch_ms) * fraction);
  int64_t target = std::llround(static_cast<double>(total) * fraction);
  for (const Stretch& s : working) {
    if (target <= s.end - s.start) return s.start + target;
    target -= s.end - s.start;
  }
  return working.back().end;
}

Result<int64_t> WorkCalendar::Extend(int64_t deadline_ms, Tier tier, int amount) const {
  if (CountsWorkingDays(tier)) return ExtendWorkingDays(deadline_ms, amount);
  if (amount < 1 || amount > kMaxWorkingDays * 24)
    return InvalidArgument("an extension must be 1.." + std::to_string(kMaxWorkingDays * 24) +
                           " hours, not " + std::to_string(amount));
  return deadline_ms + amount * kHourMs;
}

Result<int64_t> WorkCalendar::ExtendWorkingDays(int64_t deadline_ms, int days) const {
  LocalDateTime t = ToChinaLocal(deadline_ms);
  if (t.ms_of_day == 0) {  // the end of the day before
    t.date = AddDays(t.date, -1);
    t.ms_of_day = kDayMs;
  }
  ZX_ASSIGN_OR_RETURN(Date moved, NthWorkingDayAfter(t.date, days));
  return FromChinaLocal(moved, t.ms_of_day);
}

Result<int64_t> WorkCalendar::AddWorkingMinutes(int64_t from_ms, int64_t minutes) const {
  if (working_hours_.empty())
    return FailedPrecondition("no working hours set (calendar/working_hours.tsv)");
  if (minutes < 0) return InvalidArgument("negative working minutes");
  if (minutes == 0) return from_ms;
  int64_t left = minutes * kMinuteMs;
  Date d = ToChinaLocal(from_ms).date;
  for (int64_t span = 0; span <= kMaxSpanDays; ++span, d = AddDays(d, 1)) {
    ZX_ASSIGN_OR_RETURN(bool working, IsWorkingDay(d));
    if (!working) continue;
    for (const WorkingPeriod& p : working_hours_) {
      int64_t start = std::max(from_ms, FromChinaLocal(d, p.start_minute * kMinuteMs));
      int64_t end = FromChinaLocal(d, p.end_minute * kMinuteMs);
      if (start >= end) continue;
      if (left <= end - start) return start + left;
      left -= end - start;
    }
  }
  return InvalidArgument(std::to_string(minutes) + " working minutes is more than " +
                         std::to_string(kMaxSpanDays) + " days");
}

Result<int64_t> WorkCalendar::AckDeadline(int64_t dispatch_ms, Tier tier,
                                          const AckLimits& limits) const {
  if (tier == Tier::k2h) return dispatch_ms + limits.urgent_minutes * kMinuteMs;
  return AddWorkingMinutes(dispatch_ms, limits.working_minutes);
}

Result<std::vector<WorkingPeriod>> ParsePeriods(std::string_view text) {
  std::vector<WorkingPeriod> periods;
  size_t at = 0;
  while (at < text.size()) {
    size_t comma = text.find(',', at);
    std::string_view period =
        text.substr(at, comma == std::string_view::npos ? text.npos : comma - at);
    at = comma == std::string_view::npos ? text.size() : comma + 1;
    while (!period.empty() && period.front() == ' ') period.remove_prefix(1);
    while (!period.empty() && period.back() == ' ') period.remove_suffix(1);
    auto bad = [&](const std::string& why) {
      return InvalidArgument("period \"" + std::string(period) + "\": " + why +
                             " (write HH:MM-HH:MM, several separated by commas)");
    };
    size_t dash = period.find('-');
    if (dash == std::string_view::npos) return bad("no '-'");
    auto start = ParseMinute(period.substr(0, dash), false);
    if (!start.ok()) return bad(start.status().message());
    auto end = ParseMinute(period.substr(dash + 1), true);
    if (!end.ok()) return bad(end.status().message());
    if (*end <= *start) return bad("it ends before it starts");
    if (!periods.empty() && *start < periods.back().end_minute)
      return bad("it overlaps or precedes the one before");
    periods.push_back(WorkingPeriod{*start, *end});
  }
  return periods;
}

HealthCheck CheckCalendar(const std::string& kb_dir, int64_t now_ms) {
  const std::string dir = (fs::path(kb_dir) / "calendar").string();
  auto calendar = WorkCalendar::Load(dir);
  if (!calendar.ok())
    return HealthCheck::Fail(calendar.status().message(),
                             "restore " + dir + " (scripts/calendar makes the year files)");
  const Date today = ToChinaLocal(now_ms).date;
  std::vector<int> years = calendar->Years();
  auto has = [&](int y) { return std::find(years.begin(), years.end(), y) != years.end(); };
  const std::string have = std::to_string(years.front()) + "–" + std::to_string(years.back());
  if (!has(today.year))
    return HealthCheck::Fail(
        "no working-day table for " + std::to_string(today.year) + " (tables: " + have +
            "): work orders get no deadline",
        "add " + dir + "/" + std::to_string(today.year) + ".tsv (docs/tickets.md)");
  if (today.month == 12 && !has(today.year + 1))
    return HealthCheck::Warn(
        dir + ": tables " + have + "; " + std::to_string(today.year + 1) + " is missing",
        "add " + std::to_string(today.year + 1) +
            ".tsv once the State Council publishes its holidays (docs/tickets.md \"Adding a new "
            "year\"); until then orders of the new year get no deadline");
  return HealthCheck::Ok(dir + ": tables " + have);
}

Result<std::string> AnswerDeadline(const WorkCalendar& calendar, std::string_view from,
                                   std::string_view tier) {
  if (from.empty() || tier.empty())
    return InvalidArgument("deadline needs --from \"YYYY-MM-DD HH:MM\" and --tier 2h|24h|7d|15d");
  auto dispatch = ParseChinaLocalMinute(from);
  if (!dispatch.ok()) return InvalidArgument("--from: " + dispatch.status().message());
  auto parsed = ParseTier(tier);
  if (!parsed)
    return InvalidArgument("--tier: \"" + std::string(tier) + "\" is not one of 2h, 24h, 7d, 15d");
  ZX_ASSIGN_OR_RETURN(int64_t due, calendar.Deadline(*dispatch, *parsed));
  return FormatDeadline(due);
}

Result<std::string> AnswerDay(const WorkCalendar& calendar, std::string_view date) {
  if (date.empty()) return InvalidArgument("day needs a date YYYY-MM-DD");
  ZX_ASSIGN_OR_RETURN(Date day, ParseDate(date));
  ZX_ASSIGN_OR_RETURN(bool working, calendar.IsWorkingDay(day));
  return std::string(working ? "工作日" : "休息日");
}

}  // namespace zx::tickets
