// WebSocket routes, free of Beast for handlers.
//
// A route that takes WebSockets is an ordinary GET route (so the router, the auth middleware,
// request ids and metrics apply to the upgrade request as to any other) whose handler answers
// with UpgradeToWebSocket; the server then completes the handshake (101) and runs the
// connection, calling the handler's callbacks:
//
//   router.Add("GET", "/api/v1/echo", "chat", [](const Request& req) {
//     auto h = std::make_shared<WebSocketHandler>();
//     auto conn = std::make_shared<std::weak_ptr<WebSocketConnection>>();
//     h->on_open = [conn](std::shared_ptr<WebSocketConnection> c) { *conn = c; };
//     h->on_message = [conn](std::string_view text) {
//       if (auto c = conn->lock()) c->Send(std::string(text));
//     };
//     return UpgradeToWebSocket(req, std::move(h));
//   });
//
// Each upgrade gets its own handler object, so per-connection state lives in its closures.
//
// What the server does for every WebSocket (src/http/websocket.cc):
//  - Text messages only: a binary message closes with 1003. Invalid UTF-8 closes with 1007.
//  - A message over max_message_bytes closes with 1009 (message too big).
//  - Nothing heard from the peer for idle_timeout_ms closes the connection; a ping is sent
//    after half that time, so a live browser (which answers pings) stays connected.
//  - Outgoing messages are queued per connection and written in order, one at a time; more
//    than max_queued_bytes waiting (a peer that does not read) closes with 1013.
//  - Server::Stop closes every WebSocket with 1001 (going away) and waits for the close.
//
// Threads: the callbacks of one connection run one at a time, in order, on the server's
// threads; the next message is not read before on_message returns (so a slow handler slows
// only its own client). An exception from a callback is logged and closes with 1011.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/request.h"

namespace zx::http {

// One open WebSocket as a handler sees it. Thread-safe: Send and Close may be called from any
// thread, also after the connection has gone (they then do nothing).
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  // Queues one text message (valid UTF-8). False when the connection is closing or gone.
  virtual bool Send(std::string text) = 0;
  // Sends what is queued, then closes with `code` (1000 normal, 1008 policy, ...) and a short
  // `reason` (at most 123 bytes, cut otherwise).
  virtual void Close(int code = 1000, std::string reason = "") = 0;
  // The X-Request-Id of the upgrade request: a correlation id for logs.
  virtual const std::string& request_id() const = 0;
};

struct WebSocketHandler {
  // Once the handshake is done, before any message; keep the connection (weakly) to send.
  std::function<void(std::shared_ptr<WebSocketConnection>)> on_open;
  // Each text message received, in order.
  std::function<void(std::string_view text)> on_message;
  // Once, when the connection is gone (only after on_open): the close code the peer sent or
  // the server closed with, 1006 when the connection broke without a close.
  std::function<void(int code)> on_close;

  size_t max_message_bytes = 64 * 1024;  // a larger message closes with 1009
  int idle_timeout_ms = 60000;           // silence (no data, no pong) for this long closes
  size_t max_queued_bytes = 1 << 20;     // unsent outgoing bytes; more closes with 1013
};

// Whether `request` asks for a WebSocket (RFC 6455): GET, `Upgrade: websocket`, a `Connection`
// with the `upgrade` token, `Sec-WebSocket-Key` and `Sec-WebSocket-Version: 13`.
bool IsWebSocketUpgrade(const Request& request);

// Whether the handshake comes from one of this server's own pages: no Origin (not a browser),
// or an Origin whose host[:port] is the request's Host. Guards against cross-site WebSocket
// hijacking, where another site's page opens a socket with the visitor's cookies.
bool SameOrigin(const Request& request);

// The answer of a WebSocket route: the upgrade to `handler` when the request asks for one, or
// else 426 (upgrade_required) as a JSON error with `Upgrade: websocket` (426 also answers a
// request for another WebSocket version, with `Sec-WebSocket-Version: 13`); 403 for a
// cross-origin browser (SameOrigin).
Response UpgradeToWebSocket(const Request& request, std::shared_ptr<WebSocketHandler> handler);

}  // namespace zx::http
