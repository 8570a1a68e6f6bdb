#include "security/sessions.h"

#include <algorithm>

#include "security/crypto.h"
#include "security/encoding.h"
#include "security/schema.h"

namespace zx::security {
namespace {
constexpr std::string_view kPrefix = "zxs_";
constexpr size_t kTokenBytes = 32;
Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
}  // namespace

Result<std::unique_ptr<SessionStore>> SessionStore::Open(storage::Database& db, const Clock& clock,
                                                         SessionOptions options) {
  ZX_RETURN_IF_ERROR(MigrateSecurity(db));
  return std::unique_ptr<SessionStore>(new SessionStore(db, clock, options));
}

bool SessionStore::IsSessionToken(std::string_view token) {
  return token.size() == kPrefix.size() + 43 && token.substr(0, kPrefix.size()) == kPrefix;
}

std::string SessionStore::TokenHash(std::string_view token) { return HexEncode(Sm3(token)); }

Result<NewSession> SessionStore::Create(int64_t user_id, std::string_view remote) {
  NewSession s;
  s.token = std::string(kPrefix) + Base64UrlEncode(RandomBytes(kTokenBytes));
  int64_t now = clock_.NowUnixMillis();
  s.expires_ms = now + options_.ttl.count();
  ZX_ASSIGN_OR_RETURN(
      auto q,
      db_.Prepare(
          "INSERT INTO sec_sessions (token_hash, user_id, created_at, expires_at, last_seen_at, "
          "remote) VALUES (?1, ?2, ?3, ?4, ?3, ?5)"));
  q.Bind(1, TokenHash(s.token)).Bind(2, user_id).Bind(3, now).Bind(4, s.expires_ms);
  q.Bind(5, remote.substr(0, 128));
  ZX_RETURN_IF_ERROR(q.Run());
  return s;
}

Result<int64_t> SessionStore::Validate(std::string_view token) {
  if (!IsSessionToken(token)) return Unauthenticated("not a session token");
  const std::string hash = TokenHash(token);
  ZX_ASSIGN_OR_RETURN(
      auto q,
      db_.Prepare(
          "SELECT token_hash, user_id, expires_at, last_seen_at, revoked_at FROM sec_sessions "
          "WHERE token_hash = ?1"));
  q.Bind(1, hash);
  ZX_ASSIGN_OR_RETURN(auto row, q.Step());
  if (!row || !ConstantTimeEquals(q.Text(0), hash))
    return Unauthenticated("unknown session; log in again");
  int64_t user_id = q.Int(1), expires = q.Int(2), last_seen = q.Int(3);
  bool revoked = !q.IsNull(4);
  int64_t now = clock_.NowUnixMillis();
  if (revoked) return Unauthenticated("session ended; log in again");
  if (now >= expires) return Unauthenticated("session expired; log in again");
  if (now >= last_seen + options_.idle.count())
    return Unauthenticated("session expired after inactivity; log in again");
  // Idle time counts from the last request: refresh last-seen, at most every touch_every but
  // at least every 1/60 of the idle time (once a second for idle = 1 minute), so an active
  // session never ends early by more than that.
  int64_t touch_every = std::min<int64_t>(options_.touch_every.count(), options_.idle.count() / 60);
  if (now - last_seen >= touch_every) {
    ZX_ASSIGN_OR_RETURN(
        auto touch, db_.Prepare("UPDATE sec_sessions SET last_seen_at = ?1 WHERE token_hash = ?2"));
    touch.Bind(1, now).Bind(2, hash);
    ZX_RETURN_IF_ERROR(touch.Run());
  }
  return user_id;
}

Status SessionStore::Revoke(std::string_view token) {
  ZX_ASSIGN_OR_RETURN(
      auto q,
      db_.Prepare(
          "UPDATE sec_sessions SET revoked_at = coalesce(revoked_at, ?1) WHERE token_hash = ?2 "
          "RETURNING user_id"));
  q.Bind(1, clock_.NowUnixMillis()).Bind(2, TokenHash(token));
  ZX_ASSIGN_OR_RETURN(auto row, q.Step());
  bool found = row;
  ZX_RETURN_IF_ERROR(q.Run());
  if (!found) return NotFound("no such session");
  return Status::Ok();
}

Status SessionStore::RevokeAllForUser(int64_t user_id) {
  ZX_ASSIGN_OR_RETURN(
      auto q,
      db_.Prepare(
          "UPDATE sec_sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL"));
  q.Bind(1, clock_.NowUnixMillis()).Bind(2, user_id);
  return q.Run();
}

Result<int64_t> SessionStore::PurgeEnded() {
  int64_t cutoff = clock_.NowUnixMillis() - 24 * 3600 * 1000LL;
  ZX_ASSIGN_OR_RETURN(
      auto q, db_.Prepare("DELETE FROM sec_sessions WHERE expires_at < ?1 OR revoked_at < ?1 OR "
                          "last_seen_at + ?2 < ?1 RETURNING 1"));
  q.Bind(1, cutoff).Bind(2, int64_t{options_.idle.count()});
  int64_t n = 0;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(auto row, q.Step());
    if (!row) return n;
    ++n;
  }
}

}  // namespace zx::security
