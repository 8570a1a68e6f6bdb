// The work-order sub-commands of the zhixian binary (DESIGN.md contracts, docs/tickets.md):
//
//   zhixian tickets draft [--json]
//       One complaint per stdin line; prints the work order auto-fill would create, not saved
//       (tickets/autofill.h). With --json one object per line: {"topic", "category",
//       "departments": [{"code", "role"}], "department", "district", "place", "sla", "contact",
//       "summary", "confidence"}; the contact masked.
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
