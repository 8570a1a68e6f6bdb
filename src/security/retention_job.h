// The retention job as a server runs it: on a worker, now and then periodically, its outcome in
// the log (retention.h has the job itself).
#pragma once

#include <chrono>
#include <functional>

#include "base/status.h"
#include "base/worker.h"
#include "security/retention.h"

namespace zx::security {

// Runs `run` (a retention job: RunRetention and what goes with it) on `worker` now and then every
// `period`, logging each outcome (retention_done with the rules and rows, or retention_failed).
// `run` must be callable for as long as the worker runs. With `may_run`, a round runs only when
// it says so (the node holds the job's lease: storage/leases.h).
void ScheduleRetention(Worker& worker, std::chrono::milliseconds period,
                       std::function<Result<RetentionReport>()> run,
                       std::function<bool()> may_run = {});

}  // namespace zx::security
