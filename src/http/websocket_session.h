// Internal to the HTTP server (server.cc and websocket.cc only): the hand-over of an upgraded
// connection from the HTTP session to the WebSocket session. Handlers use http/websocket.h.
#pragma once

#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "http/websocket.h"

namespace zx::http::internal {

class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;
  // Closes with 1001 (going away) after what is queued; thread-safe, idempotent.
  virtual void Stop() = 0;
};

struct WebSocketStart {
  std::string request_id;
  std::chrono::milliseconds handshake_timeout{10000};  // opening and closing handshakes
  // Destroyed when the session has ended: holds what must live until then.
  std::function<void()> on_done;
};

// Accepts the upgrade `request` on `stream` (whose executor is the connection's strand) and runs
// the connection with `handler`. Returns the session, which keeps itself alive while it runs.
std::shared_ptr<WebSocketSession> StartWebSocket(
    boost::beast::tcp_stream stream,
    boost::beast::http::request<boost::beast::http::string_body> request,
    std::shared_ptr<WebSocketHandler> handler, WebSocketStart start);

}  // namespace zx::http::internal
