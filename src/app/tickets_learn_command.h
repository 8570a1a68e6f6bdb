// `zhixian tickets learn --history FILE [--text-column text] [--label-column label]`
// (docs/tickets.md, "Routing learned from history"): reads a deployment's past orders (TSV, CSV
// or XLSX with a header; tickets/history.h), trains the router (tickets/router_model.h) and
// saves it as DATA/tickets/router.model, where draft, create and conversations load it.
// Prints rows read, rows skipped with file:line and reason, labels with counts, and the
// cross-validated macro-F1. Exit 0 saved; 2 the file or the configuration is unusable (the
// message says why); 1 the model could not be saved.
#pragma once

#include <functional>
#include <optional>

#include "app/context.h"

namespace CLI {
class App;
}

namespace zx::app {

// Adds `learn` to the `tickets` sub-command of `cli` (created when it is not there yet);
// `common` adds --data/--config/--kb. The returned function runs it when it was parsed and
// returns its exit code, or nullopt.
std::function<std::optional<int>()> AddTicketsLearnCommand(
    CLI::App& cli, CommonFlags& flags, const std::function<void(CLI::App*)>& common);

}  // namespace zx::app
