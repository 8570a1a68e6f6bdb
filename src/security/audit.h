// AuditLog: the append-only, hash-chained record of every read of personal data and every
// change, in the database (table audit_log).
//
// Each entry: seq (1, 2, ...), time (unix ms, from the injected Clock), actor and role, action
// ("ticket.read", "pii.reveal", "auth.login", "retention.delete"), object type and id, purpose
// (why), remote address, details (a JSON object), prev_hash and hash, where
//
//   hash = hex(SM3(prev_hash || "\n" || CanonicalForm(entry)))     prev_hash of seq 1 = 64 "0"s
//
// and CanonicalForm is "zx-audit-1\n" then, for seq, time_ms, actor, role, action, object_type,
// object_id, purpose, remote, details in that order, "<name>=<byte length>:<value>\n". An
// outside verifier can recompute it from those two lines.
//
// No personal data in the log: object ids are record ids or blind indexes (FieldCipher::
// BlindIndex), never a phone number or name; as a second line of defence Append masks phone and
// ID numbers in purpose and details (text::MaskText).
//
// The product never updates or deletes entries (database triggers refuse it). Someone with the
// database file can; Verify finds the first changed, removed or inserted entry and says where.
// Limits of a plain hash chain: removing the newest entries, or appending well-formed new ones,
// is only detectable against a head (seq, hash) recorded elsewhere earlier; pass it to Verify.
//
// Thread-safe: Append is serialised by a mutex and runs in a BEGIN IMMEDIATE transaction (so
// another process appending to the same file is serialised too).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "security/roles.h"
#include "storage/database.h"

namespace zx::security {

struct AuditEvent {
  std::string actor;                // login or client name, "system:retention", "cli:<os user>"
  std::string role;                 // RoleName(...) or "system"
  std::string action;               // required: what was done
  std::string object_type;          // "citizen", "ticket", "conversation", "user", "key", ...
  std::string object_id;            // record id or blind index; never plaintext personal data
  std::string purpose;              // why (the ticket or call it served, a legal basis)
  std::string remote;               // client address, or "cli"
  std::string details_json = "{}";  // a JSON object (the caller serialises it)
};

// An event by `who` (actor, role and nothing else filled in).
AuditEvent AuditEventBy(const Principal& who, std::string action, std::string object_type = "",
                        std::string object_id = "", std::string purpose = "");

struct AuditEntry {
  int64_t seq = 0;
  int64_t time_ms = 0;
  AuditEvent event;
  std::string prev_hash;
  std::string hash;
};

// Where a chain stands: record it (e.g. in the operator's log) to detect truncation later.
struct AuditHead {
  int64_t seq = 0;  // 0: empty log
  std::string hash;
};

struct AuditVerification {
  enum class Problem { kNone, kChanged, kRemoved, kInserted };
  Problem problem = Problem::kNone;
  int64_t seq = 0;      // the entry where the first problem is (0 when none)
  std::string message;  // e.g. "seq 3: hash mismatch: the entry was changed after it was written"
  int64_t entries = 0;  // entries read before stopping (all of them when ok)
  AuditHead head;       // the last entry, when ok
  bool ok() const { return problem == Problem::kNone; }
};

struct AuditQuery {
  std::string object_type;    // empty: any
  std::string object_id;      // empty: any
  std::string actor;          // empty: any
  std::string action_prefix;  // "pii." for every reveal; empty: any
  int64_t since_ms = 0;
  int64_t until_ms = std::numeric_limits<int64_t>::max();
  int limit = 1000;
};

class AuditLog {
 public:
  // Migrates the security tables if needed. `db` and `clock` must outlive the log.
  static Result<std::unique_ptr<AuditLog>> Open(storage::Database& db, const Clock& clock);

  // Appends `event`, returning the stored entry. kInvalidArgument when action or actor is
  // empty or details is not a JSON object ("{...}").
  Result<AuditEntry> Append(AuditEvent event);

  // Walks the chain from seq 1 and reports the first problem. With `anchor`, also checks that
  // the entry anchor.seq still exists with anchor.hash (catches truncation and rewriting).
  // A non-OK Status only for a database error.
  Result<AuditVerification> Verify(const std::optional<AuditHead>& anchor = std::nullopt);

  Result<AuditHead> Head();

  // Entries matching `q`, oldest first. WhoAccessed is the auditor's question "who saw this
  // citizen's (or ticket's) data, when and why": pass the blind index for a citizen.
  Result<std::vector<AuditEntry>> Query(const AuditQuery& q);
  Result<std::vector<AuditEntry>> WhoAccessed(const std::string& object_type,
                                              const std::string& object_id);

  static std::string CanonicalForm(int64_t seq, int64_t time_ms, const AuditEvent& e);
  static std::string ChainHash(const std::string& prev_hash, const std::string& canonical);
  static const std::string& GenesisHash();

 private:
  AuditLog(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  storage::Database& db_;
  const Clock& clock_;
  std::mutex mu_;
};

}  // namespace zx::security
