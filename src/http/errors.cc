#include "http/errors.h"

namespace zx::http {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kFailedPrecondition:
      return 409;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnavailable:
      return 503;
    case Code::kDataLoss:
      return 500;
    case Code::kInternal:
      return 500;
    case Code::kKeyMissing:
      return 410;
  }
  return 500;
}

Response ErrorResponse(int http_status, std::string_view code, std::string_view message) {
  return Response::Json(http_status, {{"error", {{"code", code}, {"message", message}}}});
}

Response ErrorResponse(const Status& status, int http_status) {
  Response res = ErrorResponse(http_status, CodeName(status.code()), status.message());
  // "Try again": say when, so that clients and proxies back off instead of failing.
  if (http_status == 503) res.headers.emplace_back("Retry-After", "1");
  return res;
}

Response ErrorResponse(const Status& status) {
  return ErrorResponse(status, HttpStatusFor(status.code()));
}

}  // namespace zx::http
