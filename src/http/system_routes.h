// Operational endpoints (permissions system.health, open, and metrics.read, which the auth
// middleware also grants to anonymous callers on loopback): `GET /healthz` answers 200
// {"status":"ok"} while `why_not_ready` says "" and 503 unavailable with its reason otherwise
// (starting, draining, database unreachable: an HTTP balancer sends the next request
// elsewhere; no `why_not_ready` means always ready), and `GET /metrics` the Prometheus text
// exposition of `metrics` (text/plain; version=0.0.4).
//
// `metrics` must outlive the router; `why_not_ready` must be thread-safe.
#pragma once

#include <functional>
#include <string>

#include "base/metrics.h"
#include "http/router.h"

namespace zx::http {

void AddSystemRoutes(Router& router, const Metrics& metrics,
                     std::function<std::string()> why_not_ready = {});

}  // namespace zx::http
