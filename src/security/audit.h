// AuditLog: the append-only, hash-chained and (with a key file) keyed record of every read of
// personal data and every change, in the database (table audit_log), with a sealed head outside
// it (the file audit.head in the data directory).
//
// Each entry: seq (1, 2, ...), time (unix ms, from the injected Clock), actor and role, action
// ("ticket.read", "pii.reveal", "auth.login", "retention.delete"), object type and id, purpose
// (why), remote address, details (a JSON object), prev_hash and hash. CanonicalForm is
// "zx-audit-1\n" then, for seq, time_ms, actor, role, action, object_type, object_id, purpose,
// remote, details in that order, "<name>=<byte length>:<value>\n". The hash column says how the
// entry was sealed (one scheme per entry, so logs written before a key existed still verify):
//
//   keyed  "k1:" + hex(HMAC-SM3(K, prev_hash || "\n" || CanonicalForm(entry)))
//   plain  hex(SM3(prev_hash || "\n" || CanonicalForm(entry)))      no key (demo mode), and
//          every entry written before a key file existed
//
// prev_hash is the previous entry's hash column verbatim (64 "0"s for seq 1), so a keyed entry
// also seals every entry before it. K, the audit key, is HMAC-SM3(blind-index key of the key
// file, "zhixian audit-log key 1") (AuditKeyFrom): derived, never stored, never rotated (like the
// blind-index key it comes from). Once an entry is keyed every later one must be: Append refuses
// to write a plain entry after a keyed one (load the key file), and Verify reports one.
//
// The sealed head (AuditOptions::head_path) records the newest entry outside the table:
//
//   zhixian-audit-head 1
//   seq <n>
//   hash <hash of entry n>
//   time_ms <when it was written>
//   mac <hex(HMAC-SM3(K, HeadCanonicalForm(seq, hash, time_ms)))>   or "mac none" without a key
//
// with HeadCanonicalForm = "zx-audit-head-1\nseq=<n>\nhash=<hash>\ntime_ms=<t>\n". Append
// rewrites it after each commit (temp file, fsync, rename, fsync of the directory; the WAL is
// fsynced first so that the head is never ahead of a durable log), under an advisory lock
// (head_path + ".lock") that also orders appends from other processes. Append moves the head
// forward only from a head that matches the log (or trails it by entries that verify): once the
// log and the head disagree, the head stays as it was, so the disagreement is reported by every
// later Verify, until an operator runs Reseal (`zhixian audit reseal`), which records the
// problem in the chain and starts a new head.
//
// What that detects, for someone who holds the database file but not the key: a changed row
// (its MAC), a removed, inserted or forged entry (links and MACs), a chain recomputed with plain
// SM3 or without the key (MACs; plain entries after keyed ones), removal from the end and
// deletion of everything (the head), entries appended after the head (MACs). What it cannot: with
// write access to the whole data directory, putting back an older copy of both the database and
// audit.head (a rollback), or removing the keyed entries together with audit.head (the log then
// looks like an unkeyed log of an earlier version); ship the `audit.head` log line of serve and
// `zhixian audit verify` off the machine and check it with --anchor. Without a key file the
// chain and the head are plain SM3: anyone with the files can recompute them, and Verify says so.
//
// No personal data in the log: object ids are record ids or blind indexes (FieldCipher::
// BlindIndex), never a phone number or name; as a second line of defence Append masks phone and
// ID numbers in purpose and details (text::MaskText).
//
// The product never updates or deletes entries (database triggers refuse it).
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
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "security/keys.h"
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
  enum class Problem {
    kNone,
    kChanged,     // an entry's hash or MAC does not match its content
    kRemoved,     // entries missing inside the chain
    kInserted,    // an entry that does not belong to the chain
    kTruncated,   // entries removed from the end (the sealed head records more)
    kDeleted,     // every entry deleted (the sealed head records some)
    kRecomputed,  // hashes recomputed without the key (plain SM3 after keyed entries, ...)
    kAppended,    // an entry after the sealed head that was not written with the key
    kHead,        // the head file is missing, malformed, forged or replaced
    kNoKey,       // keyed entries or head, and no key loaded: cannot verify
  };
  Problem problem = Problem::kNone;
  int64_t seq = 0;      // the entry where the first problem is (0 when none)
  std::string message;  // e.g. "seq 3: hash mismatch: the entry was changed after it was written"
  int64_t entries = 0;  // entries read before stopping (all of them when ok)
  AuditHead head;       // the last entry, when ok
  bool keyed = false;   // verified with the audit key
  int64_t keyed_from = 0;          // the first keyed entry (0: none)
  int64_t unkeyed = 0;             // plain entries read (before the key, or without one)
  std::vector<std::string> notes;  // what is not a problem but worth saying (head behind, ...)
  bool ok() const { return problem == Problem::kNone; }
};

