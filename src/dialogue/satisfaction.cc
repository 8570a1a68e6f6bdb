#include "dialogue/satisfaction.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace zx::dialogue {

bool IsSatisfactionRating(std::string_view rating) {
  return std::find(std::begin(kSatisfactionRatings), std::end(kSatisfactionRatings), rating) !=
         std::end(kSatisfactionRatings);
}

std::optional<std::string> SatisfactionForKey(char key) {
  if (key < '1' || key > '3') return std::nullopt;
  return std::string(kSatisfactionRatings[key - '1']);
}

std::string ReferenceDay(int64_t now_ms) {
  using namespace std::chrono;
  // The hotline's day is China's: a conversation at 01:00 Beijing time belongs to that date.
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(now_ms)) + hours(8));
  const year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string ReferenceNumber(std::string_view day, int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(seq));
  return std::string(day) + buf;
}

}  // namespace zx::dialogue
