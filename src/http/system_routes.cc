#include "http/system_routes.h"

#include "http/errors.h"

namespace zx::http {

void AddSystemRoutes(Router& router, const Metrics& metrics,
                     std::function<std::string()> why_not_ready) {
  router.Add("GET", "/healthz", "system.health", [why = std::move(why_not_ready)](const Request&) {
    if (std::string reason = why ? why() : ""; !reason.empty())
      return ErrorResponse(Unavailable("not ready: " + reason));
    return Response::Json(200, {{"status", "ok"}});
  });
  router.Add("GET", "/metrics", "metrics.read", [&metrics](const Request&) {
    return Response::Text(200, metrics.RenderText(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace zx::http
