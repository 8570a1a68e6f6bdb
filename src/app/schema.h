// The whole schema `zhixian serve` makes, and nothing else: for `zhixian migrate`, which copies a
// box's rows into a database whose tables the modules' own migrations made.
#pragma once

#include "base/status.h"
#include "storage/database.h"

namespace zx::app {

// Applies every module's migrations that `db` has not had, as serve's start-up would, without
// writing a row of data: the knowledge base is not seeded, nothing is audited, no job is leased.
Status MakeSchema(storage::Database& db);

}  // namespace zx::app
