#include "security/api_keys.h"

#include "base/log.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/schema.h"

namespace zx::security {
namespace {

constexpr std::string_view kPrefix = "zxk_";
constexpr size_t kIdHex = 16;
constexpr size_t kSecretChars = 43;  // base64url of 32 bytes
constexpr int64_t kTouchEveryMs = 60 * 1000;

Status Invalid() { return {Code::kUnauthenticated, "invalid API key"}; }

constexpr const char* kColumns =
    "id, name, department, district, created_at, last_used_at, revoked_at FROM sec_api_keys";

ApiClient FromRow(const storage::Statement& q) {
  ApiClient c;
  c.id = q.Text(0);
  c.name = q.Text(1);
  c.scope = {q.Text(2), q.Text(3)};
  c.created_ms = q.Int(4);
  if (!q.IsNull(5)) c.last_used_ms = q.Int(5);
  c.revoked = !q.IsNull(6);
  return c;
}

}  // namespace

Principal PrincipalFor(const ApiClient& client) {
  Principal p;
  p.kind = Principal::Kind::kApiClient;
  p.via = Principal::Via::kApiKey;
  p.id = "k:" + client.id;
  p.name = client.name;
  p.role = Role::kIntegration;
  p.scope = client.scope;
  return p;
}

Result<std::unique_ptr<ApiKeyStore>> ApiKeyStore::Open(storage::Database& db, const Clock& clock) {
  ZX_RETURN_IF_ERROR(MigrateSecurity(db));
  return std::unique_ptr<ApiKeyStore>(new ApiKeyStore(db, clock));
}

bool ApiKeyStore::IsApiKey(std::string_view token) {
  return token.size() == kPrefix.size() + kIdHex + 1 + kSecretChars &&
         token.substr(0, kPrefix.size()) == kPrefix && token[kPrefix.size() + kIdHex] == '_';
}

Result<NewApiKey> ApiKeyStore::Create(std::string_view name, const Scope& scope) {
  if (name.empty() || name.size() > 64)
    return InvalidArgument("an API client name has 1 to 64 characters");
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return InvalidArgument("an API client name may not contain control characters");
  NewApiKey out;
  out.client.id = HexEncode(RandomBytes(kIdHex / 2));
  out.client.name = std::string(name);
  out.client.scope = scope;
  out.client.created_ms = clock_.NowUnixMillis();
  std::string secret = Base64UrlEncode(RandomBytes(32));
  out.key = std::string(kPrefix) + out.client.id + "_" + secret;
  ZX_ASSIGN_OR_RETURN(
      auto q,
      db_.Prepare(
          "INSERT INTO sec_api_keys (id, name, secret_hash, department, district, created_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  q.Bind(1, out.client.id).Bind(2, name).Bind(3, HexEncode(Sm3(secret)));
  q.Bind(4, scope.department).Bind(5, scope.district).Bind(6, out.client.created_ms);
  Status s = q.Run();
  Wipe(secret);
  if (!s.ok()) {
    if (storage::IsUniqueViolation(s))
      return Status(Code::kAlreadyExists, "an API client named '" + std::string(name) + "' exists");
    return s;
  }
  log::Info("api_key_created name={}", out.client.name);
  return out;
}

Result<ApiClient> ApiKeyStore::Validate(std::string_view key) {
  if (!IsApiKey(key)) return Invalid();
  std::string_view id = key.substr(kPrefix.size(), kIdHex);
  std::string_view secret = key.substr(kPrefix.size() + kIdHex + 1);
  const std::string presented = HexEncode(Sm3(secret));
  ZX_ASSIGN_OR_RETURN(auto s, db_.Prepare("SELECT id, name, department, district, created_at, "
                                          "last_used_at, revoked_at, secret_hash "
                                          "FROM sec_api_keys WHERE id = ?1"));
  s.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(auto row, s.Step());
  // Compare against something of the right length even when the id is unknown.
  std::string stored = row ? s.Text(7) : std::string(presented.size(), '0');
  bool match = ConstantTimeEquals(stored, presented);
  if (!row || !match) return Invalid();
  ApiClient c = FromRow(s);
  if (c.revoked) return Invalid();
  int64_t now = clock_.NowUnixMillis();
  if (!c.last_used_ms || now - *c.last_used_ms >= kTouchEveryMs) {
    ZX_ASSIGN_OR_RETURN(auto touch,
                        db_.Prepare("UPDATE sec_api_keys SET last_used_at = ?1 WHERE id = ?2"));
    touch.Bind(1, now).Bind(2, c.id);
    ZX_RETURN_IF_ERROR(touch.Run());
    c.last_used_ms = now;
  }
  return c;
}

Status ApiKeyStore::Revoke(std::string_view name_or_id) {
  ZX_ASSIGN_OR_RETURN(auto q, db_.Prepare("UPDATE sec_api_keys SET revoked_at = "
                                          "coalesce(revoked_at, ?1) WHERE id = ?2 OR name = ?2 "
                                          "RETURNING id"));
  q.Bind(1, clock_.NowUnixMillis()).Bind(2, name_or_id);
  ZX_ASSIGN_OR_RETURN(auto row, q.Step());
  bool found = row;
  ZX_RETURN_IF_ERROR(q.Run());
  if (!found) return NotFound("no API client '" + std::string(name_or_id) + "'");
  return Status::Ok();
}

Result<std::vector<ApiClient>> ApiKeyStore::List() {
  ZX_ASSIGN_OR_RETURN(auto q, db_.Prepare(std::string("SELECT ") + kColumns + " ORDER BY name"));
  std::vector<ApiClient> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(auto row, q.Step());
    if (!row) break;
    out.push_back(FromRow(q));
  }
  return out;
}

}  // namespace zx::security
