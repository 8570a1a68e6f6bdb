// SLA tiers of work orders (../docs/tickets.md, DOMAIN.md "SLA tiers"): 2h (紧急) and 24h run on
// the clock; 7d and 15d count working days of the holiday calendar (tickets/calendar.h).
#pragma once

#include <optional>
#include <string_view>

namespace zx::tickets {

enum class Tier { k2h, k24h, k7d, k15d };

// "2h", "24h", "7d", "15d".
std::string_view TierName(Tier tier);
std::optional<Tier> ParseTier(std::string_view name);

// True for the tiers counted in working days (7d, 15d).
bool CountsWorkingDays(Tier tier);

// The more urgent of two tiers: auto-fill raises a tier this way and never lowers it.
Tier MoreUrgent(Tier a, Tier b);

}  // namespace zx::tickets
