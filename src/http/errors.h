// The one error vocabulary (zx::Status) mapped to HTTP at the edge.
//
// Every error response is JSON `{"error": {"code": "<zx::CodeName>", "message": "..."}}` with
// the HTTP status of the code. The message is for people: it says which field and why, and
// never repeats personal data from the request.
#pragma once

#include <string_view>

#include "base/status.h"
#include "http/request.h"

namespace zx::http {

// invalid_argument 400, unauthenticated 401, permission_denied 403, not_found 404,
// already_exists 409, failed_precondition 409, resource_exhausted 429, unavailable 503,
// key_missing 410 (sealed under a key this server does not hold), internal and data_loss 500
// (ok 200).
int HttpStatusFor(Code code);

// The JSON error for a non-OK status, with HttpStatusFor(status.code()). A 503 (unavailable:
// a busy database, a full queue) carries `Retry-After: 1`; a handler that knows better adds its
// own Retry-After, which the server sends instead (the last one wins).
Response ErrorResponse(const Status& status);
// The same with an explicit HTTP status, e.g. 413 for a resource_exhausted body.
Response ErrorResponse(const Status& status, int http_status);
// Errors of the transport that have no zx::Code, e.g. 405 "method_not_allowed".
Response ErrorResponse(int http_status, std::string_view code, std::string_view message);

}  // namespace zx::http
