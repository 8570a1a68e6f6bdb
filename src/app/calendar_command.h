// `zhixian calendar` (DESIGN.md; docs/tickets.md "Calendar and deadlines"):
//
//   zhixian calendar deadline --from "YYYY-MM-DD HH:MM" --tier 2h|24h|7d|15d
//       prints the deadline "YYYY-MM-DD HH:MM" (China local time; the end of a day as 24:00)
//   zhixian calendar day YYYY-MM-DD
//       prints 工作日 or 休息日
//
// The tables are KB_DIR/calendar (--kb or knowledge.kb_dir). Exit 0, or 2 with a message on
// stderr for bad input, a broken table, or a year without a table.
#pragma once

#include <functional>
#include <optional>

#include "app/context.h"

namespace CLI {
class App;
}

namespace zx::app {

// Registers `calendar` on `cli`; `common` adds --data/--config/--kb bound to `flags`. The
// returned function runs it when it was parsed and returns its exit code, else nullopt.
std::function<std::optional<int>()> AddCalendarCommand(
    CLI::App& cli, CommonFlags& flags, const std::function<void(CLI::App*)>& common);

}  // namespace zx::app
