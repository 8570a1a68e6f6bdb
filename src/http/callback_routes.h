// HTTP routes of the call-back tasks (dialogue/callback_store.h), a route set (http/router.h):
// what callers waiting for an agent left by pressing 1 or hanging up. Until the work-order
// module takes them over as orders of type 回拨, staff work them here. Every read is audited
// (object type "callback"); the full number is shown only to a principal holding
// pii.read_full, in the view of one task, and that read is audited on its own.
//
//   GET  /api/v1/callbacks               callback.work  ?state=open|done&phone=NUMBER&limit=N
//        (1-500, default 100) -> {"callbacks": [task...]}, newest first; the numbers masked;
//        `phone` finds a number's tasks by blind index (409 without a key file). Audited
//        "callback.list" with the ids shown.
//   GET  /api/v1/callbacks/{id}          callback.work  -> the task with "phone" in full
//        (null when it was withheld or cannot be opened; masked without pii.read_full).
//        Audited "callback.read".
//   POST /api/v1/callbacks/{id}/done     callback.work  {"note"?: string (≤ 500 bytes)} -> 200
//        the task, done; 404 unknown, 409 done already. Audited "callback.done".
//
// A task: {"id", "conversation_id", "channel", "reason" ("caller_asked" | "hung_up_in_queue"),
// "state", "phone_masked", "summary" (seven elements, or null), "departments", "districts",
// "created_ms", "done_ms", "done_by", "note"}.
#pragma once

#include <nlohmann/json.hpp>

#include "dialogue/callback_store.h"
#include "http/router.h"
#include "security/audit.h"

namespace zx::http {

nlohmann::json CallbackJson(const dialogue::Callback& callback);

// `callbacks` and `audit` must outlive the router.
void AddCallbackRoutes(Router& router, dialogue::CallbackStore& callbacks,
                       security::AuditLog& audit);

}  // namespace zx::http
