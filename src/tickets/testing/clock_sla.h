// ClockSla: an SlaCalendar without holidays (every day a working day), for tests of the
// work-order service that are not about the calendar. Hour tiers on the clock; day tiers end at
// 24:00 China time of the Nth day after dispatch; 预警 at 80%; 签收 limit 1 h (2h) or 4 h.
#pragma once

#include "tickets/sla_calendar.h"

namespace zx::tickets::testing {

class ClockSla final : public SlaCalendar {
 public:
  static constexpr int64_t kHour = 3600LL * 1000;
  static constexpr int64_t kDay = 24 * kHour;
  static constexpr int64_t kChina = 8 * kHour;

  Result<int64_t> Due(int64_t from, Tier tier) const override {
    switch (tier) {
      case Tier::k2h:
        return from + 2 * kHour;
      case Tier::k24h:
        return from + kDay;
      case Tier::k7d:
        return EndOfDay(from) + 7 * kDay;
      case Tier::k15d:
        return EndOfDay(from) + 15 * kDay;
    }
    return from + kDay;
  }
  Result<int64_t> WarnAt(int64_t from, int64_t due, Tier) const override {
    return from + (due - from) * 8 / 10;
  }
  Result<int64_t> AcceptBy(int64_t from, Tier tier) const override {
    return from + (tier == Tier::k2h ? kHour : 4 * kHour);
  }
  Result<int64_t> Extend(int64_t due, Tier tier, int units) const override {
    return due + units * (CountsWorkingDays(tier) ? kDay : kHour);
  }
  Result<int64_t> VisitDue(int64_t resolved) const override { return EndOfDay(resolved) + kDay; }
  Result<bool> IsWorkingDay(int64_t) const override { return true; }

 private:
  static int64_t EndOfDay(int64_t ms) { return (ms + kChina) / kDay * kDay + kDay - kChina; }
};

}  // namespace zx::tickets::testing
