// Figures, hotspots and exports of work orders (tickets/figures.h), a route set (http/router.h).
// No personal data leaves here: rows carry the masked contact and the stored (masked) summary.
//
//   GET /api/v1/tickets/figures          ticket.figures  ?from&until (ms or YYYY-MM-DD, China
//       time; default the 30 days before now) &tier -> {"from_ms","until_ms","tier","total":
//       Figures, "departments": [Figures]}, Figures = {"department","tier","created","returned",
//       "extensions","unanswered", "response"|"on_time"|"solved"|"satisfied": {"numerator",
//       "denominator","value"}} (DOMAIN.md "The three rates")
//   GET /api/v1/tickets/hotspots         ticket.figures  -> {"hotspots": [{"topic","district",
//       "count","usual","rise"}]}
//   GET /api/v1/tickets/figures/export   report.export   ?format=xlsx|csv (xlsx) & the period
//       above -> the table of departments and the total (XLSX: 数据 sheet)
//   GET /api/v1/tickets/export           report.export   ?format=xlsx|csv & the filters of GET
//       /api/v1/tickets (state, department, district, ...; no paging) -> at most 100,000 orders
//
// A department handler's figures are its own department's, its hotspots its own district's
// (whatever it asks for). Every answer is audited ("ticket.figures", "ticket.hotspots",
// "ticket.export" with the filters and the number of rows).
#pragma once

#include "base/clock.h"
#include "http/router.h"
#include "security/audit.h"
#include "storage/database.h"
#include "tickets/work_orders.h"

namespace zx::http {

// `clock` gives "now" for the default period; everything must outlive the router.
void AddTicketReportRoutes(Router& router, tickets::WorkOrders& orders, storage::Database& db,
                           security::AuditLog& audit, const Clock& clock);

}  // namespace zx::http
