#include "security/authenticator.h"

#include <algorithm>

#include "base/log.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "text/pii.h"

namespace zx::security {
namespace {

Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The token of "Bearer <token>"; nullopt for another scheme.
std::optional<std::string_view> BearerToken(std::string_view header) {
  header = Trim(header);
  size_t sp = header.find(' ');
  if (sp == std::string_view::npos || !EqualsNoCase(header.substr(0, sp), "Bearer"))
    return std::nullopt;
  return Trim(header.substr(sp + 1));
}

}  // namespace

LoginPool::LoginPool(int threads, size_t queue) : max_queue_(std::max<size_t>(queue, 1)) {
  for (int i = 0; i < std::max(threads, 1); ++i) threads_.emplace_back([this] { Work(); });
}

LoginPool::~LoginPool() { Stop(); }

bool LoginPool::TrySubmit(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || jobs_.size() >= max_queue_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void LoginPool::Stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  dropped.clear();  // outside the lock: a job's destructor may do anything
}

void LoginPool::Work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      log::Error("login_pool_exception what=\"{}\"", e.what());
    }
  }
}

std::string CsrfTokenFor(std::string_view session_token) {
  return Base64UrlEncode(HmacSm3(session_token, "zx-csrf"));
}

std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    size_t semi = cookie_header.find(';');
    std::string_view pair = Trim(cookie_header.substr(0, semi));
    cookie_header =
        semi == std::string_view::npos ? std::string_view() : cookie_header.substr(semi + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(pair.substr(0, eq)) == name) {
      std::string_view v = Trim(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return std::nullopt;
}

Authenticator::Authenticator(UserStore& users, SessionStore& sessions, ApiKeyStore& api_keys,
                             AuditLog* audit)
    : users_(users), sessions_(sessions), api_keys_(api_keys), audit_(audit) {}

Result<LoginResult> Authenticator::Login(std::string_view name, std::string_view password,
                                         std::string_view remote, std::string_view otp) {
  auto user = users_.CheckPassword(name, password, otp, remote);
  if (!user.ok()) {
    log::Warn("login_failed remote={} reason={}", remote, CodeName(user.status().code()));
    if (audit_) {
      AuditEvent e;
      // What was typed as a name may be anything, even a citizen's phone number: mask it.
      e.actor = text::MaskText(name.substr(0, 64));
      e.role = "unknown";
      e.action = "auth.login_failed";
      e.object_type = "user";
      e.object_id = e.actor;
      e.remote = std::string(remote);
      e.details_json = std::string("{\"reason\":\"") + CodeName(user.status().code()) + "\"}";
      (void)audit_->Append(std::move(e));
    }
    return user.status();
  }
  ZX_ASSIGN_OR_RETURN(auto session, sessions_.Create(user->id, remote));
  LoginResult out;
  out.token = std::move(session.token);
  out.csrf_token = CsrfTokenFor(out.token);
  out.expires_ms = session.expires_ms;
  out.principal = PrincipalFor(*user, Principal::Via::kBearerSession);
  log::Info("login user_id={} role={} remote={}", user->id, RoleName(user->role), remote);
  if (audit_) {
    AuditEvent e = AuditEventBy(out.principal, "auth.login", "user", out.principal.id);
    e.remote = std::string(remote);
    ZX_RETURN_IF_ERROR(audit_->Append(std::move(e)).status());
  }
  return out;
}

std::optional<std::string_view> Authenticator::SessionToken(const Credentials& c,
                                                            bool* via_cookie) {
  *via_cookie = false;
  if (!c.authorization.empty()) {
    auto bearer = BearerToken(c.authorization);
    if (bearer && SessionStore::IsSessionToken(*bearer)) return bearer;
    return std::nullopt;
  }
  if (auto v = CookieValue(c.cookie, kSessionCookie)) {
    *via_cookie = true;
    return v;
  }
  return std::nullopt;
}

Result<Principal> Authenticator::Authenticate(const Credentials& c) {
  if (!c.authorization.empty()) {
    auto token = BearerToken(c.authorization);
    if (!token) return Unauthenticated("unsupported Authorization scheme; use Bearer");
    if (ApiKeyStore::IsApiKey(*token)) {
      ZX_ASSIGN_OR_RETURN(auto client, api_keys_.Validate(*token));
      return PrincipalFor(client);
    }
    if (!SessionStore::IsSessionToken(*token)) return Unauthenticated("malformed bearer token");
    ZX_ASSIGN_OR_RETURN(auto user_id, sessions_.Validate(*token));
    auto user = users_.Get(user_id);
    if (!user.ok() || user->disabled) return Unauthenticated("account disabled");
    return PrincipalFor(*user, Principal::Via::kBearerSession);
  }
  if (auto cookie = CookieValue(c.cookie, kSessionCookie)) {
    ZX_ASSIGN_OR_RETURN(auto user_id, sessions_.Validate(*cookie));
    auto user = users_.Get(user_id);
    if (!user.ok() || user->disabled) return Unauthenticated("account disabled");
    return PrincipalFor(*user, Principal::Via::kCookieSession);
  }
  return Principal::Anonymous();
}

Status Authenticator::Logout(const Credentials& c, std::string_view remote) {
  ZX_ASSIGN_OR_RETURN(auto who, Authenticate(c));
  bool via_cookie = false;
  auto token = SessionToken(c, &via_cookie);
  if (!token) return Unauthenticated("no session to log out of");
  ZX_RETURN_IF_ERROR(sessions_.Revoke(*token));
  if (audit_) {
    AuditEvent e = AuditEventBy(who, "auth.logout", "user", who.id);
    e.remote = std::string(remote);
    ZX_RETURN_IF_ERROR(audit_->Append(std::move(e)).status());
  }
  return Status::Ok();
}

Status Authenticator::CheckCsrf(const Credentials& c, std::string_view method,
                                std::string_view csrf_header) const {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return Status::Ok();
  bool via_cookie = false;
  auto token = SessionToken(c, &via_cookie);
  if (!token || !via_cookie) return Status::Ok();
  if (ConstantTimeEquals(Trim(csrf_header), CsrfTokenFor(*token))) return Status::Ok();
  return {Code::kPermissionDenied, "missing or wrong X-CSRF-Token for a cookie session"};
}

}  // namespace zx::security
