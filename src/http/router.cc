#include "http/router.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "http/errors.h"

namespace zx::http {
namespace {

[[noreturn]] void Fatal(const std::string& message) {
  std::fprintf(stderr, "router: %s\n", message.c_str());
  std::abort();
}

// "/a/b" -> {"a", "b"}; "/" -> {""}. `path` starts with '/'.
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool ValidParamName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool ValidMethod(std::string_view method) {
  return !method.empty() &&
         std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

void Router::Add(std::string_view method, std::string_view pattern, std::string_view permission,
                 Handler handler) {
  if (permission.empty())
    Fatal(std::string(method) + " " + std::string(pattern) + ": empty permission");
  Add(method, pattern, std::move(handler));
  routes_.back().permission = std::string(permission);
}

void Router::Add(std::string_view method, std::string_view pattern, Handler handler) {
  std::string where = std::string(method) + " " + std::string(pattern);
  if (!ValidMethod(method)) Fatal(where + ": method must be upper-case letters");
  if (pattern.empty() || pattern[0] != '/') Fatal(where + ": pattern must start with '/'");
  if (!handler) Fatal(where + ": empty handler");
  Route route{std::string(method), std::string(pattern), {}, std::move(handler), ""};
  std::set<std::string_view> names;
  for (std::string_view s : Split(pattern)) {
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      std::string_view name = s.substr(1, s.size() - 2);
      if (!ValidParamName(name)) Fatal(where + ": bad parameter name '" + std::string(name) + "'");
      if (!names.insert(name).second)
        Fatal(where + ": parameter '" + std::string(name) + "' appears twice");
      route.segments.push_back({std::string(name), true});
    } else {
      if (s.find_first_of("{}") != std::string_view::npos)
        Fatal(where + ": a parameter must be a whole segment");
      route.segments.push_back({std::string(s), false});
    }
  }
  for (const auto& r : routes_) {
    bool same_shape = r.method == route.method && r.segments.size() == route.segments.size();
    for (size_t i = 0; same_shape && i < r.segments.size(); ++i)
      same_shape = r.segments[i].param == route.segments[i].param &&
                   (r.segments[i].param || r.segments[i].text == route.segments[i].text);
    if (same_shape) Fatal(where + ": already routed as " + r.method + " " + r.pattern);
  }
  routes_.push_back(std::move(route));
}

bool Router::Matches(const Route& route, const std::vector<std::string_view>& segments,
                     Fields* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = route.segments[i];
    if (s.param ? segments[i].empty() : s.text != segments[i]) return false;
  }
  params->clear();
  for (size_t i = 0; i < segments.size(); ++i)
    if (route.segments[i].param)
      params->emplace_back(route.segments[i].text, PercentDecode(segments[i], false));
  return true;
}

void Router::AllowBodyUpTo(size_t bytes) {
  if (!routes_.empty()) routes_.back().max_body = bytes;
}

size_t Router::BodyLimit(std::string_view method, std::string_view path) const {
  return Find(method, path.substr(0, path.find('?'))).max_body;
}

size_t Router::LargestBodyLimit() const {
  size_t largest = 0;
  for (const Route& r : routes_) largest = std::max(largest, r.max_body);
  return largest;
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  if (path.empty() || path[0] != '/') return match;
  std::vector<std::string_view> segments = Split(path);
  const Route* best = nullptr;
  std::vector<int> best_rank, rank;
  Fields params;
  for (const Route& r : routes_) {
    // HEAD falls back to GET; an explicit HEAD route is preferred (its rank ends lower).
    bool head_via_get = method == "HEAD" && r.method == "GET";
    if ((r.method != method && !head_via_get) || !Matches(r, segments, &params)) continue;
    // Lower ranks first: literals before parameters, from the left.
    rank.clear();
    for (const auto& s : r.segments) rank.push_back(s.param ? 1 : 0);
    rank.push_back(head_via_get ? 1 : 0);
    if (!best || rank < best_rank) {
      best = &r;
      best_rank = rank;
      match.path_params = params;
    }
  }
  if (best) {
    match.handler = &best->handler;
    match.route = best->pattern;
    match.method = best->method;
    match.permission = best->permission;
    match.max_body = best->max_body;
    return match;
  }
  // No handler: is it the method (405) or the path (404)?
  std::set<std::string> allowed;
  for (const Route& r : routes_) {
    if (!Matches(r, segments, &params)) continue;
    if (match.route.empty()) match.route = r.pattern;  // a bounded label for metrics
    allowed.insert(r.method);
    if (r.method == "GET") allowed.insert("HEAD");
  }
  for (const auto& m : allowed) match.allow += (match.allow.empty() ? "" : ", ") + m;
  return match;
}

Response Router::Handle(Request& request, std::string* route) const {
  Match m = Find(request.method, request.path);
  if (route) *route = m.route;
  if (m.handler) request.path_params = std::move(m.path_params);
  if (!middleware_) return Dispatch(request, m);
  RouteInfo info{m.method, m.handler ? m.route : "", m.permission, m.handler != nullptr};
  return middleware_(request, info, [this, &m](Request& r) { return Dispatch(r, m); });
}

Response Router::Dispatch(Request& request, const Match& m) const {
  if (m.handler) return (*m.handler)(request);
  // Error bodies never echo the request (a reflected path is a vector for injection into
  // whatever shows the error): they say what is wrong in words of our own.
  if (!m.allow.empty()) {
    Response r = ErrorResponse(405, "method_not_allowed",
                               "this method is not allowed here; allowed: " + m.allow);
    r.headers.emplace_back("Allow", m.allow);
    return r;
  }
  return ErrorResponse(NotFound("no such route; the API is described in api/openapi.yaml"));
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : routes_) out.push_back({r.method, r.pattern, r.permission, true});
  return out;
}

std::vector<std::string> Router::Describe() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) out.push_back(r.method + " " + r.pattern);
  return out;
}

void AddRouteSets(Router& router, const std::vector<RouteSet>& sets) {
  for (const RouteSet& add : sets) add(router);
}

}  // namespace zx::http
