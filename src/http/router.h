// Router: maps a method and a path to a Handler.
//
//   Router router;
//   router.Add("GET", "/healthz", Healthz);
//   router.Add("POST", "/api/v1/conversations/{id}/messages", PostMessage);
//
// A pattern is '/'-separated literal segments and `{name}` segments; `{name}` matches one
// non-empty segment, percent-decoded into Request::path_params. Where several patterns match,
// the one with a literal segment earliest wins (`/a/new` beats `/a/{id}`). HEAD is served by the
// GET handler when there is no HEAD route. An unknown path answers 404 and a known path with
// another method 405 with `Allow`, both as JSON errors (http/errors.h).
//
// Built once at start-up, then shared read-only: Add is not thread-safe, everything else is.
// A malformed pattern or a second handler for the same method and pattern is a programming
// error: Add stops the process with a message naming the pattern.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace zx::http {

class Router {
 public:
  void Add(std::string_view method, std::string_view pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    std::string route;                 // the matched pattern; "" when no pattern matched
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
  };
  // Fills `params` and returns true when `segments` (of a path) match `route`.
  static bool Matches(const Route& route, const std::vector<std::string_view>& segments,
                      Fields* params);
  std::vector<Route> routes_;
};

}  // namespace zx::http
