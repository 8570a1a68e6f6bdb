#include "security/stores.h"

#include <chrono>

#include "base/log.h"
#include "security/key_file.h"

namespace zx::security {

Result<std::unique_ptr<SecurityStores>> OpenSecurityStores(storage::Database& db,
                                                           const SecurityConfig& config,
                                                           const std::string& data_dir,
                                                           const Clock& clock, bool load_keys) {
  auto s = std::make_unique<SecurityStores>();
  if (load_keys) {
    ZX_ASSIGN_OR_RETURN(s->cipher, LoadFieldCipher(config.key_file, data_dir));
  }
  UserStoreOptions user_options;
  user_options.cipher = s->cipher;  // seals second-factor secrets
  ZX_ASSIGN_OR_RETURN(s->users, UserStore::Open(db, clock, user_options));
  SessionOptions so;
  so.ttl = std::chrono::minutes(config.session_ttl_minutes);
  so.idle = std::chrono::minutes(config.idle_minutes);
  ZX_ASSIGN_OR_RETURN(s->sessions, SessionStore::Open(db, clock, so));
  ZX_ASSIGN_OR_RETURN(s->api_keys, ApiKeyStore::Open(db, clock));
  AuditOptions audit = AuditOptionsFor(s->cipher.get(), config.key_file, data_dir, db.on_disk());
  audit.shared = db.dialect() != storage::Dialect::kSqlite;  // a server: other nodes write too
  ZX_ASSIGN_OR_RETURN(s->audit, AuditLog::Open(db, clock, audit));
  s->authenticator =
      std::make_unique<Authenticator>(*s->users, *s->sessions, *s->api_keys, s->audit.get());
  return s;
}

void LogKeyFileInUse(const SecurityStores& stores, const std::string& configured) {
  if (stores.cipher) {
    log::Info("security.keys key_file={} data_key_version={}", ResolveKeyFile(configured),
              stores.cipher->current_version());
    return;
  }
  log::Warn(
      "security.no_key_file: security.key_file is empty, so personal data cannot be stored "
      "encrypted and is not stored at rest; remove the setting (the default \"auto\" makes "
      "a key file) or create one with `zhixian keys init --key-file /etc/zhixian/keys` "
      "(outside the data directory) and set security.key_file");
}

}  // namespace zx::security
