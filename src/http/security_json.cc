#include "http/security_json.h"

#include "security/roles.h"

namespace zx::http {

using nlohmann::json;

json UserJson(const security::User& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"role", security::RoleName(u.role)},
          {"department", u.scope.department},
          {"district", u.scope.district},
          {"disabled", u.disabled},
          {"created_ms", u.created_ms},
          {"pending", u.pending},
          {"created_by", u.created_by},
          {"approved_by", u.approved_by},
          {"display_name", u.display_name.empty() ? json(nullptr) : json(u.display_name)}};
}

json UserListJson(const security::User& u, bool otp) {
  return {{"id", u.id},
          {"name", u.name},
          {"role", security::RoleName(u.role)},
          {"department", u.scope.department},
          {"district", u.scope.district},
          {"disabled", u.disabled},
          {"pending", u.pending},
          {"created_by", u.created_by},
          {"approved_by", u.approved_by},
          {"display_name", u.display_name},
          {"otp", otp}};
}

json ApiClientJson(const security::ApiClient& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"department", c.scope.department},
          {"district", c.scope.district},
          {"revoked", c.revoked}};
}

json AuditEntryJson(const security::AuditEntry& e) {
  json details = json::parse(e.event.details_json, nullptr, false);
  if (details.is_discarded()) details = e.event.details_json;
  return {{"seq", e.seq},
          {"time_ms", e.time_ms},
          {"actor", e.event.actor},
          {"role", e.event.role},
          {"action", e.event.action},
          {"object_type", e.event.object_type},
          {"object_id", e.event.object_id},
          {"purpose", e.event.purpose},
          {"remote", e.event.remote},
          {"details", details},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

json RetentionReportJson(const security::RetentionReport& report) {
  json rules = json::array();
  for (const auto& r : report.rules)
    rules.push_back({{"table", r.table},
                     {"cleared", r.cleared},
                     {"cutoff_ms", r.cutoff_ms},
                     {"rows", r.rows},
                     {"files", r.files},
                     {"file_errors", r.file_errors}});
  return {{"rules", rules}, {"audit_seq", report.audit_seq}};
}

json ReencryptReportJson(const security::ReencryptReport& report, size_t columns,
                         uint32_t key_version) {
  return {{"columns", columns},
          {"scanned", report.scanned},
          {"reencrypted", report.reencrypted},
          {"already_current", report.already_current},
          {"not_encrypted", report.not_encrypted},
          {"skipped", report.skipped},
          {"key_version", key_version}};
}

}  // namespace zx::http
