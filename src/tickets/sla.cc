#include "tickets/sla.h"

namespace zx::tickets {

std::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::k2h:
      return "2h";
    case Tier::k24h:
      return "24h";
    case Tier::k7d:
      return "7d";
    case Tier::k15d:
      return "15d";
  }
  return "24h";
}

std::optional<Tier> ParseTier(std::string_view name) {
  for (Tier t : {Tier::k2h, Tier::k24h, Tier::k7d, Tier::k15d})
    if (TierName(t) == name) return t;
  return std::nullopt;
}

bool CountsWorkingDays(Tier tier) { return tier == Tier::k7d || tier == Tier::k15d; }

// The enum is ordered from most to least urgent.
Tier MoreUrgent(Tier a, Tier b) { return static_cast<int>(a) <= static_cast<int>(b) ? a : b; }

}  // namespace zx::tickets
