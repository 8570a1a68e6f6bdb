// The security layer over one database, opened together as the server and the commands need
// it: the stores (users, sessions, API keys), the audit log, the authenticator over them, and
// the field cipher from the key file.
//
// Without a key file there is no cipher (`cipher == nullptr`): code that would store personal
// data must then not store it at rest (keep it in memory, or store only what is not personal,
// e.g. a summary with masked values) — never plaintext.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "security/api_keys.h"
#include "security/audit.h"
#include "security/authenticator.h"
#include "security/field_cipher.h"
#include "security/security_config.h"
#include "security/sessions.h"
#include "security/users.h"
#include "storage/database.h"

namespace zx::security {

struct SecurityStores {
  std::unique_ptr<UserStore> users;
  std::unique_ptr<SessionStore> sessions;
  std::unique_ptr<ApiKeyStore> api_keys;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<Authenticator> authenticator;
  // Encrypts personal data at rest; null without security.key_file (then store none).
  std::shared_ptr<const FieldCipher> cipher;
};

// Opens the security tables in `db` and, when security.key_file is set and `load_keys`, loads
// the key file (refusing one inside `data_dir` or readable by others, naming the key). The audit
// log is keyed from the key file even when `load_keys` is false (AuditOptionsFor); only `keys
// init`, before the file exists, appends without it. `db` and `clock` must outlive the stores.
Result<std::unique_ptr<SecurityStores>> OpenSecurityStores(storage::Database& db,
                                                           const SecurityConfig& config,
                                                           const std::string& data_dir,
                                                           const Clock& clock,
                                                           bool load_keys = true);

// Logs at start-up which key file seals personal data (and its data key version), or warns that
// there is none (`configured` is security.key_file), so nothing personal is stored at rest.
void LogKeyFileInUse(const SecurityStores& stores, const std::string& configured);

}  // namespace zx::security
