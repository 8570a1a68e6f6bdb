// Router matching on arbitrary methods and paths, through the auth middleware's 404/405 path.
// Input: METHOD \x01 PATH. Invariants: a match names a registered pattern; path parameters
// are only produced for matched routes.
#include <cstdint>
#include <set>

#include "common.h"
#include "http/router.h"

using zx::fuzz::Check;
using zx::fuzz::Parts;

namespace {

const zx::http::Router& TheRouter() {
  static const zx::http::Router* router = [] {
    auto* r = new zx::http::Router();
    auto ok = [](const zx::http::Request&) { return zx::http::Response::Json(200, {}); };
    for (const char* p : {"/healthz", "/metrics", "/api/v1/ask", "/api/v1/auth/login",
                          "/api/v1/auth/me", "/api/v1/audit", "/api/v1/audit/verify",
                          "/api/v1/users", "/api/v1/users/{id}", "/api/v1/conversations/{id}",
                          "/api/v1/conversations/{id}/messages", "/api/v1/c/new", "/{a}/new/x"})
      r->Add("GET", p, "kb.read", ok);
    r->Add("POST", "/api/v1/conversations/{id}/messages", "chat", ok);
    r->Add("DELETE", "/api/v1/users/{id}", "user.manage", ok);
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& router = TheRouter();
  static const std::set<std::string> patterns = [&] {
    std::set<std::string> s;
    for (const auto& r : router.Routes()) s.insert(r.pattern);
    return s;
  }();
  Parts parts(data, size);
  zx::http::Request req;
  req.method = std::string(parts.Next());
  std::string_view target = parts.Next();
  size_t q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) req.query = zx::http::ParseQuery(target.substr(q + 1));
  auto m = router.Find(req.method, req.path);
  if (m.handler) {
    Check(patterns.count(m.route) == 1, "matched route is registered");
    Check(!m.permission.empty(), "matched route has its permission");
  }
  if (req.path.empty() || req.path[0] != '/') return 0;  // the server answers 400 itself
  std::string route;
  auto res = router.Handle(req, &route);
  Check(res.status == 200 || res.status == 404 || res.status == 405, "status 200, 404 or 405");
  return 0;
}
