// SlaCalendar: the time limits of a task, as WorkOrders needs them. The real one is built on the
// holiday calendar (tickets/calendar.h, MakeSlaCalendar); tests may use a plain-clock one.
// All times are unix milliseconds. A working-day computation in a year without a calendar table
// is an error (failed_precondition), never a guess.
#pragma once

#include <cstdint>
#include <memory>

#include "base/status.h"
#include "tickets/calendar.h"
#include "tickets/sla.h"

namespace zx::tickets {

class SlaCalendar {
 public:
  virtual ~SlaCalendar() = default;
  // The deadline of a task dispatched at `from_ms` (DOMAIN.md "Deadline arithmetic").
  virtual Result<int64_t> Due(int64_t from_ms, Tier tier) const = 0;
  // 预警: the moment a share of the time from dispatch to deadline has passed (working time only
  // for working-day tiers).
  virtual Result<int64_t> WarnAt(int64_t from_ms, int64_t due_ms, Tier tier) const = 0;
  // The 签收 limit (响应率): 1 hour for 2h orders, 4 working hours otherwise.
  virtual Result<int64_t> AcceptBy(int64_t from_ms, Tier tier) const = 0;
  // A deadline moved by an approved extension of `units` (working days for day tiers, hours for
  // hour tiers).
  virtual Result<int64_t> Extend(int64_t due_ms, Tier tier, int units) const = 0;
  // When the return visit is due: the end of the first working day after `resolved_ms`.
  virtual Result<int64_t> VisitDue(int64_t resolved_ms) const = 0;
  // Whether the China-time day of `unix_ms` is a working day (calling windows of visits).
  virtual Result<bool> IsWorkingDay(int64_t unix_ms) const = 0;
};

// How much of the time 预警 comes at, per tier (DOMAIN.md: 80%, configurable per tier), and the
// 签收 limits of the 响应率.
struct SlaOptions {
  double warn_2h = 0.8, warn_24h = 0.8, warn_7d = 0.8, warn_15d = 0.8;
  AckLimits ack;
};

// The real one: deadlines, 预警, 签收 limits, extensions and visit days on `calendar` (which must
// have working hours for the 签收 limits of working-hour tiers).
std::unique_ptr<SlaCalendar> MakeSlaCalendar(WorkCalendar calendar, SlaOptions options = {});

}  // namespace zx::tickets
