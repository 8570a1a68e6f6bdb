// The work orders' types as JSON (tickets/ticket.h, tickets/order_store.h): the one place their
// wire form is written and read, shared by the REST routes (http/ticket_routes.h) and the CLI.
// The shapes are the contracts of api/openapi.yaml ("Ticket", "TicketRow", "NewTicket").
//
// Personal data: an order's JSON carries the masked contact number always; "personal"
// ({"contact","name","address"}) only when the order was loaded opened (the caller has checked
// pii.read_full and audited the read), otherwise null. Parse errors are invalid_argument naming
// the field, and never repeat the value sent.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/request.h"
#include "tickets/autofill.h"
#include "tickets/order_store.h"
#include "tickets/ticket.h"
#include "tickets/work_orders.h"

namespace zx::http {

// {"department","role","role_label","state","state_label","dispatched_ms","accept_by_ms",
//  "accepted_ms","due_ms","warn_ms","warned","overdue","resolved_ms","reply","return_reason",
//  "extension": {"state","days","reason"}}
nlohmann::json TicketTaskJson(const tickets::Task& task);
// {"name","value","machine_value","person_value"|null,"confidence","machine","confirmed_by"}
nlohmann::json TicketFieldJson(const tickets::FilledField& field);
// {"seq","at_ms","actor","action","department","from","to","reason"}
nlohmann::json TicketHistoryJson(const tickets::HistoryEntry& entry);
// The whole order (tasks and fields; no history): see api/openapi.yaml "Ticket".
nlohmann::json TicketJson(const tickets::Order& order);
// One line of a list: see api/openapi.yaml "TicketRow".
nlohmann::json TicketRowJson(const tickets::OrderRow& row);

// What auto-fill made of a complaint (`zhixian tickets draft --json`, DESIGN.md): {"topic",
// "category", "departments": [{"code","role" (主办|协办)}], "department" (the 主办 or null),
// "district", "place", "sla", "contact" (masked), "summary", "confidence"}.
nlohmann::json TicketDraftJson(const tickets::Draft& draft);

// The filters of a list (GET /api/v1/tickets, and the export): state, department, district,
// topic, sla, phone, warned, overdue, returned, from, until, sort, order, limit (1-500), offset.
// kInvalidArgument names the parameter at fault.
Result<tickets::OrderQuery> ParseTicketQuery(const Request& req);
// A time parameter: unix milliseconds, or a date YYYY-MM-DD meaning its 00:00 China time; 0 when
// absent.
Result<int64_t> ParseTimeParam(const Request& req, const char* name);

// The body of POST /api/v1/tickets: {"text" (required), "summary", "topic", "category",
// "district", "place", "sla" ("2h"|"24h"|"7d"|"15d"), "urgent", "departments": [{"code",
// "role" ("lead"|"assist"|"主办"|"协办", default lead)}], "contact", "name", "address",
// "channel" ("chat"|"voice"|"api"|"agent", default "api"), "conversation_id"}. Unknown fields
// are refused by name.
Result<tickets::NewOrder> ParseNewTicket(std::string_view body);
// A "departments" array as above (used by create and dispatch).
Result<std::vector<tickets::Assignment>> ParseDepartments(const nlohmann::json& value);

}  // namespace zx::http
