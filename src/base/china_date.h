// Calendar dates of the hotline's day: China Standard Time, UTC+8 all year (no daylight saving
// since 1991), written "YYYY-MM-DD". One place for what the knowledge base (effective dates,
// as-of answers, hit counts per day), document imports and the live engine's day all use.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx {

// The China date of an instant: ChinaDate(0) is "1970-01-01".
std::string ChinaDate(int64_t unix_ms);
// A real calendar date "YYYY-MM-DD" (not 2026-02-30, not 2026-2-1).
bool IsDate(std::string_view date);
// The date `days` calendar days after `date` (before, when negative); invalid_argument when
// `date` is not a date.
Result<std::string> AddDays(std::string_view date, int days);
// Unix ms of 00:00 China time on `date`; invalid_argument when it is not a date.
Result<int64_t> ChinaDayStartMs(std::string_view date);

}  // namespace zx
