// The agent's work-order form (坐席工作台): the order a conversation (or a text an agent typed)
// would make, pre-filled by the work-order module's intake (tickets/intake.h), and the order
// created from the form with the machine's values and the person's kept side by side.
//
//   POST /api/v1/tickets/draft   ticket.create   {"conversation_id"} | {"text"} -> the draft:
//        {"existing" (the order the conversation already made, or null), "text", "fields":
//        {topic, category, district, place, sla, summary, contact (masked)} each {"value",
//        "confidence"}, "departments": [{"code", "name", "role"}], "matter", "dangers",
//        "confidence"}. A conversation's facts are personal: its scope is checked and the read
//        audited ("ticket.draft", object the conversation).
//   POST /api/v1/tickets {"autofill": true, ...}  ticket.create: drafted again on the server and
//        stored with every machine-filled field; each of topic, category, district, place, sla
//        and summary present in the body is the person's: confirmed when it equals the
//        machine's value, a correction otherwise (history "confirm_field"/"correct_field").
//        contact, name and address given are the person's (sealed). Audited "ticket.create".
//   GET  /api/v1/tickets/departments   ticket.read   -> {"departments": [{"code", "name"}]}: what
//        the screens show for a code and offer when dispatching (kb/departments.tsv).
#pragma once

#include <nlohmann/json.hpp>

#include "dialogue/service.h"
#include "http/record_access.h"
#include "http/request.h"
#include "tickets/intake.h"
#include "tickets/work_orders.h"

namespace zx::http {

class OrderForm {
 public:
  // All must outlive it.
  OrderForm(tickets::Intake& intake, tickets::WorkOrders& orders,
            dialogue::DialogueService& dialogue, security::AuditLog& audit)
      : intake_(intake), orders_(orders), dialogue_(dialogue), guard_(&audit) {}

  Response Draft(const Request& req) const;
  // POST /api/v1/tickets with "autofill": true (ticket_routes hands it over).
  Response Create(const Request& req, const nlohmann::json& body) const;
  Response Departments() const;

 private:
  // What the intake drafts from: the body's conversation (scope checked, audited as `action`)
  // or its text; the existing order of the conversation in `existing`.
  Result<tickets::IntakeRequest> RequestOf(const Request& req, const nlohmann::json& body,
                                           std::string_view action, std::string* existing) const;

  tickets::Intake& intake_;
  tickets::WorkOrders& orders_;
  dialogue::DialogueService& dialogue_;
  RecordGuard guard_;
};

}  // namespace zx::http
