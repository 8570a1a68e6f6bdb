// The work-order sub-commands of the zhixian binary (DESIGN.md contracts, docs/tickets.md):
//
//   zhixian tickets draft [--json]
//       One complaint per stdin line; prints the work order auto-fill would create, not saved
//       (tickets/autofill.h). With --json one object per line: {"topic", "category",
//       "departments": [{"code", "role"}], "department", "district", "place", "sla", "contact",
//       "summary", "confidence"}; the contact masked. `category` is the label of the router
//       `zhixian tickets learn` left in the data directory, when there is one.
//   zhixian tickets create [--json]
//       The same, and saves each order (tickets/intake.h: 并单, dispatch), adding "id" and
//       "merged_into" (the order it was merged into, or null).
#pragma once

#include <functional>
#include <optional>

#include "app/context.h"

namespace CLI {
class App;
}

namespace zx::app {

// Registers `tickets` and its sub-commands on `cli`; `common` adds --data/--config/--kb bound to
// `flags`. The returned function runs the one that was parsed and returns its exit code, or
// nullopt when none of them was.
std::function<std::optional<int>()> AddTicketsCommands(
    CLI::App& cli, CommonFlags& flags, const std::function<void(CLI::App*)>& common);

}  // namespace zx::app
