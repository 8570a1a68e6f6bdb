// HTTP routes of work orders (tickets/work_orders.h), a route set (http/router.h). The JSON of
// an order is http/ticket_json.h; the service decides what is legal in an order's state (409
// with its message otherwise), these routes decide who may ask.
//
// Access: each route names one permission of the policy table (security/policy.cc); the auth
// middleware checks the role and audits every request ("http.access"/"http.denied"). Each
// handler that touches an order loads it first and checks the caller's scope against the
// order's (its departments, Order::Departments(), and its district) through RecordGuard: a
// department handler of cgj in 东城区 neither reads nor acts on a 西城区 cgj order (403, audited
// "record.denied" with the order id). Department actions (签收, 退单, 延期, 办结) are also
// checked against the task's department: a handler acts only on its own department's task.
// Lists of a scoped caller are restricted on the server to its department and district, whatever
// filters it passes. Every read and every action is audited under the order id (object type
// "ticket"): "ticket.read", "ticket.list" (the ids shown), "ticket.read_personal" (with the
// X-Access-Purpose header as purpose), "ticket.create", "ticket.dispatch", ...
// Figures, hotspots and exports are another route set: http/ticket_report_routes.h.
//
//   POST /api/v1/tickets                         ticket.create     NewTicket -> 201 Ticket
//        ({"autofill": true, ...}: the agent's form, http/ticket_form_routes.h)
//   POST /api/v1/tickets/draft                   ticket.create     the form pre-filled
//   GET  /api/v1/tickets                         ticket.read       ?state&department&district
//        &topic&sla&phone&warned&overdue&returned&from&until (ms or YYYY-MM-DD, China time)
//        &sort=created|due&order=desc|asc&limit=1-500 (50)&offset -> {"total","rows":[TicketRow]}
//   GET  /api/v1/tickets/{id}                    ticket.read       -> Ticket + "history",
//        "merged_reporters"; "personal" opened only for pii.read_full WITH X-Access-Purpose
//   POST /api/v1/tickets/{id}/dispatch           ticket.dispatch   {"departments", "reason"?}
//   POST /api/v1/tickets/{id}/redispatch         ticket.dispatch   {"department", "to", "reason"}
//   POST /api/v1/tickets/{id}/uphold             ticket.dispatch   {"department", "reason"}
//   POST /api/v1/tickets/{id}/merge              ticket.dispatch   {"into", "reason"?}
//   POST /api/v1/tickets/{id}/unmerge            ticket.dispatch   {"reason"?}
//   POST /api/v1/tickets/{id}/accept             ticket.handle     {"department"?}
//   POST /api/v1/tickets/{id}/return             ticket.handle     {"department"?, "reason"}
//   POST /api/v1/tickets/{id}/extension          ticket.handle     {"department"?, "days",
//        "reason"}
//   POST /api/v1/tickets/{id}/resolve            ticket.handle     {"department"?, "reply"}
//   POST /api/v1/tickets/{id}/extension/decision ticket.extension  {"department"?,
//        "approve", "reason"?}
//   POST /api/v1/tickets/{id}/visit              ticket.visit      {"solved", "satisfaction"
//        (满意|基本满意|不满意 or 1|2|3), "note"?}; 不满意 reopens the order once
//   POST /api/v1/tickets/{id}/visit/unanswered   ticket.visit      {}
//   POST /api/v1/tickets/{id}/fields/{name}      ticket.write      {"value"}: confirm or correct
//        an auto-filled field
// Actions answer 200 with the order (Ticket, without history). "department" may be left out by
// a caller scoped to one department (its own) or when the order has one task.
// Errors: 400 a field (named), 403 role or scope, 404 no such order, 409 not legal now.
#pragma once

#include <memory>

#include "http/router.h"
#include "http/ticket_form_routes.h"
#include "security/audit.h"
#include "tickets/work_orders.h"

namespace zx::http {

// `orders` and `audit` must outlive the router. With `form`, the agent's order form too
// (http/ticket_form_routes.h: POST /api/v1/tickets/draft, and "autofill" on POST /api/v1/tickets).
void AddTicketRoutes(Router& router, tickets::WorkOrders& orders, security::AuditLog& audit,
                     std::shared_ptr<const OrderForm> form = nullptr);

}  // namespace zx::http
