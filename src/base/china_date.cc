#include "base/china_date.h"

#include <chrono>
#include <cstdio>

namespace zx {
namespace {

using namespace std::chrono;

constexpr hours kChinaOffset{8};

std::string Format(const year_month_day& ymd) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// The date of "YYYY-MM-DD", digits where digits belong; not ok() for 2026-02-30.
year_month_day Parse(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return year_month_day{};
  int parts[3] = {0, 0, 0};
  const size_t spans[3][2] = {{0, 4}, {5, 2}, {8, 2}};
  for (int k = 0; k < 3; ++k)
    for (size_t i = spans[k][0]; i < spans[k][0] + spans[k][1]; ++i) {
      if (s[i] < '0' || s[i] > '9') return year_month_day{};
      parts[k] = parts[k] * 10 + (s[i] - '0');
    }
  return year{parts[0]} / month{static_cast<unsigned>(parts[1])} /
         day{static_cast<unsigned>(parts[2])};
}

Status NotADate(std::string_view date) {
  return InvalidArgument("a date must be YYYY-MM-DD, got \"" + std::string(date.substr(0, 20)) +
                         "\"");
}

}  // namespace

std::string ChinaDate(int64_t unix_ms) {
  return Format(
      year_month_day{floor<days>(sys_time<milliseconds>(milliseconds(unix_ms)) + kChinaOffset)});
}

bool IsDate(std::string_view date) { return Parse(date).ok(); }

Result<std::string> AddDays(std::string_view date, int n) {
  year_month_day ymd = Parse(date);
  if (!ymd.ok()) return NotADate(date);
  return Format(year_month_day{sys_days(ymd) + days(n)});
}

Result<int64_t> ChinaDayStartMs(std::string_view date) {
  year_month_day ymd = Parse(date);
  if (!ymd.ok()) return NotADate(date);
  return duration_cast<milliseconds>((sys_days(ymd) - kChinaOffset).time_since_epoch()).count();
}

}  // namespace zx
