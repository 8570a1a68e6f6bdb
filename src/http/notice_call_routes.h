// HTTP routes of outbound notice calls (campaigns/notice_calls.h), a route set (http/router.h):
// the JSON of a call is made here, at the edge.
//
//   POST /api/v1/calls       campaign.manage  {"number", "text", "attempt_id", "confirm_keys"?,
//        "repeat_keys"?, "max_plays"?, "key_timeout_s"?, "ring_timeout_s"?} -> 202 the call
//        (dialling); 200 with the existing call for a known attempt_id. Appends
//        "notice_call.start" to the audit log (details: attempt id, masked number, created).
//        400 a field (named), 409 a number without a trunk, 429 every call slot busy, 503
//        voice is off.
//   GET  /api/v1/calls/{id}  campaign.manage  -> the call: state, outcome, sip_code, digits,
//        plays, events, masked number, options.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/status.h"
#include "campaigns/notice_calls.h"
#include "http/router.h"
#include "security/audit.h"

namespace zx::http {

// The POST body as a request; invalid_argument naming the field (unknown fields too), never
// repeating the number. Checks everything ValidateNoticeRequest checks.
Result<campaigns::NoticeRequest> ParseNoticeRequest(std::string_view body);

// The call as the API shows it (the number masked; the text is not shown).
nlohmann::json NoticeCallJson(const campaigns::NoticeCall& call);

// `calls` and `audit` must outlive the router.
void AddNoticeCallRoutes(Router& router, campaigns::NoticeCalls& calls, security::AuditLog& audit);

}  // namespace zx::http
