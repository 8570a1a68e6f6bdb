// The work orders' clock in a running server (docs/tickets.md "Time limits at work"): every
// 30 seconds 预警 and 超时 are marked from what the database holds (so a restart catches up),
// every 10 minutes the hotspots are looked for and the rates of the last 30 days computed. Each is
// logged for the supervisors and shown in /metrics (zhixian_ticket_sla_events_total{kind},
// zhixian_ticket_hotspots_total{topic}, zhixian_ticket_rate{department,rate}; department "" is
// all departments together).
#pragma once

#include "base/clock.h"
#include "base/metrics.h"
#include "base/worker.h"
#include "storage/database.h"
#include "tickets/work_orders.h"

namespace zx::tickets {

// Schedules both on `worker`; everything must outlive the worker's timers (stop it first). With
// `may_run`, 预警/超时 and hotspots are looked for only when it says so (this node holds the job:
// storage/leases.h), so that several nodes raise each once; every node keeps its rates gauge.
// `marked` (may be empty) hears what each tick marked (the staff's live events).
void ScheduleTicketClock(Worker& worker, WorkOrders& orders, storage::Database& db,
                         Metrics& metrics, const Clock& clock, std::function<bool()> may_run = {},
                         std::function<void(const std::vector<SlaEvent>&)> marked = {});

}  // namespace zx::tickets
