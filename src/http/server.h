// Server: the HTTP/1.1 front door of zhixian, on Boost.Beast.
//
//   auto router = std::make_shared<Router>();
//   AddSystemRoutes(*router, metrics);
//   auto server = Server::Start({"127.0.0.1", 0, 2, 64 * 1024, 10000}, router, metrics);
//   if (!server.ok()) ...;          // the message says what could not be bound and why
//   uint16_t port = (*server)->port();
//   (*server)->Stop();               // or let it go out of scope
//
// What the server does for every handler, so that handlers stay thin:
//  - HTTP/1.1 keep-alive; pipelined requests are answered one by one, in order.
//  - Limits: a body over max_body_bytes answers 413, a header over max_header_bytes 431, and
//    malformed HTTP 400, each as a JSON error (http/errors.h) followed by closing the
//    connection. `Expect: 100-continue` is honoured. A request (or an idle keep-alive
//    connection) silent for request_timeout_ms, or a response the client does not read in that
//    time, closes the connection.
//  - Every response carries `X-Request-Id` (the request's own if it is 1-128 characters of
//    [A-Za-z0-9._:-], otherwise a fresh one), `X-Content-Type-Options: nosniff`,
//    `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`, and under /api/
//    `Cache-Control: no-store`. HEAD is answered by GET handlers without the body.
//  - An exception from a handler answers 500 (JSON), is logged with the request id but not the
//    body, and the server keeps serving.
//  - WebSocket routes (http/websocket.h): a handler answering UpgradeToWebSocket switches the
//    connection to a WebSocket (101); Stop closes those with 1001.
//  - Deferred answers (Response::Later, http/request.h): the handler hands the work to another
//    thread and returns at once; the answer is sent, on the connection's strand, when the
//    Responder is called. Slow work (a login's argon2id hash) thus never holds a server thread.
//  - Streamed answers (Response::Stream, http/request.h; Server-Sent Events): the header, then
//    each piece the handler's source gives, every EventStream::every, as an HTTP/1.1 chunk,
//    until the source ends, the client goes (noticed by reading its socket) or Stop; then the
//    connection closes. Each write must be read within request_timeout_ms. Recorded in the
//    metrics once, when the stream ends.
//  - Metrics: zhixian_http_requests_total{method,route,status} and
//    zhixian_http_request_duration_seconds{route}; `route` is the matched pattern or
//    "unmatched", so labels stay bounded whatever clients send.
//
// Threads: handlers run on `threads` Asio threads, concurrently; a connection's requests run one
// at a time. Stop (also called by the destructor) stops accepting, closes idle connections, lets
// requests in progress finish (up to request_timeout_ms), then joins the threads; it must not
// be called from a handler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "base/status.h"
#include "http/router.h"
#include "http/server_config.h"

namespace zx::http {

struct ServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 address to bind
  uint16_t port = 8080;            // 0 picks a free port; see Server::port()
  int threads = 2;
  size_t max_body_bytes = 64 * 1024;
  int request_timeout_ms = 10000;
  size_t max_header_bytes = 16 * 1024;
  size_t max_websockets = 10000;  // open WebSockets; more are answered 503 with Retry-After
};

// server.http ("HOST:PORT", "[::1]:PORT"), server.threads, server.max_body_bytes and
// server.request_timeout_ms; invalid_argument naming the key when server.http is malformed.
Result<ServerOptions> ServerOptionsFromConfig(const ServerConfig& config);

class Server {
 public:
  // Binds, listens and starts serving. invalid_argument for bad options (naming them),
  // unavailable when the address cannot be bound (e.g. in use).
  static Result<std::unique_ptr<Server>> Start(ServerOptions options,
                                               std::shared_ptr<const Router> router,
                                               Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // Idempotent; thread-safe.
  void Stop();

  struct State;                                   // Beast and Asio stay inside server.cc
  explicit Server(std::unique_ptr<State> state);  // use Start

 private:
  std::unique_ptr<State> state_;
};

}  // namespace zx::http
