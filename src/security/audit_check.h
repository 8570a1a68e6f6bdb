// What is checked of the audit log outside the log itself: its state when the server starts,
// and the anchor an auditor gives `audit verify` to detect truncation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "security/audit.h"

namespace zx::security {

// The audit log at start: the sealed head and the newest `entries` entries (a full walk at
// every start would grow with the log; `zhixian audit verify` walks them all). A sound log logs
// its head. A broken one logs an alert and, when `refuse_when_broken`, is kFailedPrecondition
// saying how to investigate (the log is left as found); otherwise the problem is appended to
// the chain ("audit.broken") and start-up goes on, the problem still reported until someone
// reseals (security.audit_on_broken = "warn").
Status CheckAuditAtStart(AuditLog& audit, bool refuse_when_broken, int64_t entries = 10000);

// "SEQ:HASH" of an earlier head (seq >= 1, hash non-empty); kInvalidArgument otherwise.
Result<AuditHead> ParseAuditAnchor(std::string_view text);

// What `zhixian audit verify` prints of `v`, one "\n"-terminated line each: "ok: N entries; head
// seq S hash H" (and "keyed: ..." when entries are keyed) or "TAMPERED (PROBLEM at seq S):
// MESSAGE", then a "note: ..." line per note.
std::string VerificationReport(const AuditVerification& v);

// A reseal after a reported problem was investigated (`zhixian audit reseal`): verifies the whole
// log, records what it found (the problem, or none) in an "audit.reseal" entry made from `event`
// (actor, role and remote; its purpose says why) and starts a new sealed head from that entry
// (AuditLog::Reseal). It exercises the audit.verify permission (policy.h), named in the details,
// and logs a security.alert.
struct Resealed {
  AuditEntry entry;         // the audit.reseal entry
  AuditVerification found;  // the verification before the reseal
};
Result<Resealed> ResealAfterInvestigation(AuditLog& audit, AuditEvent event);

}  // namespace zx::security
