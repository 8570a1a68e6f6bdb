#include "security/audit_check.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "base/log.h"

namespace zx::security {

Status CheckAuditAtStart(AuditLog& audit, bool refuse_when_broken, int64_t entries) {
  ZX_ASSIGN_OR_RETURN(AuditVerification v, audit.Verify(std::nullopt, entries));
  if (v.ok()) {
    log::Info("audit.head seq={} hash={} keyed={}", v.head.seq, v.head.hash, v.keyed);
    return Status::Ok();
  }
  const std::string problem(ProblemName(v.problem));
  log::Error("security.alert audit_broken problem={} seq={} message=\"{}\" then={}", problem, v.seq,
             v.message, refuse_when_broken ? "refuse_to_start" : "start_anyway");
  if (refuse_when_broken)
    return FailedPrecondition(
        "the audit log is broken (" + problem + " at seq " + std::to_string(v.seq) +
        "): " + v.message +
        ". Refusing to start (the log is left as found): run `zhixian audit verify` and "
        "investigate; to start anyway set security.audit_on_broken = \"warn\"; `zhixian audit "
        "reseal --reason TEXT` records the problem in the log and starts a new sealed head");
  // Starting anyway: recorded in the chain as well. The sealed head stays where it was, so the
  // problem remains reported until someone runs `zhixian audit reseal`.
  AuditEvent e;
  e.actor = "system:serve";
  e.role = "system";
  e.action = "audit.broken";
  e.object_type = "audit_log";
  e.object_id = std::to_string(v.seq);
  e.remote = "local";
  e.details_json = nlohmann::json{
      {"problem", problem},
      {"seq", v.seq},
      {"message", v.message},
      {"audit_on_broken",
       "warn"}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto recorded = audit.Append(std::move(e));
  if (!recorded.ok())
    log::Error("audit_append_failed action=audit.broken error=\"{}\"", recorded.status().message());
  return Status::Ok();
}

Result<AuditHead> ParseAuditAnchor(std::string_view text) {
  size_t colon = text.find(':');
  AuditHead head;
  head.seq = -1;
  if (colon != std::string_view::npos) {
    // std::stoll semantics: leading digits count, the rest of the number part is ignored.
    std::string seq(text.substr(0, colon));
    try {
      head.seq = std::stoll(seq);
    } catch (const std::exception&) {
      head.seq = -1;
    }
  }
  if (head.seq < 1 || colon + 1 >= text.size())
    return InvalidArgument("--anchor must be SEQ:HASH, e.g. 42:3f2a...");
  head.hash = std::string(text.substr(colon + 1));
  return head;
}

std::string VerificationReport(const AuditVerification& v) {
  std::ostringstream out;
  if (v.ok()) {
    out << "ok: " << v.entries << " entries; head seq " << v.head.seq << " hash " << v.head.hash
        << "\n";
    if (v.keyed_from > 0)
      out << "keyed: HMAC-SM3 under the key file from seq " << v.keyed_from << "\n";
  } else {
    out << "TAMPERED (" << ProblemName(v.problem) << " at seq " << v.seq << "): " << v.message
        << "\n";
  }
  for (const auto& note : v.notes) out << "note: " << note << "\n";
  return out.str();
}

Result<Resealed> ResealAfterInvestigation(AuditLog& audit, AuditEvent event) {
  Resealed out;
  ZX_ASSIGN_OR_RETURN(out.found, audit.Verify());
  const AuditVerification& v = out.found;
  const std::string by = event.actor;
  event.action = "audit.reseal";
  event.object_type = "audit_log";
  event.object_id = std::to_string(v.seq);
  event.details_json = nlohmann::json{
      {"permission", "audit.verify"},
      {"problem", ProblemName(v.problem)},
      {"seq", v.seq},
      {"message",
       v.message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ZX_ASSIGN_OR_RETURN(out.entry, audit.Reseal(std::move(event)));
  log::Error("security.alert action=audit.reseal seq={} problem={} by={}", out.entry.seq,
             ProblemName(v.problem), by);
  return out;
}

}  // namespace zx::security
