// Operational endpoints (permissions system.health, open, and metrics.read, which the auth
// middleware also grants to anonymous callers on loopback): `GET /healthz` answers 200
// {"status":"ok"} once `ready` says so (503 unavailable before; no `ready` means always
// ready), and `GET /metrics` the Prometheus text exposition of `metrics` (text/plain;
// version=0.0.4).
//
// `metrics` must outlive the router; `ready` must be thread-safe.
#pragma once

#include <functional>

#include "base/metrics.h"
#include "http/router.h"

namespace zx::http {

void AddSystemRoutes(Router& router, const Metrics& metrics, std::function<bool()> ready = {});

}  // namespace zx::http
