// The working-day calendar and the time limits of work orders (DOMAIN.md "Deadline arithmetic",
// "预警 and 超时", "The three rates"; docs/tickets.md "Calendar and deadlines").
//
// Time: China has one time zone, UTC+8 all year, with no daylight saving (none since 1991), so
// local dates and times are a fixed offset from unix time; every instant here is unix
// milliseconds, every date a China local date.
//
// Working days: Monday to Friday, except the days each year's official table (kb/calendar/
// YYYY.tsv, generated from a maintained source by scripts/calendar/) lists: weekdays off
// (休息日: holidays and their 调休 rest days) and weekends that are working days (工作日: 调休).
// A date in a year without a table is an error that names the year, never a guess.
//
// Thread-safety: a WorkCalendar is built once (Load) and then only read; its const methods may
// be called from any thread at once.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/health_check.h"
#include "base/status.h"
#include "tickets/sla.h"

namespace zx::tickets {

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kHourMs = 60 * kMinuteMs;
inline constexpr int64_t kDayMs = 24 * kHourMs;
// China Standard Time is UTC+8, all year.
inline constexpr int64_t kChinaUtcOffsetMs = 8 * kHourMs;

// A China local calendar date.
struct Date {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  auto operator<=>(const Date&) const = default;
};

// Days since 1970-01-01 (negative before), and back; Date{} is day 0.
int64_t DayNumber(Date date);
Date DateOfDayNumber(int64_t days);
// 0 Sunday, 1 Monday … 6 Saturday.
int Weekday(Date date);
// `days` calendar days after `date` (before, when negative).
Date AddDays(Date date, int64_t days);

// China local date and time of an instant; ms_of_day is 0..kDayMs-1.
struct LocalDateTime {
  Date date;
  int64_t ms_of_day = 0;
};
LocalDateTime ToChinaLocal(int64_t unix_ms);
// The instant of `date` at `ms_of_day` China local time (kDayMs: the end of the day, 24:00,
// which is 00:00 of the next day).
int64_t FromChinaLocal(Date date, int64_t ms_of_day = 0);

// "YYYY-MM-DD", a real date (2025-02-29 is refused); kInvalidArgument saying what is wrong.
Result<Date> ParseDate(std::string_view text);
// "YYYY-MM-DD HH:MM" China local time (HH:MM from 00:00 to 23:59, or 24:00 for the end of the
// day) as unix ms; kInvalidArgument saying what is wrong.
Result<int64_t> ParseChinaLocalMinute(std::string_view text);
// "YYYY-MM-DD".
std::string FormatDate(Date date);
// "YYYY-MM-DD HH:MM" China local time, seconds dropped; an instant at local midnight is written
// as the end of the day before ("2025-10-16 24:00"), which is how a deadline reads.
std::string FormatDeadline(int64_t unix_ms);

// One day of the calendar.
struct DayInfo {
  bool working = false;
  // The holiday a listed day belongs to ("国庆节", "春节调休"); empty for an ordinary day.
  std::string name;
};

// One period of the working hours of a working day, in minutes since 00:00 (end exclusive).
struct WorkingPeriod {
  int start_minute = 0;
  int end_minute = 0;
};

// Periods of a day written "HH:MM-HH:MM,HH:MM-HH:MM" (China time; 24:00 ends a day), in order and
// not overlapping, e.g. a calling window "09:00-12:00,14:00-20:00". "" is no period at all.
// kInvalidArgument saying which period is wrong.
Result<std::vector<WorkingPeriod>> ParsePeriods(std::string_view text);

// The 签收 (acknowledgement) limit of DOMAIN.md "The three rates": 2h orders on the clock,
// other tiers in working hours. The defaults are DOMAIN.md's; a deployment configures its own.
struct AckLimits {
  int64_t urgent_minutes = 60;    // 2h orders: on the clock
  int64_t working_minutes = 240;  // 24h, 7d, 15d: working hours of working days
};

class WorkCalendar {
 public:
  // An empty calendar: every date is "no table" until AddYear; no working hours until
  // SetWorkingHours. Load is the usual way to build one.
  WorkCalendar() = default;

  // Reads every DIR/YYYY.tsv (other files are ignored) and DIR/working_hours.tsv.
  // Year file: "#" comment lines, blank lines, and lines "YYYY-MM-DD<TAB>休息日|工作日<TAB>name"
  // (a weekday off, or a weekend that is a working day; a date of the file's year, once).
  // Working hours: lines "HH:MM<TAB>HH:MM", in order, not overlapping (e.g. 09:00 12:00 and
  // 13:30 17:30). Errors: kNotFound when DIR, its year files or working_hours.tsv are missing;
  // kInvalidArgument "FILE:LINE: reason" for a malformed line (nothing is kept half-loaded).
  static Result<WorkCalendar> Load(const std::string& dir);

