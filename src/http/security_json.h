// The JSON forms of the security layer's values, as the staff routes (staff_routes.h) and the
// security commands of the command line (admin/commands.h) show them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "security/api_keys.h"
#include "security/audit.h"
#include "security/reencrypt.h"
#include "security/retention.h"
#include "security/users.h"

namespace zx::http {

// A staff account as the API shows it (no secrets; display_name null when none).
nlohmann::json UserJson(const security::User& user);

// A staff account as a line of `zhixian user list`: the API's fields but created_ms, with
// display_name "" when none and `otp` (whether a one-time code is required). Kept as it was
// when the API's form was added, for the scripts that read it.
nlohmann::json UserListJson(const security::User& user, bool otp);

// An API client as a line of `zhixian apikey list` (never its key).
nlohmann::json ApiClientJson(const security::ApiClient& client);

// One audit entry as the API and `zhixian audit query` show it (details parsed when JSON).
nlohmann::json AuditEntryJson(const security::AuditEntry& entry);

// A run of the retention job as `zhixian retention run` prints it: each rule's table, cleared,
// cutoff_ms, rows, files, file_errors, and the audit entry that records the run.
nlohmann::json RetentionReportJson(const security::RetentionReport& report);

// A run of `zhixian keys reencrypt` over `columns` columns, now under `key_version`: what it
// scanned, re-encrypted, found current, found not encrypted and skipped.
nlohmann::json ReencryptReportJson(const security::ReencryptReport& report, size_t columns,
                                   uint32_t key_version);

}  // namespace zx::http
