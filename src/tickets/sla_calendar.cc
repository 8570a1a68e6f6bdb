#include "tickets/sla_calendar.h"

#include <utility>

namespace zx::tickets {
namespace {

class CalendarSla final : public SlaCalendar {
 public:
  CalendarSla(WorkCalendar calendar, SlaOptions options)
      : calendar_(std::move(calendar)), options_(options) {}

  Result<int64_t> Due(int64_t from_ms, Tier tier) const override {
    return calendar_.Deadline(from_ms, tier);
  }
  Result<int64_t> WarnAt(int64_t from_ms, int64_t due_ms, Tier tier) const override {
    return calendar_.WarnAt(from_ms, due_ms, tier, Fraction(tier));
  }
  Result<int64_t> AcceptBy(int64_t from_ms, Tier tier) const override {
    if (tier == Tier::k2h) return from_ms + options_.ack.urgent_minutes * kMinuteMs;
    return calendar_.AddWorkingMinutes(from_ms, options_.ack.working_minutes);
  }
  Result<int64_t> Extend(int64_t due_ms, Tier tier, int units) const override {
    return calendar_.Extend(due_ms, tier, units);
  }
  // The end (24:00) of the first working day after the day of 办结.
  Result<int64_t> VisitDue(int64_t resolved_ms) const override {
    ZX_ASSIGN_OR_RETURN(Date day, calendar_.NthWorkingDayAfter(ToChinaLocal(resolved_ms).date, 1));
    return FromChinaLocal(day, kDayMs);
  }
  Result<bool> IsWorkingDay(int64_t unix_ms) const override {
    return calendar_.IsWorkingDay(ToChinaLocal(unix_ms).date);
  }

 private:
  double Fraction(Tier tier) const {
    switch (tier) {
      case Tier::k2h:
        return options_.warn_2h;
      case Tier::k24h:
        return options_.warn_24h;
      case Tier::k7d:
        return options_.warn_7d;
      case Tier::k15d:
        return options_.warn_15d;
    }
    return 0.8;
  }

  WorkCalendar calendar_;
  SlaOptions options_;
};

}  // namespace

std::unique_ptr<SlaCalendar> MakeSlaCalendar(WorkCalendar calendar, SlaOptions options) {
  return std::make_unique<CalendarSla>(std::move(calendar), options);
}

}  // namespace zx::tickets
