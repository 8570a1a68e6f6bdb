// ApiKeyStore: integration clients (role integration), e.g. a department's own ticket system
// or the provincial 12345 platform, authenticated by an API key.
//
// A key is "zxk_<id>_<secret>": <id> is 16 hex digits (public, names the client in logs and the
// audit log), <secret> is base64url(32 random bytes). Only SM3(secret) is stored; Validate looks
// the client up by id and compares digests in constant time. The full key is returned once, by
// Create, and cannot be recovered: a lost key is revoked and replaced.
//
// Thread-safe (state in the database). Errors: kInvalidArgument (bad name), kAlreadyExists (name
// taken), kNotFound, kUnauthenticated ("invalid API key", the same for every kind of mismatch).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "security/roles.h"
#include "storage/database.h"

namespace zx::security {

struct ApiClient {
  std::string id;  // 16 hex digits
  std::string name;
  Scope scope;  // limits the client like a department handler; empty = city-wide
  int64_t created_ms = 0;
  std::optional<int64_t> last_used_ms;
  bool revoked = false;
};

// The principal acting as `client` (kind kApiClient, role integration, id "k:<id>").
Principal PrincipalFor(const ApiClient& client);

struct NewApiKey {
  ApiClient client;
  std::string key;  // "zxk_<id>_<secret>"; shown once
};

class ApiKeyStore {
 public:
  static Result<std::unique_ptr<ApiKeyStore>> Open(storage::Database& db, const Clock& clock);

  Result<NewApiKey> Create(std::string_view name, const Scope& scope = {});
  Result<ApiClient> Validate(std::string_view key);
  // Revokes by name or id; idempotent.
  Status Revoke(std::string_view name_or_id);
  Result<std::vector<ApiClient>> List();

  static bool IsApiKey(std::string_view token);

 private:
  ApiKeyStore(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace zx::security
