#include "http/auth.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "http/errors.h"
#include "http/utf8.h"
#include "security/policy.h"

namespace zx::http {
namespace {

bool Unsafe(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

std::string AccessPurpose(const Request& request) {
  std::string_view header = request.Header(kPurposeHeader);
  std::string decoded;
  if (header.find('%') != std::string_view::npos) {
    decoded = PercentDecode(header, /*plus_is_space=*/false);
    const bool beyond_ascii = std::any_of(decoded.begin(), decoded.end(), [](char c) {
      return static_cast<unsigned char>(c) >= 0x80;
    });
    if (beyond_ascii && !FindInvalidUtf8(decoded)) header = decoded;
  }
  std::string out;
  for (char c : header)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  // At most 200 bytes, never cutting a UTF-8 character.
  if (out.size() > 200) {
    size_t end = 200;
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
    out.resize(end);
  }
  return out;
}

security::Credentials CredentialsOf(const Request& request) {
  return {request.Header("Authorization"), request.Header("Cookie")};
}

AuthMiddleware::AuthMiddleware(security::Authenticator& authenticator, security::AuditLog* audit,
                               RateLimiter* limiter, Metrics* metrics, AuthOptions options)
    : authenticator_(authenticator),
      audit_(audit),
      limiter_(limiter),
      options_(std::move(options)) {
  if (options_.logins_per_minute > 0)
    login_limiter_ = std::make_unique<RateLimiter>(
        options_.logins_per_minute, options_.clock ? *options_.clock : SystemClock::Instance());
  if (metrics)
    outcomes_ = &metrics->AddCounter(
        "zhixian_http_auth_total",
        "Requests refused before their handler, by reason (rate_limited, unauthenticated, "
        "csrf, forbidden, misconfigured).",
        {"reason"});
}

Response AuthMiddleware::Refuse(const Request& request, const RouteInfo& route,
                                const Status& status, std::string_view reason) const {
  if (outcomes_) outcomes_->With({reason}).Inc();
  Response res = ErrorResponse(status);
  if (res.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"zhixian\"");
  log::Debug("http_refused id={} route={} reason={}", request.request_id, route.pattern, reason);
  return res;
}

bool AuthMiddleware::Record(const Request& request, const RouteInfo& route, int status) const {
  if (!audit_) return true;
  bool denied = status == 401 || status == 403;
  security::AuditEvent e =
      security::AuditEventBy(request.principal, denied ? "http.denied" : "http.access", "route",
                             route.method + " " + route.pattern);
  e.remote = std::string(ClientAddress(request.remote_address));
  e.purpose = AccessPurpose(request);
  nlohmann::json details = {{"path", request.path.substr(0, 200)},
                            {"method", request.method.substr(0, 16)},
                            {"status", status},
                            {"permission", route.permission},
                            {"request_id", request.request_id}};
  e.details_json = details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto appended = audit_->Append(std::move(e));
  if (!appended.ok()) {
    log::Error("audit_append_failed id={} route={} error=\"{}\"", request.request_id, route.pattern,
               appended.status().message());
    return false;
  }
  return true;
}

Response AuthMiddleware::operator()(Request& request, const RouteInfo& route,
                                    const Router::Next& next) const {
  request.principal = security::Principal::Anonymous();
  if (limiter_ && request.path.rfind("/api/", 0) == 0) {
    int retry_after = 1;
    if (!limiter_->Allow(ClientAddress(request.remote_address), &retry_after)) {
      Response res = Refuse(request, route,
                            ResourceExhausted("too many requests from your address; try again in " +
                                              std::to_string(retry_after) + " s"),
                            "rate_limited");
      res.headers.emplace_back("Retry-After", std::to_string(retry_after));
      return res;
    }
  }
  if (!route.matched) return next(request);

  const security::PolicyRule* rule =
      route.permission.empty() ? nullptr : security::FindPermission(route.permission);
  if (!rule) {
    log::Error("route_without_permission route=\"{} {}\" permission=\"{}\"", route.method,
               route.pattern, route.permission);
    return Refuse(request, route,
                  Internal("this route has no valid permission; request id " + request.request_id),
                  "misconfigured");
  }

  if (login_limiter_ && route.permission == "auth.login") {
    int retry_after = 1;
    if (!login_limiter_->Allow(ClientAddress(request.remote_address), &retry_after)) {
      Response res = Refuse(request, route,
                            ResourceExhausted("too many logins from your address; try again in " +
                                              std::to_string(retry_after) + " s"),
                            "rate_limited");
      res.headers.emplace_back("Retry-After", std::to_string(retry_after));
      return res;
    }
  }

  security::Credentials credentials = CredentialsOf(request);
  auto who = authenticator_.Authenticate(credentials);
  bool csrf_ok =
      authenticator_.CheckCsrf(credentials, request.method, request.Header(security::kCsrfHeader))
          .ok();

  if (rule->open) {
    // A citizen route: whoever the credentials say, else anonymous; never refused here.
    if (who.ok() && csrf_ok) request.principal = *who;
    return next(request);
  }

  if (!who.ok()) return Refuse(request, route, who.status(), "unauthenticated");
  if (!who->authenticated()) {
    bool local =
        std::find(options_.loopback_permissions.begin(), options_.loopback_permissions.end(),
                  route.permission) != options_.loopback_permissions.end() &&
        IsLoopback(ClientAddress(request.remote_address));
    if (local) return next(request);
    return Refuse(request, route, {Code::kUnauthenticated, "log in first"}, "unauthenticated");
  }
  request.principal = *who;
  if (!csrf_ok && Unsafe(request.method)) {
    Response res = Refuse(
        request, route,
        {Code::kPermissionDenied, "missing or wrong X-CSRF-Token for a cookie session"}, "csrf");
    if (!Record(request, route, res.status))
      return ErrorResponse(Unavailable("audit log unavailable"));
    return res;
  }
  Status allowed = security::AuthorizeRoute(*who, route.permission);
  if (!allowed.ok()) {
    Response res = Refuse(request, route, allowed, "forbidden");
    if (!Record(request, route, res.status))
      return ErrorResponse(Unavailable("audit log unavailable"));
    return res;
  }
  Response res = next(request);
  if (res.deferred) {
    // Recorded when the answer is known; the request itself does not outlive this call.
    auto seen = std::make_shared<const std::pair<Request, RouteInfo>>(request, route);
    return Response::Later([this, seen, start = std::move(res.deferred)](Responder done) {
      start([this, seen, done](Response answer) {
        if (!Record(seen->first, seen->second, answer.status))
          answer = ErrorResponse(
              Unavailable("the audit log cannot be written; the request was not answered"));
        done(std::move(answer));
      });
    });
  }
  if (!Record(request, route, res.status))
    return ErrorResponse(
        Unavailable("the audit log cannot be written; the request was not answered"));
  return res;
}

void InstallAuth(Router& router, std::shared_ptr<const AuthMiddleware> middleware) {
  router.SetMiddleware([middleware = std::move(middleware)](
                           Request& request, const RouteInfo& route, const Router::Next& next) {
    return (*middleware)(request, route, next);
  });
}

}  // namespace zx::http
