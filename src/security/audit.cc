#include "security/audit.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <sstream>
#include <unordered_map>

#include "base/file.h"
#include "base/log.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/schema.h"
#include "text/pii.h"

namespace zx::security {
namespace {

using Problem = AuditVerification::Problem;

constexpr const char* kSelect =
    "SELECT seq, time_ms, actor, role, action, object_type, object_id, purpose, remote, details, "
    "prev_hash, hash FROM audit_log ";

AuditEntry EntryFromRow(const storage::Statement& q) {
  AuditEntry e;
  e.seq = q.Int(0);
  e.time_ms = q.Int(1);
  e.event.actor = q.Text(2);
  e.event.role = q.Text(3);
  e.event.action = q.Text(4);
  e.event.object_type = q.Text(5);
  e.event.object_id = q.Text(6);
  e.event.purpose = q.Text(7);
  e.event.remote = q.Text(8);
  e.event.details_json = q.Text(9);
  e.prev_hash = q.Text(10);
  e.hash = q.Text(11);
  return e;
}

void Field(std::string* out, std::string_view name, std::string_view value) {
  *out += name;
  *out += '=';
  *out += std::to_string(value.size());
  *out += ':';
  *out += value;
  *out += '\n';
}

bool LooksLikeJsonObject(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s.size() >= 2 && s.front() == '{' && s.back() == '}';
}

AuditVerification Found(Problem p, int64_t seq, int64_t entries, std::string message) {
  AuditVerification v;
  v.problem = p;
  v.seq = seq;
  v.entries = entries;
  v.message = std::move(message);
  return v;
}

std::string S(int64_t n) { return std::to_string(n); }

// "entry 3 was" / "entries 3..5 were"
std::string Entries(int64_t first, int64_t last) {
  return first == last ? "entry " + S(first) + " was"
                       : "entries " + S(first) + ".." + S(last) + " were";
}

bool IsKeyed(std::string_view hash) { return hash.substr(0, 3) == AuditLog::kKeyedPrefix; }

// The sealed head file as read from disk.
struct HeadFile {
  enum class State { kMissing, kMalformed, kOk };
  State state = State::kMissing;
  AuditHead head;
  int64_t time_ms = 0;
  bool keyed = false;  // "mac <hex>" rather than "mac none"
  std::string mac;     // hex
  std::string error;   // kMalformed: why
};

HeadFile ReadHead(const std::string& path) {
  HeadFile out;
  auto text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() != Code::kNotFound) {
      out.state = HeadFile::State::kMalformed;
      out.error = "cannot read it: " + text.status().message();
    }
    return out;
  }
  std::istringstream in(*text);
  out.state = HeadFile::State::kMalformed;
  std::string line;
  int fields = 0;
  bool magic = false;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name, value, extra;
    words >> name >> value;
    if (name.empty() || name[0] == '#') continue;
    if (words >> extra) {
      out.error = "unexpected text after \"" + name + " " + value + "\"";
      return out;
    }
    try {
      if (name == "zhixian-audit-head" && value == "1") {
        magic = true;
      } else if (name == "seq") {
        out.head.seq = std::stoll(value), ++fields;
      } else if (name == "hash") {
        out.head.hash = value, ++fields;
      } else if (name == "time_ms") {
        out.time_ms = std::stoll(value), ++fields;
      } else if (name == "mac") {
        out.keyed = value != "none";
        out.mac = out.keyed ? value : "";
        ++fields;
      } else {
        out.error = "unknown line \"" + name + "\"";
        return out;
      }
    } catch (const std::exception&) {
      out.error = "bad number in \"" + name + "\"";
      return out;
    }
  }
  if (!magic || fields != 4 || out.head.seq < 1 || out.head.hash.empty()) {
    out.error = "not a zhixian-audit-head 1 file with seq, hash, time_ms and mac";
    return out;
  }
  out.state = HeadFile::State::kOk;
  return out;
}

std::string HeadMac(std::string_view key, const AuditHead& head, int64_t time_ms) {
  return HexEncode(HmacSm3(key, AuditLog::HeadCanonicalForm(head.seq, head.hash, time_ms)));
}

