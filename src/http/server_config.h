// The [server] section as the HTTP server reads it (config/zhixian.toml): its listen address
// and limits. server.sip is the voice gateway's (telephony/sip_config.h).
#pragma once

#include <cstdint>
#include <string>

#include "base/config.h"

namespace zx::http {

struct ServerConfig {
  std::string http = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port
  int threads = 2;                      // HTTP worker threads
  int64_t max_body_bytes = 64 * 1024;   // larger request bodies get 413
  int request_timeout_ms = 10000;       // a request slower than this is cut off
  int max_websockets = 10000;           // open WebSockets; more are refused (503)
};

// server.http (HOST:PORT), server.threads, server.max_body_bytes, server.request_timeout_ms,
// server.max_websockets.
const ConfigSection<ServerConfig>& ServerConfigSection();

}  // namespace zx::http
