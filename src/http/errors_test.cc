#include "http/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace zx::http {
namespace {

TEST(Errors, EachCodeHasItsHttpStatus) {
  EXPECT_EQ(HttpStatusFor(Code::kOk), 200);
  EXPECT_EQ(HttpStatusFor(Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(Code::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Code::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(Code::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(Code::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Code::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
  // Sealed under a key the server does not hold: gone for now, not a server error.
  EXPECT_EQ(HttpStatusFor(Code::kKeyMissing), 410);
  EXPECT_STREQ(CodeName(Code::kKeyMissing), "key_missing");
}

TEST(Errors, BodyIsTheErrorObject) {
  Response r = ErrorResponse(NotFound("没有这个工单 T-1"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(
      j, nlohmann::json::parse(R"({"error":{"code":"not_found","message":"没有这个工单 T-1"}})"));
}

TEST(Errors, ExplicitStatusAndTransportCodes) {
  Response r = ErrorResponse(ResourceExhausted("too big"), 413);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "resource_exhausted");
  r = ErrorResponse(405, "method_not_allowed", "use POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["message"], "use POST");
}

// Issue 9 #14: "try again" answers say when (a locked database, a full login queue).
TEST(Errors, UnavailableSaysWhenToRetry) {
  Response r = ErrorResponse(Unavailable("sqlite: database is locked"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Retry-After"), "1");
  EXPECT_EQ(ErrorResponse(Internal("bug")).Header("Retry-After"), "");
}

}  // namespace
}  // namespace zx::http
