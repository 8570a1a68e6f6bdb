#include "security/audit.h"

#include <deque>
#include <unordered_map>

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

}  // namespace

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

Result<std::unique_ptr<AuditLog>> AuditLog::Open(storage::Database& db, const Clock& clock) {
  ZX_RETURN_IF_ERROR(MigrateSecurity(db));
  return std::unique_ptr<AuditLog>(new AuditLog(db, clock));
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

Result<AuditEntry> AuditLog::Append(AuditEvent event) {
  if (event.action.empty()) return InvalidArgument("an audit entry needs an action");
  if (event.actor.empty()) return InvalidArgument("an audit entry needs an actor");
  if (event.details_json.empty()) event.details_json = "{}";
  if (!LooksLikeJsonObject(event.details_json))
    return InvalidArgument("audit details must be a JSON object");
  event.purpose = text::MaskText(event.purpose);
  event.details_json = text::MaskText(event.details_json);

  std::lock_guard<std::mutex> lock(mu_);
  AuditEntry entry;
  entry.event = std::move(event);
  Status s = db_.Transaction([&]() -> Status {
    auto last = db_.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (!last.ok()) return last.status();
    auto row = last->Step();
    if (!row.ok()) return row.status();
    entry.seq = *row ? last->Int(0) + 1 : 1;
    entry.prev_hash = *row ? last->Text(1) : GenesisHash();
    entry.time_ms = clock_.NowUnixMillis();
    entry.hash = ChainHash(entry.prev_hash, CanonicalForm(entry.seq, entry.time_ms, entry.event));
    auto ins = db_.Prepare(
        "INSERT INTO audit_log (seq, time_ms, actor, role, action, object_type, object_id, "
        "purpose, remote, details, prev_hash, hash) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!ins.ok()) return ins.status();
    const AuditEvent& e = entry.event;
    ins->Bind(1, entry.seq).Bind(2, entry.time_ms).Bind(3, e.actor).Bind(4, e.role);
    ins->Bind(5, e.action).Bind(6, e.object_type).Bind(7, e.object_id).Bind(8, e.purpose);
    ins->Bind(9, e.remote).Bind(10, e.details_json).Bind(11, entry.prev_hash).Bind(12, entry.hash);
    return ins->Run();
  });
  if (!s.ok()) return s;
  return entry;
}

Result<AuditHead> AuditLog::Head() {
  auto q = db_.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!q.ok()) return q.status();
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return AuditHead{};
  return AuditHead{q->Int(0), q->Text(1)};
}

Result<AuditVerification> AuditLog::Verify(const std::optional<AuditHead>& anchor) {
  auto q = db_.Prepare(std::string(kSelect) + "ORDER BY seq");
  if (!q.ok()) return q.status();
  // The prev_hash of the first entry after `seq` (nullopt at the end): a look-ahead used only
  // when something is already wrong.
  auto next_prev_hash = [&](int64_t seq) -> Result<std::optional<std::string>> {
    auto n = db_.Prepare("SELECT prev_hash FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT 1");
    if (!n.ok()) return n.status();
    n->Bind(1, seq);
    auto row = n->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(n->Text(0));
  };

  // Recent entries by stored hash, to recognise a prev_hash that skips back over inserted
  // entries; bounded so that verification runs in constant memory.
  constexpr size_t kWindow = 4096;
  std::deque<std::pair<std::string, int64_t>> recent;
  std::unordered_map<std::string, int64_t> recent_seq;

  int64_t entries = 0;
  bool have_last = false;
  AuditEntry last;
  std::string expected_prev = GenesisHash();
  bool anchor_seen = false;
  for (;;) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    AuditEntry e = EntryFromRow(*q);
    const int64_t n = e.seq;
    const int64_t expected_seq = have_last ? last.seq + 1 : 1;

    if (n != expected_seq) {
      if (!have_last)
        return Found(Problem::kRemoved, n, entries,
                     "seq " + S(n) + ": the log starts at seq " + S(n) +
                         ", not 1: " + Entries(1, n - 1) + " removed");
      return Found(Problem::kRemoved, n, entries,
                   "gap in seq between " + S(last.seq) + " and " + S(n) + ": " +
                       Entries(last.seq + 1, n - 1) + " removed");
    }

    const std::string computed = ChainHash(e.prev_hash, CanonicalForm(e.seq, e.time_ms, e.event));
    const bool own_hash_ok = ConstantTimeEquals(computed, e.hash);

    if (!ConstantTimeEquals(e.prev_hash, expected_prev)) {
      // Does this entry follow the same predecessor as the previous one? Then the previous
      // one was slipped in.
      if (have_last && e.prev_hash == last.prev_hash)
        return Found(Problem::kInserted, last.seq, entries - 1,
                     "seq " + S(last.seq) + " was inserted: seq " + S(last.seq) + " and seq " +
                         S(n) + " both follow seq " + S(last.seq - 1));
      if (auto it = recent_seq.find(e.prev_hash); it != recent_seq.end())
        return Found(Problem::kInserted, it->second + 1, entries,
                     Entries(it->second + 1, n - 1) + " inserted: seq " + S(n) + " follows seq " +
                         S(it->second));
      auto next = next_prev_hash(n);
      if (!next.ok()) return next.status();
      if (next->has_value() && **next == expected_prev)
        return Found(Problem::kInserted, n, entries,
                     "seq " + S(n) + " was inserted: seq " + S(n + 1) + " follows seq " + S(n - 1) +
                         " directly");
      if (next->has_value() && **next == e.hash)
        return Found(Problem::kRemoved, n, entries,
                     "prev_hash mismatch at seq " + S(n) + ": it does not follow seq " + S(n - 1) +
                         " but the chain goes on from it: an entry before seq " + S(n) +
                         " was removed (and later entries renumbered), or seq " + S(n - 1) +
                         " was changed and re-hashed");
      if (!own_hash_ok)
        return Found(Problem::kInserted, n, entries,
                     "seq " + S(n) +
                         " does not belong to the chain: its prev_hash does not "
                         "match seq " +
                         S(n - 1) +
                         " and its hash does not match its content "
                         "(an inserted or replaced entry)");
      return Found(Problem::kRemoved, n, entries,
                   "prev_hash mismatch at seq " + S(n) + ": it does not follow seq " + S(n - 1) +
                       ": an entry between them was removed (and later ones renumbered), or seq " +
                       S(n - 1) + " was changed and re-hashed");
    }

    if (!own_hash_ok) {
      auto next = next_prev_hash(n);
      if (!next.ok()) return next.status();
      if (next->has_value() && **next == expected_prev)
        return Found(Problem::kInserted, n, entries,
                     "seq " + S(n) + " was inserted: seq " + S(n + 1) + " follows seq " + S(n - 1) +
                         " directly");
      return Found(Problem::kChanged, n, entries,
                   "seq " + S(n) + ": hash mismatch: the entry was changed after it was written");
    }

    if (anchor && n == anchor->seq) {
      if (!ConstantTimeEquals(e.hash, anchor->hash))
        return Found(Problem::kChanged, n, entries,
                     "seq " + S(n) +
                         " no longer has the recorded head hash: the log was "
                         "rewritten from here or earlier");
      anchor_seen = true;
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
  if (anchor && anchor->seq > 0 && !anchor_seen)
    return Found(Problem::kRemoved, anchor->seq, entries,
                 "seq " + S(anchor->seq) + " (the recorded head) is gone: the log ends at seq " +
                     S(have_last ? last.seq : 0) + ": entries were removed from its end");
  AuditVerification ok;
  ok.entries = entries;
  if (have_last) ok.head = {last.seq, last.hash};
  return ok;
}

Result<std::vector<AuditEntry>> AuditLog::Query(const AuditQuery& query) {
  std::string sql = std::string(kSelect) + "WHERE time_ms >= ?1 AND time_ms <= ?2";
  if (!query.object_type.empty()) sql += " AND object_type = ?3";
  if (!query.object_id.empty()) sql += " AND object_id = ?4";
  if (!query.actor.empty()) sql += " AND actor = ?5";
  if (!query.action_prefix.empty()) sql += " AND substr(action, 1, length(?6)) = ?6";
  sql += " ORDER BY seq LIMIT ?7";
  auto q = db_.Prepare(sql);
  if (!q.ok()) return q.status();
  q->Bind(1, query.since_ms).Bind(2, query.until_ms);
  if (!query.object_type.empty()) q->Bind(3, query.object_type);
  if (!query.object_id.empty()) q->Bind(4, query.object_id);
  if (!query.actor.empty()) q->Bind(5, query.actor);
  if (!query.action_prefix.empty()) q->Bind(6, query.action_prefix);
  q->Bind(7, int64_t{query.limit > 0 ? query.limit : 1000});
  std::vector<AuditEntry> out;
  for (;;) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(EntryFromRow(*q));
  }
  return out;
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
