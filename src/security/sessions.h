// SessionStore: login sessions for staff, as opaque bearer tokens.
//
// A token is "zxs_" + base64url(32 random bytes), handed to the client once (as a Bearer token
// or in the zx_session cookie) and stored only as its hex SM3 digest, so a copy of the
// database cannot be used to log in. A session ends at the first of: `ttl` after login, `idle`
// without use, revocation (logout, password change, user disabled).
//
// Thread-safe (state in the database). Times come from the injected Clock. Errors: Validate
// answers kUnauthenticated with a reason the user may see ("session expired; log in again").
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "storage/database.h"

namespace zx::security {

struct SessionOptions {
  std::chrono::milliseconds ttl = std::chrono::hours(8);      // one shift
  std::chrono::milliseconds idle = std::chrono::minutes(30);  // without a request
  // Last-seen is written at most this often, and at least every idle / 60.
  std::chrono::milliseconds touch_every = std::chrono::minutes(1);
};

struct NewSession {
  std::string token;       // the secret; shown once
  int64_t expires_ms = 0;  // absolute expiry (idle expiry may come first)
};

class SessionStore {
 public:
  // Migrates the security tables if needed. `db` and `clock` must outlive the store.
  static Result<std::unique_ptr<SessionStore>> Open(storage::Database& db, const Clock& clock,
                                                    SessionOptions options = {});

  // A new session for `user_id` (an existing user); `remote` is the client address, recorded.
  Result<NewSession> Create(int64_t user_id, std::string_view remote);
  // The user id of a live session; refreshes its last-seen time.
  Result<int64_t> Validate(std::string_view token);
  // Ends the session (idempotent; kNotFound for a token that never existed).
  Status Revoke(std::string_view token);
  Status RevokeAllForUser(int64_t user_id);
  // Deletes sessions that ended more than a day ago; returns how many.
  Result<int64_t> PurgeEnded();

  // "zxs_" tokens are session tokens (cheap syntactic check, no lookup).
  static bool IsSessionToken(std::string_view token);
  // The stored form of a token: hex SM3.
  static std::string TokenHash(std::string_view token);

 private:
  SessionStore(storage::Database& db, const Clock& clock, SessionOptions options)
      : db_(db), clock_(clock), options_(options) {}
  storage::Database& db_;
  const Clock& clock_;
  const SessionOptions options_;
};

}  // namespace zx::security
