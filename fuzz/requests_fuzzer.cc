// The request-body parsers at the HTTP edge: ask, login, new user, and query strings.
// Invariants: no crash; an accepted question is non-empty, well-formed and within the limit.
#include <cstdint>

#include "common.h"
#include "http/knowledge_routes.h"
#include "http/request.h"
#include "http/staff_routes.h"
#include "http/utf8.h"

using zx::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto question = zx::http::ParseAskRequest(body);
  if (question.ok()) {
    Check(!question->empty(), "accepted question is not empty");
    Check(!zx::http::FindInvalidUtf8(*question), "accepted question is UTF-8");
    Check(zx::http::CountCodePoints(*question) <= zx::http::kMaxQuestionChars,
          "accepted question within the limit");
  }
  auto login = zx::http::ParseLoginRequest(body);
  if (login.ok()) Check(!login->name.empty() && login->name.size() <= 64, "login name bounds");
  (void)zx::http::ParseNewUserRequest(body);
  for (const auto& [k, v] : zx::http::ParseQuery(body)) (void)k, (void)v;
  (void)zx::http::PercentDecode(body, true);
  return 0;
}