// An exclusive advisory lock on `path` (created when missing) for the object's lifetime; a
// no-op when `path` is empty or cannot be opened.
class FileLock {
 public:
  explicit FileLock(const std::string& path) {
    if (path.empty()) return;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// How an entry's hash relates to its content.
enum class Seal {
  kOk,               // the right hash: keyed MAC, or plain SM3 before any keyed entry
  kBad,              // matches nothing
  kNoKey,            // keyed, and no key to check it with
  kPlainAfterKeyed,  // a right plain hash, but after keyed entries (or "k1:" + plain SM3)
};

}  // namespace

std::string_view ProblemName(AuditVerification::Problem problem) {
  static constexpr std::string_view kNames[] = {"none",      "changed", "removed",    "inserted",
                                                "truncated", "deleted", "recomputed", "appended",
                                                "head",      "no_key"};
  return kNames[static_cast<int>(problem)];
}

std::string AuditKeyFrom(const KeyRing& ring) {
  return HmacSm3(ring.BlindIndexKey(), "zhixian audit-log key 1");
}

AuditEvent AuditEventBy(const Principal& who, std::string action, std::string object_type,
                        std::string object_id, std::string purpose) {
  AuditEvent e;
  e.actor = who.authenticated() ? who.name : "anonymous";
  e.role = std::string(RoleName(who.role));
  e.action = std::move(action);
  e.object_type = std::move(object_type);
  e.object_id = std::move(object_id);
  e.purpose = std::move(purpose);
  return e;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(storage::Database& db, const Clock& clock,
                                                 AuditOptions options) {
  ZX_RETURN_IF_ERROR(MigrateSecurity(db));
  return std::unique_ptr<AuditLog>(new AuditLog(db, clock, std::move(options)));
}

const std::string& AuditLog::GenesisHash() {
  static const std::string kGenesis(64, '0');
  return kGenesis;
}

std::string AuditLog::CanonicalForm(int64_t seq, int64_t time_ms, const AuditEvent& e) {
  std::string out = "zx-audit-1\n";
  Field(&out, "seq", S(seq));
  Field(&out, "time_ms", S(time_ms));
  Field(&out, "actor", e.actor);
  Field(&out, "role", e.role);
  Field(&out, "action", e.action);
  Field(&out, "object_type", e.object_type);
  Field(&out, "object_id", e.object_id);
  Field(&out, "purpose", e.purpose);
  Field(&out, "remote", e.remote);
  Field(&out, "details", e.details_json);
  return out;
}

std::string AuditLog::ChainHash(const std::string& prev_hash, const std::string& canonical) {
  return HexEncode(Sm3(prev_hash + "\n" + canonical));
}

std::string AuditLog::KeyedChainHash(std::string_view key, const std::string& prev_hash,
                                     const std::string& canonical) {
  return std::string(kKeyedPrefix) + HexEncode(HmacSm3(key, prev_hash + "\n" + canonical));
}

std::string AuditLog::HeadCanonicalForm(int64_t seq, const std::string& hash, int64_t time_ms) {
  return "zx-audit-head-1\nseq=" + S(seq) + "\nhash=" + hash + "\ntime_ms=" + S(time_ms) + "\n";
}

Result<AuditEntry> AuditLog::Append(AuditEvent event) {
  return AppendLocked(std::move(event), /*reseal=*/false);
}

Result<AuditEntry> AuditLog::Reseal(AuditEvent event) {
  return AppendLocked(std::move(event), /*reseal=*/true);
}

Result<AuditEntry> AuditLog::AppendLocked(AuditEvent event, bool reseal) {
  if (event.action.empty()) return InvalidArgument("an audit entry needs an action");
  if (event.actor.empty()) return InvalidArgument("an audit entry needs an actor");
  if (event.details_json.empty()) event.details_json = "{}";
  if (!LooksLikeJsonObject(event.details_json))
    return InvalidArgument("audit details must be a JSON object");
  event.purpose = text::MaskText(event.purpose);
  event.details_json = text::MaskText(event.details_json);

  std::lock_guard<std::mutex> lock(mu_);
  // Orders appends (and head updates) of every process on this data directory.
  FileLock head_lock(options_.head_path.empty() ? "" : options_.head_path + ".lock");
  AuditEntry entry;
  entry.event = std::move(event);
  AuditHead before;
  Status s = db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(auto last,
                        db_.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
    ZX_ASSIGN_OR_RETURN(auto row, last.Step());
    if (row) before = {last.Int(0), last.Text(1)};
    if (!keyed() && IsKeyed(before.hash))
      return FailedPrecondition(
          "the audit log is keyed (HMAC-SM3 under the key file) and no key is loaded: set "
          "security.key_file; a plain entry after keyed ones would read as tampering");
    entry.seq = before.seq + 1;
    entry.prev_hash = before.seq > 0 ? before.hash : GenesisHash();
    entry.time_ms = clock_.NowUnixMillis();
    const std::string canonical = CanonicalForm(entry.seq, entry.time_ms, entry.event);
    entry.hash = keyed() ? KeyedChainHash(options_.key, entry.prev_hash, canonical)
                         : ChainHash(entry.prev_hash, canonical);
    ZX_ASSIGN_OR_RETURN(
        auto ins,
        db_.Prepare(
            "INSERT INTO audit_log (seq, time_ms, actor, role, action, object_type, object_id, "
            "purpose, remote, details, prev_hash, hash) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
    const AuditEvent& e = entry.event;
    ins.Bind(1, entry.seq).Bind(2, entry.time_ms).Bind(3, e.actor).Bind(4, e.role);
    ins.Bind(5, e.action).Bind(6, e.object_type).Bind(7, e.object_id).Bind(8, e.purpose);
    ins.Bind(9, e.remote).Bind(10, e.details_json).Bind(11, entry.prev_hash).Bind(12, entry.hash);
    return ins.Run();
  });
  if (!s.ok()) return s;
  if (!options_.head_path.empty()) MoveHead(before, entry, reseal);
  return entry;
}

void AuditLog::MoveHead(const AuditHead& before, const AuditEntry& entry, bool reseal) {
  db_.SyncCommitted();
  std::string why;  // why the head stays where it is
  if (!reseal) {
    HeadFile hf = ReadHead(options_.head_path);
    if (hf.state == HeadFile::State::kMissing) {
      // A fresh or an upgraded (never sealed) log may start a head; a keyed one had one, unless
      // this node joins a log that others write.
      if (IsKeyed(before.hash) && !options_.shared)
        why = "the head file is missing but the log is keyed";
      else if (IsKeyed(before.hash))
        log::Info("audit.head_started seq={} reason=node_joins_shared_log", entry.seq);
    } else if (hf.state == HeadFile::State::kMalformed) {
      why = "the head file is malformed: " + hf.error;
    } else if (hf.keyed && (!keyed() || !ConstantTimeEquals(
                                            HeadMac(options_.key, hf.head, hf.time_ms), hf.mac))) {
      why = keyed() ? "the head's MAC does not verify" : "the head is keyed and no key is loaded";
    } else if (!hf.keyed && keyed() && IsKeyed(before.hash)) {
      why = "the head is unkeyed but the log is keyed";
    } else if (hf.head.seq > before.seq) {
      why = "the head records seq " + S(hf.head.seq) + " but the log ended at seq " + S(before.seq);
    } else if (before.seq - hf.head.seq > 10000) {
      why = "the head trails the log by more than 10000 entries";
    } else if (hf.head.seq < before.seq) {
      // The head trails (a crash between a commit and its head): catch up only over entries
      // that verify, so that nothing forged after the head is sealed by it.
      auto v = Verify(std::nullopt, before.seq - hf.head.seq + 1);
      bool fine = v.ok() && v->problem == AuditVerification::Problem::kNone;
      auto q = db_.Prepare("SELECT hash FROM audit_log WHERE seq = ?1");
      if (fine && q.ok()) {
        auto row = q->Bind(1, hf.head.seq).Step();
        fine = row.ok() && *row && ConstantTimeEquals(q->Text(0), hf.head.hash);
      }
      if (!fine) why = "the log after the head's seq " + S(hf.head.seq) + " does not verify";
    } else if (!ConstantTimeEquals(hf.head.hash, before.hash)) {
      why = "the log's entry " + S(before.seq) + " no longer has the head's hash";
    }
  }
  if (!why.empty()) {
    if (!head_alerted_)
      log::Error(
          "security.alert audit_head_kept path={} reason=\"{}\": the sealed head is left as it "
          "was so the problem stays visible; run `zhixian audit verify`, investigate, then "
          "`zhixian audit reseal`",
          options_.head_path, why);
    head_alerted_ = true;
    return;
  }
  std::string text = "zhixian-audit-head 1\nseq " + S(entry.seq) + "\nhash " + entry.hash +
                     "\ntime_ms " + S(entry.time_ms) + "\nmac " +
                     (keyed() ? HeadMac(options_.key, {entry.seq, entry.hash}, entry.time_ms)
                              : std::string("none")) +
                     "\n";
  Status w = ReplaceFile(options_.head_path, text);
  if (!w.ok()) log::Error("audit_head_write_failed error=\"{}\"", w.message());
  head_alerted_ = head_alerted_ && !reseal;
}

Result<AuditHead> AuditLog::Head() {
  ZX_ASSIGN_OR_RETURN(auto q,
                      db_.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
  ZX_ASSIGN_OR_RETURN(auto row, q.Step());
  if (!row) return AuditHead{};
  return AuditHead{q.Int(0), q.Text(1)};
}

Result<AuditVerification> AuditLog::Verify(const std::optional<AuditHead>& anchor, int64_t tail) {
  // The head first: the log read after it can only be as new or newer (appends commit first).
  const bool use_head = !options_.head_path.empty();
  const HeadFile hf = use_head ? ReadHead(options_.head_path) : HeadFile{};
  const bool head_trusted = hf.state == HeadFile::State::kOk && hf.keyed && keyed() &&
                            ConstantTimeEquals(HeadMac(options_.key, hf.head, hf.time_ms), hf.mac);

  int64_t first_seq = 1;
  std::string expected_prev = GenesisHash();
  bool have_last = false;
  AuditEntry last;
  bool seen_keyed = false;
  if (tail > 0) {
    ZX_ASSIGN_OR_RETURN(auto top, Head());
    first_seq = std::max<int64_t>(1, top.seq - tail + 1);
    ZX_ASSIGN_OR_RETURN(
        auto before, db_.Prepare("SELECT seq, hash FROM audit_log WHERE seq < ?1 ORDER BY seq DESC "
                                 "LIMIT 1"));
    ZX_ASSIGN_OR_RETURN(auto row, before.Bind(1, first_seq).Step());
    if (row) {
      have_last = true;
      last.seq = before.Int(0);
      last.hash = before.Text(1);
      last.prev_hash = "(not read)";
      expected_prev = last.hash;
      seen_keyed = IsKeyed(last.hash);
    }
  }
  ZX_ASSIGN_OR_RETURN(auto q, db_.Prepare(std::string(kSelect) + "WHERE seq >= ?1 ORDER BY seq"));
  q.Bind(1, first_seq);
  // The prev_hash of the first entry after `seq` (nullopt at the end): a look-ahead used only
  // when something is already wrong.
  auto next_prev_hash = [&](int64_t seq) -> Result<std::optional<std::string>> {
    ZX_ASSIGN_OR_RETURN(
        auto n, db_.Prepare("SELECT prev_hash FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT 1"));
    n.Bind(1, seq);
    ZX_ASSIGN_OR_RETURN(auto row, n.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(n.Text(0));
  };

  // Recent entries by stored hash, to recognise a prev_hash that skips back over inserted
  // entries; bounded so that verification runs in constant memory.
  constexpr size_t kWindow = 4096;
  std::deque<std::pair<std::string, int64_t>> recent;
  std::unordered_map<std::string, int64_t> recent_seq;

  int64_t entries = 0;
  int64_t keyed_from = 0;
  int64_t unkeyed = 0;
  bool anchor_seen = false;
  // Decorates every result with what is known about keys.
  auto Done = [&](AuditVerification v) {
    v.keyed = keyed();
    v.keyed_from = keyed_from;
    v.unkeyed = unkeyed;
    return v;
  };
  auto Fail = [&](Problem p, int64_t seq, int64_t n, std::string message) {
    // After a trusted head, whatever does not verify was appended by someone without the key.
    if (head_trusted && seq > hf.head.seq &&
        (p == Problem::kChanged || p == Problem::kInserted || p == Problem::kRecomputed))
      return Done(Found(Problem::kAppended, seq, n,
                        "seq " + S(seq) + " was appended after the sealed head (seq " +
                            S(hf.head.seq) + ") without the key: " + message));
    return Done(Found(p, seq, n, std::move(message)));
  };
  for (;;) {
    ZX_ASSIGN_OR_RETURN(auto row, q.Step());
    if (!row) break;
    AuditEntry e = EntryFromRow(q);
    const int64_t n = e.seq;
    const int64_t expected_seq = have_last ? last.seq + 1 : 1;

    if (n != expected_seq) {
      if (!have_last)
        return Fail(Problem::kRemoved, n, entries,
                    "seq " + S(n) + ": the log starts at seq " + S(n) +
                        ", not 1: " + Entries(1, n - 1) + " removed");
      return Fail(Problem::kRemoved, n, entries,
                  "gap in seq between " + S(last.seq) + " and " + S(n) + ": " +
                      Entries(last.seq + 1, n - 1) + " removed");
    }

    const std::string canonical = CanonicalForm(e.seq, e.time_ms, e.event);
    const std::string plain = ChainHash(e.prev_hash, canonical);
    Seal seal = Seal::kBad;
    if (IsKeyed(e.hash)) {
      if (!keyed())
        return Done(Found(Problem::kNoKey, n, entries,
                          "seq " + S(n) +
                              " is keyed (HMAC-SM3 under the key file) and no key is loaded: set "
                              "security.key_file to verify the log"));
      if (ConstantTimeEquals(KeyedChainHash(options_.key, e.prev_hash, canonical), e.hash))
        seal = Seal::kOk;
      else if (e.hash == std::string(kKeyedPrefix) + plain)
        seal = Seal::kPlainAfterKeyed;
    } else if (ConstantTimeEquals(plain, e.hash)) {
      seal = seen_keyed ? Seal::kPlainAfterKeyed : Seal::kOk;
    }
    const bool own_hash_ok = seal == Seal::kOk;

    if (!ConstantTimeEquals(e.prev_hash, expected_prev)) {
      // Does this entry follow the same predecessor as the previous one? Then the previous
      // one was slipped in.
      if (have_last && e.prev_hash == last.prev_hash)
        return Fail(Problem::kInserted, last.seq, entries - 1,
                    "seq " + S(last.seq) + " was inserted: seq " + S(last.seq) + " and seq " +
                        S(n) + " both follow seq " + S(last.seq - 1));
      if (auto it = recent_seq.find(e.prev_hash); it != recent_seq.end())
        return Fail(Problem::kInserted, it->second + 1, entries,
                    Entries(it->second + 1, n - 1) + " inserted: seq " + S(n) + " follows seq " +
                        S(it->second));
      ZX_ASSIGN_OR_RETURN(auto next, next_prev_hash(n));
      if (next.has_value() && *next == expected_prev)
        return Fail(Problem::kInserted, n, entries,
                    "seq " + S(n) + " was inserted: seq " + S(n + 1) + " follows seq " + S(n - 1) +
                        " directly");
      if (next.has_value() && *next == e.hash)
        return Fail(Problem::kRemoved, n, entries,
                    "prev_hash mismatch at seq " + S(n) + ": it does not follow seq " + S(n - 1) +
                        " but the chain goes on from it: an entry before seq " + S(n) +
                        " was removed (and later entries renumbered), or seq " + S(n - 1) +
                        " was changed and re-hashed");
      if (!own_hash_ok)
        return Fail(Problem::kInserted, n, entries,
                    "seq " + S(n) +
                        " does not belong to the chain: its prev_hash does not "
                        "match seq " +
                        S(n - 1) +
                        " and its hash does not match its content "
                        "(an inserted or replaced entry)");
      return Fail(Problem::kRemoved, n, entries,
                  "prev_hash mismatch at seq " + S(n) + ": it does not follow seq " + S(n - 1) +
                      ": an entry between them was removed (and later ones renumbered), or seq " +
                      S(n - 1) + " was changed and re-hashed");
    }

    if (!own_hash_ok) {
      ZX_ASSIGN_OR_RETURN(auto next, next_prev_hash(n));
      if (next.has_value() && *next == expected_prev)
        return Fail(Problem::kInserted, n, entries,
                    "seq " + S(n) + " was inserted: seq " + S(n + 1) + " follows seq " + S(n - 1) +
                        " directly");
      if (seal == Seal::kPlainAfterKeyed)
        return Fail(Problem::kRecomputed, n, entries,
                    "seq " + S(n) +
                        " is hashed with plain SM3 after keyed entries (keyed from seq " +
                        S(keyed_from > 0 ? keyed_from : n) +
                        "): the chain was recomputed without the key from here");
      return Fail(Problem::kChanged, n, entries,
                  "seq " + S(n) + ": hash mismatch: the entry was changed after it was written");
    }

    if (anchor && n == anchor->seq) {
      if (!ConstantTimeEquals(e.hash, anchor->hash))
        return Fail(Problem::kChanged, n, entries,
                    "seq " + S(n) +
                        " no longer has the recorded head hash: the log was "
                        "rewritten from here or earlier");
      anchor_seen = true;
    }

    if (IsKeyed(e.hash)) {
      if (!seen_keyed && keyed_from == 0) keyed_from = n;
      seen_keyed = true;
    } else {
      ++unkeyed;
    }
    ++entries;
    recent.emplace_back(e.hash, n);
    recent_seq[e.hash] = n;
    if (recent.size() > kWindow) {
      auto& old = recent.front();
      if (auto it = recent_seq.find(old.first); it != recent_seq.end() && it->second == old.second)
        recent_seq.erase(it);
      recent.pop_front();
    }
    expected_prev = e.hash;
    last = std::move(e);
    have_last = true;
  }
  const int64_t last_seq = have_last ? last.seq : 0;
  if (anchor && anchor->seq > 0 && !anchor_seen && anchor->seq >= first_seq)
    return Fail(Problem::kRemoved, anchor->seq, entries,
                "seq " + S(anchor->seq) + " (the recorded head) is gone: the log ends at seq " +
                    S(last_seq) + ": entries were removed from its end");

  AuditVerification ok;
  ok.entries = entries;
  if (have_last) ok.head = {last.seq, last.hash};
  if (!keyed())
    ok.notes.push_back(
        "UNKEYED: there is no key file, so the chain is plain SM3: someone with the database "
        "file can rewrite it without a trace (set security.key_file)");
  else if (unkeyed > 0 && seen_keyed)
    ok.notes.push_back(S(unkeyed) + " plain entries before seq " + S(keyed_from) +
                       " were written before the key file; the keyed entries after them seal them");
  else if (!seen_keyed && have_last)
    ok.notes.push_back("no keyed entry yet: the next entry is the first written with the key");
  if (!use_head) return Done(std::move(ok));

  // The sealed head, outside the table.
  const std::string& path = options_.head_path;
  if (hf.state == HeadFile::State::kMissing) {
    if (seen_keyed && options_.shared) {
      ok.notes.push_back(
          "this node has no sealed head yet: it joins a log other nodes write "
          "(a shared database); its next entry starts " +
          path);
      return Done(std::move(ok));
    }
    if (seen_keyed)
      return Fail(Problem::kHead, last_seq, entries,
                  "the sealed head " + path + " is missing but the log is keyed: it was deleted " +
                      "(and entries may have been removed from the end)");
    if (have_last)
      ok.notes.push_back(
          "no sealed head yet (a log of an earlier version): the next entry "
          "writes " +
          path);
    return Done(std::move(ok));
  }
  if (hf.state == HeadFile::State::kMalformed)
    return Fail(Problem::kHead, 0, entries,
                "the sealed head " + path + " is unusable: " + hf.error);
  if (hf.keyed && !keyed())
    return Fail(Problem::kNoKey, 0, entries,
                "the sealed head " + path +
                    " is keyed and no key is loaded: set "
                    "security.key_file to verify the log");
  if (hf.keyed && !head_trusted)
    return Fail(Problem::kHead, 0, entries,
                "the MAC of the sealed head " + path + " does not verify: it was edited or forged");
  if (!hf.keyed && keyed() && seen_keyed)
    return Fail(Problem::kHead, 0, entries,
                "the sealed head " + path + " is unkeyed but the log is keyed: it was replaced");
  if (hf.head.seq > last_seq) {
    if (last_seq == 0)
      return Fail(Problem::kDeleted, 1, entries,
                  "the log is empty but the sealed head records " + S(hf.head.seq) +
                      " entries: every entry was deleted");
    return Fail(Problem::kTruncated, last_seq + 1, entries,
                "the log ends at seq " + S(last_seq) + " but the sealed head records seq " +
                    S(hf.head.seq) + ": " + Entries(last_seq + 1, hf.head.seq) +
                    " removed from its end");
  }
  ZX_ASSIGN_OR_RETURN(auto at, db_.Prepare("SELECT hash FROM audit_log WHERE seq = ?1"));
  ZX_ASSIGN_OR_RETURN(auto row, at.Bind(1, hf.head.seq).Step());
  if (!row)
    return Fail(Problem::kRemoved, hf.head.seq, entries,
                "seq " + S(hf.head.seq) + ", the sealed head, is gone from the log");
  const std::string at_head = at.Text(0);
  if (!ConstantTimeEquals(at_head, hf.head.hash) && keyed() && IsKeyed(at_head))
    // Written with the key, so by the product: the log was cut and has grown again since.
    return Fail(Problem::kTruncated, hf.head.seq, entries,
                "seq " + S(hf.head.seq) +
                    " is not the entry the sealed head records, yet it verifies with the key: "
                    "entries up to seq " +
                    S(hf.head.seq) +
                    " were removed from the end and the product has appended since");
  if (!ConstantTimeEquals(at_head, hf.head.hash))
    return Fail(
        Problem::kRecomputed, hf.head.seq, entries,
        "seq " + S(hf.head.seq) +
            " no longer has the hash the sealed head records: the log was rewritten (or "
            "cut and appended to) up to there" +
            (seen_keyed ? std::string() : "; no entry is keyed: recomputed without the key"));
  if (hf.head.seq < last_seq)
    ok.notes.push_back(
        "the sealed head is at seq " + S(hf.head.seq) + ", " + S(last_seq - hf.head.seq) +
        " behind the log (" +
        (keyed() ? std::string("the entries after it verify with the key")
                 : std::string("unkeyed: entries after it cannot be told from forged ones")) +
        "); the next entry moves it");
  if (!hf.keyed)
    ok.notes.push_back(
        "the sealed head is unkeyed: it catches entries removed by someone with "
        "the database file only");
  return Done(std::move(ok));
}

namespace {

// The WHERE clause of `query`'s filters, its parameters numbered ?1-?6 (BindFilters).
std::string FilterClause(const AuditQuery& query) {
  std::string sql = "WHERE time_ms >= ?1 AND time_ms <= ?2";
  if (!query.object_type.empty()) sql += " AND object_type = ?3";
  if (!query.object_id.empty()) sql += " AND object_id = ?4";
  if (!query.actor.empty()) sql += " AND actor = ?5";
  if (!query.action_prefix.empty()) sql += " AND substr(action, 1, length(?6)) = ?6";
  return sql;
}

void BindFilters(storage::Statement& q, const AuditQuery& query) {
  q.Bind(1, query.since_ms).Bind(2, query.until_ms);
  if (!query.object_type.empty()) q.Bind(3, query.object_type);
  if (!query.object_id.empty()) q.Bind(4, query.object_id);
  if (!query.actor.empty()) q.Bind(5, query.actor);
  if (!query.action_prefix.empty()) q.Bind(6, query.action_prefix);
}

}  // namespace

Result<std::vector<AuditEntry>> AuditLog::Query(const AuditQuery& query) {
  std::string sql = std::string(kSelect) + FilterClause(query) + " ORDER BY seq" +
                    (query.newest_first ? " DESC" : "") + " LIMIT ?7 OFFSET ?8";
  ZX_ASSIGN_OR_RETURN(auto q, db_.Prepare(sql));
  BindFilters(q, query);
  q.Bind(7, int64_t{query.limit > 0 ? query.limit : 1000});
  q.Bind(8, std::max<int64_t>(query.offset, 0));
  std::vector<AuditEntry> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(auto row, q.Step());
    if (!row) break;
    out.push_back(EntryFromRow(q));
  }
  return out;
}

Result<int64_t> AuditLog::Count(const AuditQuery& query) {
  ZX_ASSIGN_OR_RETURN(auto q, db_.Prepare("SELECT count(*) FROM audit_log " + FilterClause(query)));
  BindFilters(q, query);
  ZX_ASSIGN_OR_RETURN(auto row, q.Step());
  if (!row) return int64_t{0};
  return q.Int(0);
}

Result<std::vector<AuditEntry>> AuditLog::WhoAccessed(const std::string& object_type,
                                                      const std::string& object_id) {
  AuditQuery q;
  q.object_type = object_type;
  q.object_id = object_id;
  q.limit = 100000;
  return Query(q);
}

}  // namespace zx::security
