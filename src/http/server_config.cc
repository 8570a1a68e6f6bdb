#include "http/server_config.h"

namespace zx::http {

const ConfigSection<ServerConfig>& ServerConfigSection() {
  using C = ServerConfig;
  static const auto* section =
      new ConfigSection<C>(ConfigSection<C>("server")
                               .Text("http", &C::http, "HTTP listen address HOST:PORT")
                               .Number("threads", &C::threads, 1, 256, "HTTP worker threads")
                               .Number("max_body_bytes", &C::max_body_bytes, int64_t{1024},
                                       int64_t{64} << 20, "largest accepted request body")
                               .Number("request_timeout_ms", &C::request_timeout_ms, 100, 600000,
                                       "cut off requests slower than this")
                               .Number("max_websockets", &C::max_websockets, 1, 1000000,
                                       "open WebSocket connections; more are refused")
                               .Check([](const C& c, const std::string& prefix) -> std::string {
                                 if (IsHostPort(c.http)) return "";
                                 return prefix + "http must be HOST:PORT, got '" + c.http + "'";
                               }));
  return *section;
}

}  // namespace zx::http
