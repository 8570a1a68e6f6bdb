// The working-day calendar and the deadline arithmetic of DOMAIN.md, over the committed tables
// (kb/calendar), with every example of DOMAIN.md and issue 12; and the tables' error paths.
#include "tickets/calendar.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/testing/temp_dir.h"

namespace zx::tickets {
namespace {

Date D(std::string_view text) { return ParseDate(text).value(); }
int64_t T(std::string_view text) { return ParseChinaLocalMinute(text).value(); }

const WorkCalendar& Kb() {
  static const WorkCalendar* calendar = [] {
    auto c = WorkCalendar::Load(std::string(ZX_SOURCE_DIR) + "/kb/calendar");
    EXPECT_TRUE(c.ok()) << c.status().message();
    return new WorkCalendar(std::move(c).value());
  }();
  return *calendar;
}

bool Working(std::string_view date) {
  auto r = Kb().IsWorkingDay(D(date));
  EXPECT_TRUE(r.ok()) << date << ": " << r.status().message();
  return r.ok() && *r;
}

std::string DeadlineOf(std::string_view from, Tier tier) {
  auto r = Kb().Deadline(T(from), tier);
  if (!r.ok()) return "error: " + r.status().message();
  return FormatDeadline(*r);
}

std::string WarnOf(std::string_view from, Tier tier, double fraction = 0.8) {
  auto deadline = Kb().Deadline(T(from), tier);
  if (!deadline.ok()) return "error: " + deadline.status().message();
  auto r = Kb().WarnAt(T(from), *deadline, tier, fraction);
  if (!r.ok()) return "error: " + r.status().message();
  return FormatDeadline(*r);
}

TEST(LocalTime, ChinaIsUtcPlusEightAllYear) {
  // 2025-09-30 10:00 in China is 02:00 UTC; in July and January alike (no DST).
  EXPECT_EQ(T("2025-09-30 10:00"), 1759197600000);
  EXPECT_EQ(T("2025-01-15 08:00") % kDayMs, 0);
  EXPECT_EQ(T("2025-07-15 08:00") % kDayMs, 0);
  LocalDateTime t = ToChinaLocal(1759197600000);
  EXPECT_EQ(t.date, D("2025-09-30"));
  EXPECT_EQ(t.ms_of_day, 10 * kHourMs);
  // Just before local midnight, which is 16:00 UTC the day before.
  EXPECT_EQ(ToChinaLocal(T("2026-01-01 00:00") - 1).date, D("2025-12-31"));
  EXPECT_EQ(ToChinaLocal(T("1969-12-31 23:59")).date, D("1969-12-31"));
}

TEST(LocalTime, ParsesAndFormats) {
  EXPECT_EQ(FormatDeadline(T("2025-10-16 24:00")), "2025-10-16 24:00");
  EXPECT_EQ(T("2025-10-16 24:00"), T("2025-10-17 00:00"));
  EXPECT_EQ(FormatDeadline(T("2025-10-17 00:01")), "2025-10-17 00:01");
  EXPECT_EQ(FormatDeadline(T("2024-02-29 13:05") + 59'999), "2024-02-29 13:05");
  EXPECT_EQ(Weekday(D("2025-09-28")), 0);
  EXPECT_EQ(Weekday(D("2025-10-11")), 6);
  EXPECT_EQ(DayNumber(Date{}), 0);
  EXPECT_EQ(DateOfDayNumber(DayNumber(D("2026-02-28")) + 1), D("2026-03-01"));
  for (const char* bad : {"2025-02-29", "2025-13-01", "2025-1-01", "20250101", "", "2025-01-01x"})
    EXPECT_FALSE(ParseDate(bad).ok()) << bad;
  for (const char* bad : {"2025-10-01 24:01", "2025-10-01 25:00", "2025-10-01 9:00",
                          "2025-10-01T09:00", "2025-10-01 09:60", "2025-10-01"})
    EXPECT_FALSE(ParseChinaLocalMinute(bad).ok()) << bad;
}

TEST(Calendar, CoversTheYearsOfTheIssue) {
  std::vector<int> years = Kb().Years();
  for (int y = 2019; y <= 2026; ++y)
    EXPECT_NE(std::find(years.begin(), years.end(), y), years.end()) << y;
}

TEST(Calendar, NationalDay2025WithItsSwappedWeekends) {
  EXPECT_TRUE(Working("2025-09-28"));  // Sunday, 调休
  EXPECT_TRUE(Working("2025-10-11"));  // Saturday, 调休
  for (const char* d : {"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05",
                        "2025-10-06", "2025-10-07", "2025-10-08"})
    EXPECT_FALSE(Working(d)) << d;
  EXPECT_TRUE(Working("2025-09-30"));
  EXPECT_TRUE(Working("2025-10-09"));
  EXPECT_FALSE(Working("2025-10-12"));  // an ordinary Sunday
  EXPECT_EQ(Kb().Day(D("2025-10-11"))->name, "国庆节调休");
  EXPECT_EQ(Kb().Day(D("2025-10-06"))->name, "中秋");
}

TEST(Calendar, LabourDay2019WorkingSundays) {
  EXPECT_TRUE(Working("2019-04-28"));  // Sunday
  EXPECT_TRUE(Working("2019-05-05"));  // Sunday
  for (const char* d : {"2019-05-01", "2019-05-02", "2019-05-03", "2019-05-04"})
    EXPECT_FALSE(Working(d)) << d;
  EXPECT_TRUE(Working("2019-04-30"));
  EXPECT_TRUE(Working("2019-05-06"));
}

TEST(Calendar, SpringFestival2026) {
  EXPECT_TRUE(Working("2026-02-14"));  // Saturday
  EXPECT_TRUE(Working("2026-02-28"));  // Saturday
  for (const char* d : {"2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
                        "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23"})
    EXPECT_FALSE(Working(d)) << d;
  EXPECT_TRUE(Working("2026-02-13"));
  EXPECT_TRUE(Working("2026-02-24"));
}

TEST(Deadline, DomainExampleSevenDaysOverNationalDay) {
  // Day 1 is 10-09; 10-11 (Saturday) works, 10-12 (Sunday) does not: day 7 is 10-16.
  EXPECT_EQ(DeadlineOf("2025-09-30 10:00", Tier::k7d), "2025-10-16 24:00");
  // The hour of dispatch does not matter, nor does dispatch on a day off.
  EXPECT_EQ(DeadlineOf("2025-09-30 00:00", Tier::k7d), "2025-10-16 24:00");
  EXPECT_EQ(DeadlineOf("2025-10-03 15:00", Tier::k7d), "2025-10-16 24:00");
  // Dispatched on the working Sunday 09-28: day 1 is 09-29, then 09-30, then 10-09….
  EXPECT_EQ(DeadlineOf("2025-09-28 09:00", Tier::k7d), "2025-10-14 24:00");
  // 15 working days: 10-09 … 10-16 are 7, 10-17, 10-20 … 10-24 are 6 more, 10-27, 10-28.
  EXPECT_EQ(DeadlineOf("2025-09-30 10:00", Tier::k15d), "2025-10-28 24:00");
}

TEST(Deadline, LabourDay2019) {
  // Dispatched Friday 04-26: 04-28 (Sun) 1, 04-29 2, 04-30 3, 05-05 (Sun) 4, 05-06 5, 05-07 6,
  // 05-08 7.
  EXPECT_EQ(DeadlineOf("2019-04-26 16:30", Tier::k7d), "2019-05-08 24:00");
  // Dispatched on the working Sunday 04-28 itself: it is the day of dispatch, it does not count.
  EXPECT_EQ(DeadlineOf("2019-04-28 10:00", Tier::k7d), "2019-05-09 24:00");
}

TEST(Deadline, SpringFestival2026) {
  // Dispatched Friday 02-13: 02-14 (Sat) 1, 02-24 2, 02-25 3, 02-26 4, 02-27 5, 02-28 (Sat) 6,
  // 03-02 7.
  EXPECT_EQ(DeadlineOf("2026-02-13 11:00", Tier::k7d), "2026-03-02 24:00");
  // Dispatched Saturday 02-14 (a working day): day 1 is 02-24.
  EXPECT_EQ(DeadlineOf("2026-02-14 09:00", Tier::k7d), "2026-03-03 24:00");
}

TEST(Deadline, HourTiersRunOnTheClock) {
  EXPECT_EQ(DeadlineOf("2025-09-30 23:00", Tier::k2h), "2025-10-01 01:00");  // into the holiday
  EXPECT_EQ(DeadlineOf("2025-09-30 22:00", Tier::k2h), "2025-09-30 24:00");
  EXPECT_EQ(DeadlineOf("2025-09-30 10:00", Tier::k24h), "2025-10-01 10:00");
  EXPECT_EQ(DeadlineOf("2026-02-14 18:30", Tier::k24h), "2026-02-15 18:30");
  EXPECT_EQ(DeadlineOf("2025-12-31 23:30", Tier::k2h), "2026-01-01 01:30");
  // No table is needed for hour tiers.
  EXPECT_EQ(DeadlineOf("2035-06-01 10:00", Tier::k24h), "2035-06-02 10:00");
}

TEST(Deadline, AYearWithoutATableIsRefused) {
  auto day = Kb().IsWorkingDay(D("2035-06-01"));
  ASSERT_FALSE(day.ok());
  EXPECT_EQ(day.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(day.status().message().find("no working-day calendar for 2035"), std::string::npos)
      << day.status().message();
  // A deadline that runs into a year without a table is refused too, never guessed.
  std::vector<int> years = Kb().Years();
  int next = years.back() + 1;
  std::string from = std::to_string(years.back()) + "-12-28 10:00";
  std::string r = DeadlineOf(from, Tier::k7d);
  EXPECT_NE(r.find("no working-day calendar for " + std::to_string(next)), std::string::npos) << r;
  EXPECT_FALSE(Kb().IsWorkingDay(D("2018-12-31")).ok());
}

TEST(WarnAt, HourTiersAtEightyPercentOfTheClock) {
  EXPECT_EQ(WarnOf("2025-09-30 10:00", Tier::k2h), "2025-09-30 11:36");
  EXPECT_EQ(WarnOf("2025-09-30 23:00", Tier::k2h), "2025-10-01 00:36");
  EXPECT_EQ(WarnOf("2025-09-30 10:00", Tier::k24h), "2025-10-01 05:12");
  EXPECT_EQ(WarnOf("2025-09-30 10:00", Tier::k24h, 0.5), "2025-09-30 22:00");
}

TEST(WarnAt, WorkingDayTiersCountOnlyWorkingTime) {
  // From 09-30 10:00 to 10-16 24:00: 14 h of 09-30, then 10-09, 10-10, 10-11, 10-13 … 10-16
  // (7 days, 168 h): 182 h. 80% is 145.6 h: 14 + 24 × 5 (to the end of 10-14) = 134, and
  // 11.6 h into 10-15 is 11:36.
  EXPECT_EQ(WarnOf("2025-09-30 10:00", Tier::k7d), "2025-10-15 11:36");
  // (On the clock, 80% would be 10-13 16:24: the holiday would have eaten most of the time.)
  // Half: 91 h = 14 + 24 × 3 (to the end of 10-11) + 5 h of 10-13 (10-12 is a Sunday).
  EXPECT_EQ(WarnOf("2025-09-30 10:00", Tier::k7d, 0.5), "2025-10-13 05:00");
  // Dispatched on a holiday: the working time starts on 10-09; 80% of 7 days is 5.6 days:
  // 10-09, 10-10, 10-11, 10-13, 10-14 and 0.6 of 10-15.
  EXPECT_EQ(WarnOf("2025-10-03 15:00", Tier::k7d), "2025-10-15 14:24");
  // 100% is the deadline.
  EXPECT_EQ(WarnOf("2025-09-30 10:00", Tier::k7d, 1.0), "2025-10-16 24:00");
  // Across 春节 2026: dispatched 02-13 12:00 (12 h of 02-13), then 02-14, 02-24 … 02-28, 03-02:
  // 12 + 7 × 24 = 180 h; 80% = 144 h = 12 + 24 × 5.5 → the middle of the 6th working day after
  // (02-28).
  EXPECT_EQ(WarnOf("2026-02-13 12:00", Tier::k7d), "2026-02-28 12:00");
}

TEST(WarnAt, RejectsBadArguments) {
  int64_t from = T("2025-09-30 10:00");
  EXPECT_FALSE(Kb().WarnAt(from, from, Tier::k2h, 0.8).ok());
  EXPECT_FALSE(Kb().WarnAt(from, from + kHourMs, Tier::k2h, 0).ok());
  EXPECT_FALSE(Kb().WarnAt(from, from + kHourMs, Tier::k2h, 1.5).ok());
}

TEST(Extend, MovesTheDeadlineByWorkingDaysOrHours) {
  // 2025-10-16 24:00 + 3 working days: 10-17, 10-20, 10-21.
  auto r = Kb().Extend(T("2025-10-16 24:00"), Tier::k7d, 3);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(FormatDeadline(*r), "2025-10-21 24:00");
  // Over 国庆: from 09-30 24:00, one working day is 10-09.
  EXPECT_EQ(FormatDeadline(Kb().ExtendWorkingDays(T("2025-09-30 24:00"), 1).value()),
            "2025-10-09 24:00");
  // A deadline at another time keeps its time.
  EXPECT_EQ(FormatDeadline(Kb().ExtendWorkingDays(T("2026-02-13 15:00"), 2).value()),
            "2026-02-24 15:00");
  EXPECT_EQ(FormatDeadline(Kb().Extend(T("2025-09-30 12:00"), Tier::k2h, 4).value()),
            "2025-09-30 16:00");
  EXPECT_FALSE(Kb().Extend(T("2025-09-30 12:00"), Tier::k24h, 0).ok());
  EXPECT_FALSE(Kb().ExtendWorkingDays(T("2025-09-30 12:00"), -1).ok());
}

TEST(WorkingHours, TheCommittedHours) {
  const auto& hours = Kb().working_hours();
  ASSERT_EQ(hours.size(), 2u);
  EXPECT_EQ(hours[0].start_minute, 9 * 60);
  EXPECT_EQ(hours[1].end_minute, 17 * 60 + 30);
}

TEST(WorkingHours, AckLimitFourWorkingHoursOrOneHourOnTheClock) {
  auto ack = [](std::string_view from, Tier tier) {
    auto r = Kb().AckDeadline(T(from), tier);
    return r.ok() ? FormatDeadline(*r) : "error: " + r.status().message();
  };
  // Within a morning and over lunch (09:00–12:00, 13:30–17:30).
  EXPECT_EQ(ack("2025-09-30 08:00", Tier::k24h), "2025-09-30 14:30");
  EXPECT_EQ(ack("2025-09-30 10:00", Tier::k24h), "2025-09-30 15:30");
  // Tuesday 16:00 before 国庆: 1.5 h that day, 2.5 h on 10-09.
  EXPECT_EQ(ack("2025-09-30 16:00", Tier::k7d), "2025-10-09 11:30");
  // Friday 16:00: the Saturday 10-11 is a working day.
  EXPECT_EQ(ack("2025-10-10 16:00", Tier::k7d), "2025-10-11 11:30");
  // During lunch and after hours.
  EXPECT_EQ(ack("2025-09-29 12:30", Tier::k24h), "2025-09-29 17:30");
  EXPECT_EQ(ack("2025-09-29 20:00", Tier::k15d), "2025-09-30 14:30");
  // 2h orders: one hour on the clock, holiday or not.
  EXPECT_EQ(ack("2025-10-01 23:30", Tier::k2h), "2025-10-02 00:30");
  AckLimits limits;
  limits.working_minutes = 60;
  EXPECT_EQ(FormatDeadline(Kb().AckDeadline(T("2025-09-30 17:00"), Tier::k24h, limits).value()),
            "2025-10-09 09:30");
}

// A calendar directory written by the test.
class CalendarFiles : public ::testing::Test {
 protected:
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.File(name)) << text;
  }
  void WriteGood() {
    Write("2025.tsv", "# header\n2025-10-01\t休息日\t国庆节\n\n2025-10-11\t工作日\t国庆节调休\r\n");
    Write("working_hours.tsv", "# start\tend\n09:00\t17:00\n");
  }
  // The message of the error Load reports.
  std::string LoadError() {
    auto r = WorkCalendar::Load(dir_.path());
    return r.ok() ? std::string("loaded") : r.status().message();
  }
  testing::TempDir dir_;
};

TEST_F(CalendarFiles, AGoodDirectory) {
  WriteGood();
  Write("README.md", "not a table\n");
  auto c = WorkCalendar::Load(dir_.path());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->Years(), std::vector<int>{2025});
  EXPECT_FALSE(*c->IsWorkingDay(D("2025-10-01")));
  EXPECT_TRUE(*c->IsWorkingDay(D("2025-10-11")));
  EXPECT_TRUE(*c->IsWorkingDay(D("2025-10-02")));  // not in this small table: a Thursday
  // 09:00–17:00: Friday 16:00 + 4 working hours → Saturday 10-11 (working) 12:00.
  EXPECT_EQ(FormatDeadline(c->AddWorkingMinutes(T("2025-10-10 16:00"), 240).value()),
            "2025-10-11 12:00");
}

TEST_F(CalendarFiles, MalformedLinesNameFileLineAndReason) {
  struct Case {
    std::string text, expect;
  };
  for (const Case& c : std::vector<Case>{
           {"2025-10-01\t休息日\n", ".tsv:1: expected 3 tab-separated fields"},
           {"# c\n2025-10-32\t休息日\t国庆节\n", ".tsv:2: \"2025-10-32\" is not a real date"},
           {"2025/10/01\t休息日\t国庆节\n", ".tsv:1: \"2025/10/01\" is not a date"},
           {"2024-10-01\t休息日\t国庆节\n", ".tsv:1: 2024-10-01 is not in 2025"},
           {"2025-10-01\t假日\t国庆节\n", ".tsv:1: kind \"假日\" is neither"},
           {"2025-10-04\t休息日\t国庆节\n", ".tsv:1: 2025-10-04 is a 星期六, off anyway"},
           {"2025-10-10\t工作日\t国庆节调休\n", ".tsv:1: 2025-10-10 is a 星期五, a working day"},
           {"2025-10-01\t休息日\t \n", ".tsv:1: no name"},
           {"2025-10-01\t休息日\t国庆节\n2025-10-01\t休息日\t国庆节\n",
            ".tsv:2: 2025-10-01 is listed twice (first on line 1)"},
           {"# only comments\n", "2025.tsv: no days listed"},
       }) {
    WriteGood();
    Write("2025.tsv", c.text);
    std::string message = LoadError();
    EXPECT_NE(message.find(dir_.File("2025.tsv")), std::string::npos) << message;
    EXPECT_NE(message.find(c.expect), std::string::npos) << c.expect << " | " << message;
  }
}

TEST_F(CalendarFiles, MalformedWorkingHours) {
  for (const auto& [text, expect] : std::vector<std::pair<std::string, std::string>>{
           {"09:00\n", "working_hours.tsv:1: expected 2 tab-separated fields"},
           {"09:00\t08:00\n", "working_hours.tsv:1: the period ends before it starts"},
           {"09:00\t12:00\n11:00\t17:00\n", "working_hours.tsv:2: the period overlaps"},
           {"9am\t12:00\n", "working_hours.tsv:1: \"9am\" is not a time"},
           {"# none\n", "working_hours.tsv: no working period"},
       }) {
    WriteGood();
    Write("working_hours.tsv", text);
    std::string message = LoadError();
    EXPECT_NE(message.find(expect), std::string::npos) << expect << " | " << message;
  }
}

TEST_F(CalendarFiles, MissingPieces) {
  EXPECT_NE(LoadError().find("no year table"), std::string::npos);
  Write("2025.tsv", "2025-10-01\t休息日\t国庆节\n");
  EXPECT_NE(LoadError().find("working_hours.tsv: no such file"), std::string::npos) << LoadError();
  auto missing = WorkCalendar::Load(dir_.File("nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

// zhixian doctor: the current year must have a table; from December, next year's is asked for.
TEST(CheckCalendar, CurrentYearNeededNextYearAskedForInDecember) {
  const std::string kb = std::string(ZX_SOURCE_DIR) + "/kb";
  auto at = [](const char* local) { return ParseChinaLocalMinute(local).value(); };
  using V = HealthCheck::Verdict;
  HealthCheck june = CheckCalendar(kb, at("2026-06-01 10:00"));
  EXPECT_EQ(june.verdict, V::kOk) << june.what;
  EXPECT_NE(june.what.find("2019–2026"), std::string::npos) << june.what;
  HealthCheck december = CheckCalendar(kb, at("2026-12-05 10:00"));
  EXPECT_EQ(december.verdict, V::kWarn) << december.what;
  EXPECT_NE(december.what.find("2027 is missing"), std::string::npos) << december.what;
  HealthCheck later = CheckCalendar(kb, at("2031-03-01 10:00"));
  EXPECT_EQ(later.verdict, V::kFail);
  EXPECT_NE(later.fix.find("2031.tsv"), std::string::npos) << later.fix;
  EXPECT_EQ(CheckCalendar("/nonexistent", at("2026-06-01 10:00")).verdict, V::kFail);
}

}  // namespace
}  // namespace zx::tickets