  // Adds the table of `year` from the text of a year file; `origin` names it in errors
  // ("FILE:LINE: reason", kInvalidArgument). A year already present is an error.
  Status AddYear(int year, std::string_view text, const std::string& origin);
  // Sets the working hours from the text of a working_hours.tsv (same error form).
  Status SetWorkingHours(std::string_view text, const std::string& origin);

  // The years that have a table, ascending.
  std::vector<int> Years() const;
  const std::vector<WorkingPeriod>& working_hours() const { return working_hours_; }

  // Whether `date` is a working day, and the holiday it belongs to. kFailedPrecondition "no
  // working-day calendar for YEAR ..." when its year has no table.
  Result<DayInfo> Day(Date date) const;
  Result<bool> IsWorkingDay(Date date) const;
  // The `n`-th working day after `date` (n >= 1; `date` itself never counts).
  Result<Date> NthWorkingDayAfter(Date date, int n) const;

  // The deadline of a task dispatched at `dispatch_ms` (DOMAIN.md "Deadline arithmetic"): 2h and
  // 24h on the clock, nights, weekends and holidays included; 7d and 15d: day 1 is the first
  // working day after the day of dispatch, the deadline is the end (24:00) of day 7 or 15.
  Result<int64_t> Deadline(int64_t dispatch_ms, Tier tier) const;

  // The 预警 instant: `fraction` (0 < fraction <= 1; DOMAIN.md's default 0.8, configurable per
  // tier by the caller) of the time from dispatch to `deadline_ms`. For hour tiers that is clock
  // time; for working-day tiers only the time on working days counts (the rest of the day of
  // dispatch when that is a working day, then whole working days), and the instant is the
  // earliest one at which that much working time has passed. kInvalidArgument when the deadline
  // is not after the dispatch or the fraction is out of range.
  Result<int64_t> WarnAt(int64_t dispatch_ms, int64_t deadline_ms, Tier tier,
                         double fraction) const;

  // An approved 延期 (extension): for hour tiers `amount` hours on the clock; for working-day
  // tiers `amount` working days (ExtendWorkingDays). amount >= 1, else kInvalidArgument.
  Result<int64_t> Extend(int64_t deadline_ms, Tier tier, int amount) const;
  // A deadline at the end of day D moves to the end of the `days`-th working day after D; one at
  // another time of day keeps that time on that day.
  Result<int64_t> ExtendWorkingDays(int64_t deadline_ms, int days) const;

  // The instant at which `minutes` of working hours (working_hours() on working days) have passed
  // since `from_ms`; time outside them does not count, so 4 working hours from Friday 16:00 with
  // 09:00–12:00 and 13:30–17:30 end on Monday 11:30. kFailedPrecondition when no working hours
  // are set; kInvalidArgument for negative minutes.
  Result<int64_t> AddWorkingMinutes(int64_t from_ms, int64_t minutes) const;
  // The 签收 limit of a task dispatched at `dispatch_ms`.
  Result<int64_t> AckDeadline(int64_t dispatch_ms, Tier tier,
                              const AckLimits& limits = AckLimits()) const;

 private:
  std::map<int, std::map<int64_t, DayInfo>> years_;  // year → day number → listed day
  std::vector<WorkingPeriod> working_hours_;
  std::string dir_;  // where Load read the tables, for messages; empty otherwise
};

// `zhixian doctor`'s look at KB_DIR/calendar on the China-time day of `now_ms`: fails when the
// tables do not load or the current year has none (no deadline could be computed); warns from
// December 1 when next year's is missing (State Council publishes it in late autumn; docs/
// tickets.md "Adding a new year").
HealthCheck CheckCalendar(const std::string& kb_dir, int64_t now_ms);

// `zhixian calendar` (DESIGN.md): the deadline of a task dispatched at `from` ("YYYY-MM-DD
// HH:MM", China time) on `tier` ("2h", "24h", "7d", "15d") as FormatDeadline writes it, and
// whether a date "YYYY-MM-DD" is 工作日 or 休息日. kInvalidArgument names the argument at fault.
Result<std::string> AnswerDeadline(const WorkCalendar& calendar, std::string_view from,
                                   std::string_view tier);
Result<std::string> AnswerDay(const WorkCalendar& calendar, std::string_view date);

}  // namespace zx::tickets
