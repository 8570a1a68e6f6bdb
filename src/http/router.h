// Router: maps a method and a path to a Handler, and names the permission each route needs.
//
//   Router router;
//   router.Add("GET", "/healthz", "system.health", Healthz);
//   router.Add("POST", "/api/v1/conversations/{id}/messages", "conversation.own", PostMessage);
//
// Permissions: every route names ONE permission of the policy table (security/policy.h). The
// auth middleware (http/auth.h), installed with SetMiddleware, checks it before the handler
// runs and puts the caller in Request::principal; handlers check only what depends on the
// record (the scope: security::Authorize(req.principal, permission, record_scope)). Open
// permissions ("ask", "chat", "kb.read", "conversation.own", "auth.login", "system.health")
// let anonymous citizens in. The three-argument Add registers a route WITHOUT a permission: it
// exists for the router's own tests; with the auth middleware such a route answers 500, and the
// route x role test (tests/security) fails naming it.
//
// A pattern is '/'-separated literal segments and `{name}` segments; `{name}` matches one
// non-empty segment, percent-decoded into Request::path_params. Where several patterns match,
// the one with a literal segment earliest wins (`/a/new` beats `/a/{id}`). HEAD is served by the
// GET handler when there is no HEAD route. An unknown path answers 404 and a known path with
// another method 405 with `Allow`, both as JSON errors (http/errors.h).
//
// Route sets: the routes of one domain module are a route set, a file pair next to this one
// (knowledge_routes, conversation_routes, staff_routes, notice_call_routes, ...) offering
//
//   void Add<Name>Routes(Router& router, <the services it calls>&..., <options>);
//
// whose arguments outlive the router. Only route sets include domain modules; the core of http
// (server, router, request, errors, the auth middleware, WebSocket, static files) includes
// base, text and security only (src/LAYERS "core http", checked by scripts/check_layers.py),
// so http stays below the modules it serves and a new module brings its own route set. app
// binds each to its services as a RouteSet and adds them in order with AddRouteSets.
//
// Built once at start-up, then shared read-only: Add is not thread-safe, everything else is.
// A malformed pattern or a second handler for the same method and pattern is a programming
// error: Add stops the process with a message naming the pattern.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace zx::http {

// What the middleware learns about the route a request matched.
struct RouteInfo {
  std::string method;      // the route's method ("GET" also for a HEAD served by GET)
  std::string pattern;     // "/api/v1/users/{id}"; "" when no route matched
  std::string permission;  // "user.manage"; "" when no route matched or none was given
  bool matched = false;    // a handler will run (false: 404 or 405 follows)
};

class Router {
 public:
  // `permission` must be non-empty; whether it is in the policy table is checked by the auth
  // middleware and the route x role test (the router knows nothing of the policy).
  void Add(std::string_view method, std::string_view pattern, std::string_view permission,
           Handler handler);
  // A route without a permission: for the router's own tests only (see above).
  void Add(std::string_view method, std::string_view pattern, Handler handler);
  // Lets the route added last take request bodies up to `bytes` (an upload: a target file, a
  // policy document, a batch of test questions) instead of the server's max_body_bytes.
  void AllowBodyUpTo(size_t bytes);
  // The body limit of the route `method` `path` would match; 0 for the server's default.
  size_t BodyLimit(std::string_view method, std::string_view path) const;
  // The largest body limit of any route; 0 when none has its own.
  size_t LargestBodyLimit() const;

  // Runs around every request, matched or not: `next` calls the route's handler (or answers
  // 404/405); the middleware may answer instead (401, 403, 429) or change the answer. Set once,
  // before the router is shared.
  using Next = std::function<Response(Request&)>;
  using Middleware = std::function<Response(Request&, const RouteInfo&, const Next& next)>;
  void SetMiddleware(Middleware middleware) { middleware_ = std::move(middleware); }

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    std::string route;                 // the matched pattern; "" when no pattern matched
    std::string method;                // the matched route's method
    std::string permission;            // the matched route's permission
    size_t max_body = 0;               // the matched route's body limit (0: the server's)
    Fields path_params;
    std::string allow;  // when the path matched but not the method: "GET, HEAD, POST"
  };
  Match Find(std::string_view method, std::string_view path) const;

  // Finds the route, fills request.path_params and calls the handler, or answers 404/405.
  // `route`, if given, receives the matched pattern ("" if none): a bounded metrics label.
  // Exceptions from the handler propagate to the caller (the server turns them into 500).
  Response Handle(Request& request, std::string* route = nullptr) const;

  // "GET /healthz", ...; in registration order.
  std::vector<std::string> Describe() const;
  // Every route with its permission, in registration order (for the route x role test and
  // GET /api/v1/system/routes). `matched` is true in each.
  std::vector<RouteInfo> Routes() const;

 private:
  struct Segment {
    std::string text;  // the literal, or the parameter name
    bool param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
    std::string permission;
    size_t max_body = 0;  // 0: the server's max_body_bytes
  };
  // Calls the matched handler, or answers 404/405.
  Response Dispatch(Request& request, const Match& m) const;
  // Fills `params` and returns true when `segments` (of a path) match `route`.
  static bool Matches(const Route& route, const std::vector<std::string_view>& segments,
                      Fields* params);
  std::vector<Route> routes_;
  Middleware middleware_;
};

// A route set bound to its services: `[&] (Router& r) { AddKnowledgeRoutes(r, engine, m); }`.
using RouteSet = std::function<void(Router&)>;
// Adds `sets` to `router` in order (order matters only where patterns overlap, see above).
void AddRouteSets(Router& router, const std::vector<RouteSet>& sets);

}  // namespace zx::http
