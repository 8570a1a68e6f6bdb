#include "http/system_routes.h"

#include "http/errors.h"

namespace zx::http {

void AddSystemRoutes(Router& router, const Metrics& metrics, std::function<bool()> ready) {
  router.Add("GET", "/healthz", "system.health", [ready = std::move(ready)](const Request&) {
    if (ready && !ready()) return ErrorResponse(Unavailable("starting; not ready yet"));
    return Response::Json(200, {{"status", "ok"}});
  });
  router.Add("GET", "/metrics", "metrics.read", [&metrics](const Request&) {
    return Response::Text(200, metrics.RenderText(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace zx::http
