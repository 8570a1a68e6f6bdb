// Request and Response: plain values that handlers take and return, free of Beast, so that a
// handler is a function testable without a server.
//
//   Response Hello(const Request& req) {
//     return Response::Json(200, {{"hello", req.PathParam("name")}});
//   }
//
// Thread-safety: plain values; a Handler is called concurrently from the server's threads and
// must be thread-safe itself.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "security/roles.h"

namespace zx::http {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct WebSocketHandler;  // http/websocket.h

struct Request {
  std::string method;          // "GET", "POST", ... (upper case, as sent)
  std::string path;            // the target before '?', not decoded: "/api/v1/ask"
  Fields query;                // decoded query parameters, in order
  Fields headers;              // as received; look up with Header()
  std::string body;            // raw bytes; not validated
  std::string remote_address;  // "127.0.0.1:53124"
  std::string request_id;      // the X-Request-Id of the response
  Fields path_params;          // decoded {name} segments of the matched route
  // Who is calling, set by the auth middleware (http/auth.h) before the handler runs; anonymous
  // on open routes without (valid) credentials, and when no middleware is installed.
  security::Principal principal;

  // The first header of that name (case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
  // The first query parameter of that name, if any.
  std::optional<std::string_view> Query(std::string_view name) const;
  // The path parameter of that name, or "" when the route has none.
  std::string_view PathParam(std::string_view name) const;
};

struct Response;
// Delivers a deferred response (Response::Later); callable once, from any thread.
using Responder = std::function<void(Response)>;

// A streamed answer (Response::Stream), e.g. Server-Sent Events: after the status and headers
// the server calls `next` on the connection's strand, at once and then every `every`, and sends
// what it returns ("" sends nothing this time) until it returns nullopt, the client goes away
// or the server stops (then the stream just ends). The response is never kept alive. `next`
// runs on a server thread: keep it short; per-stream state lives in its closure, and it may
// hold references only to what outlives the server.
struct EventStream {
  std::chrono::milliseconds every{1000};
  std::function<std::optional<std::string>()> next;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Fields headers;  // extra headers; the server adds request id and security headers
  // Set by UpgradeToWebSocket (http/websocket.h): the server switches the connection to it.
  std::shared_ptr<WebSocketHandler> websocket;
  // Set by Later: the server calls it with a Responder instead of sending this response, and
  // sends what the Responder is given, on the connection's strand. For work that must not block
  // the server's threads (a login's password hash runs on its own pool). The connection waits
  // (and stays open) until the Responder is called or destroyed; whoever holds Responders must
  // call or drop them before the server is destroyed.
  std::function<void(Responder)> deferred;
  // Set by Stream: the body is sent piece by piece as `stream` gives it (HTTP/1.1 chunked).
  std::shared_ptr<EventStream> stream;

  // A response that `start` completes later by calling the Responder it is given.
  static Response Later(std::function<void(Responder)> start);
  // A 200 whose body `stream` gives, as `content_type` (default text/event-stream).
  static Response Stream(std::shared_ptr<EventStream> stream,
                         std::string content_type = "text/event-stream; charset=utf-8");

  // `value` serialised compactly; invalid UTF-8 in strings is replaced, never thrown.
  static Response Json(int status, const nlohmann::json& value);
  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // The first header of that name (case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

using Handler = std::function<Response(const Request&)>;

// One Server-Sent Event: "event: NAME\ndata: LINE\n...\n\n" (each line of `data` its own
// data field; no event field when `name` is empty). A comment (": TEXT\n\n") is a heartbeat.
std::string SseEvent(std::string_view name, std::string_view data);
std::string SseComment(std::string_view text);

// Splits "a=1&b=%E5%8C%BB+x" into decoded pairs ('+' is a space; bad escapes stay as they are).
Fields ParseQuery(std::string_view query);
// Decodes %XX escapes; `plus_is_space` for query strings.
std::string PercentDecode(std::string_view text, bool plus_is_space);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace zx::http