// "none", "changed", "removed", "inserted", "truncated", "deleted", "recomputed", "appended",
// "head", "no_key".
std::string_view ProblemName(AuditVerification::Problem problem);

struct AuditQuery {
  std::string object_type;    // empty: any
  std::string object_id;      // empty: any
  std::string actor;          // empty: any
  std::string action_prefix;  // "pii." for every reveal; empty: any
  int64_t since_ms = 0;
  int64_t until_ms = std::numeric_limits<int64_t>::max();
  int limit = 1000;
  int64_t offset = 0;         // skip this many matches first (paging)
  bool newest_first = false;  // the console pages back from the newest
};

// The audit key of a key ring (see above); 32 bytes.
std::string AuditKeyFrom(const KeyRing& ring);

struct AuditOptions {
  std::string key;        // AuditKeyFrom(ring); empty: the plain chain (no key file)
  std::string head_path;  // the sealed head; empty: none (in-memory databases, tests)
  // Several nodes append to this log (a server database, docs/deployment.md), each with a head
  // of its own: a node without one yet (one that joins) starts it at the end of the keyed
  // chain instead of refusing; the other nodes' heads still catch entries cut from the end.
  bool shared = false;
};

class AuditLog {
 public:
  // Migrates the security tables if needed. `db` and `clock` must outlive the log.
  static Result<std::unique_ptr<AuditLog>> Open(storage::Database& db, const Clock& clock,
                                                AuditOptions options = {});

  // Appends `event`, returning the stored entry, and moves the sealed head. kInvalidArgument
  // when action or actor is empty or details is not a JSON object ("{...}");
  // kFailedPrecondition when the log is keyed and this log has no key.
  Result<AuditEntry> Append(AuditEvent event);

  // Appends `event` (which should say why, e.g. the Verify result) and starts a new sealed head
  // from it even when the old head disagrees with the log: the operator's acknowledgement of a
  // reported problem, itself sealed into the chain.
  Result<AuditEntry> Reseal(AuditEvent event);

  // Walks the chain from seq 1 (or, with tail > 0, over the newest `tail` entries only: the
  // check at start-up) and checks the sealed head; reports the first problem. With `anchor`,
  // also checks that the entry anchor.seq still exists with anchor.hash. A non-OK Status only
  // for a database error.
  Result<AuditVerification> Verify(const std::optional<AuditHead>& anchor = std::nullopt,
                                   int64_t tail = 0);

  bool keyed() const { return !options_.key.empty(); }
  const std::string& head_path() const { return options_.head_path; }

  Result<AuditHead> Head();

  // Entries matching `q`, oldest first (newest first with q.newest_first). WhoAccessed is the
  // auditor's question "who saw this citizen's (or ticket's) data, when and why": pass the blind
  // index for a citizen.
  Result<std::vector<AuditEntry>> Query(const AuditQuery& q);
  // How many entries match `q`'s filters (limit and offset ignored): the pager's total.
  Result<int64_t> Count(const AuditQuery& q);
  Result<std::vector<AuditEntry>> WhoAccessed(const std::string& object_type,
                                              const std::string& object_id);

  static std::string CanonicalForm(int64_t seq, int64_t time_ms, const AuditEvent& e);
  // The plain hash, and the keyed one ("k1:" + hex MAC).
  static std::string ChainHash(const std::string& prev_hash, const std::string& canonical);
  static std::string KeyedChainHash(std::string_view key, const std::string& prev_hash,
                                    const std::string& canonical);
  static std::string HeadCanonicalForm(int64_t seq, const std::string& hash, int64_t time_ms);
  static const std::string& GenesisHash();
  static constexpr std::string_view kKeyedPrefix = "k1:";

 private:
  AuditLog(storage::Database& db, const Clock& clock, AuditOptions options)
      : db_(db), clock_(clock), options_(std::move(options)) {}
  Result<AuditEntry> AppendLocked(AuditEvent event, bool reseal);
  // After a commit: fsyncs the log and rewrites the head when `reseal` or the head agrees with
  // the log as it was before the entry (`before`).
  void MoveHead(const AuditHead& before, const AuditEntry& entry, bool reseal);
  storage::Database& db_;
  const Clock& clock_;
  const AuditOptions options_;
  std::mutex mu_;
  bool head_alerted_ = false;  // guarded by mu_: the mismatch alert is logged once per process
};

}  // namespace zx::security
