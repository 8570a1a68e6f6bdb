#include "dialogue/conversation_store.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

namespace zx::dialogue {
namespace {

std::string TurnKey(const std::string& id, int64_t seq) { return id + "/" + std::to_string(seq); }

Status Migrate(storage::Database& db) {
  return db.Migrate({{"dialogue", 1, R"sql(
    CREATE TABLE conversations (
      id TEXT PRIMARY KEY, channel TEXT NOT NULL, state TEXT NOT NULL,
      created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, queued_ms INTEGER,
      agent TEXT, data TEXT NOT NULL, summary TEXT, summary_corrected TEXT);
    CREATE INDEX conversations_state ON conversations(state, queued_ms);
    CREATE TABLE conversation_turns (
      conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
      seq INTEGER NOT NULL, role TEXT NOT NULL,
      text TEXT,  -- sealed; NULL once the retention period has passed
      at_ms INTEGER NOT NULL, meta TEXT,
      turn_key TEXT GENERATED ALWAYS AS (conversation_id || '/' || seq) VIRTUAL,
      PRIMARY KEY (conversation_id, seq));
  )sql"},
                     // The citizen's token (its SM3 hash) and the holder's login name.
                     {"dialogue", 2, R"sql(
    ALTER TABLE conversations ADD COLUMN citizen_token TEXT;
    ALTER TABLE conversations ADD COLUMN agent_name TEXT;
  )sql"}});
}

}  // namespace

Result<ConversationStore> ConversationStore::Open(storage::Database& db, TextSealer sealer) {
  ZX_RETURN_IF_ERROR(Migrate(db));
  return ConversationStore(db, std::move(sealer));
}

std::string ConversationStore::Seal(const std::string& plain, const std::string& table,
                                    const std::string& column, const std::string& row_key) const {
  return sealer_.seal ? sealer_.seal(plain, table, column, row_key) : plain;
}

Result<std::string> ConversationStore::Unseal(const std::string& stored, const std::string& table,
                                              const std::string& column,
                                              const std::string& row_key) const {
  if (!sealer_.open) return stored;
  auto plain = sealer_.open(stored, table, column, row_key);
  // A value that does not open under the keys held (a lost or replaced key file, or the
  // in-memory key of a run without one) is reported as such, not as a server error; altered
  // data looks the same to the cipher and gets the same answer.
  if (!plain.ok() && (plain.status().code() == Code::kDataLoss ||
                      plain.status().code() == Code::kFailedPrecondition))
    return KeyMissing(table + "." + column + " of " + row_key +
                      " was sealed under a key this server does not hold (the key file was "
                      "replaced or lost, or the value was altered); start with the key file it "
                      "was written with (security.key_file) to read it");
  return plain;
}

Result<State> ConversationStore::OpenState(const std::string& id, const std::string& stored) const {
  ZX_ASSIGN_OR_RETURN(std::string plain, Unseal(stored, "conversations", "data", id));
  auto st = DecodeState(plain);
  if (!st.ok()) return DataLoss("conversation " + id + " has an unreadable data");
  return st;
}

Status ConversationStore::Insert(const std::string& id, const std::string& channel,
                                 const State& state, const std::string& token_hash,
                                 int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(auto ins, db_->Prepare("INSERT INTO conversations (id, channel, state, "
                                             "created_ms, updated_ms, data, citizen_token) "
                                             "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  ins.Bind(1, id).Bind(2, channel).Bind(3, state.state).Bind(4, now_ms).Bind(5, now_ms);
  ins.Bind(6, Seal(EncodeState(state), "conversations", "data", id)).Bind(7, token_hash);
  return ins.Run();
}

Result<std::optional<std::string>> ConversationStore::TokenHash(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT citizen_token FROM conversations WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row || q.IsNull(0)) return std::optional<std::string>();
  return std::optional<std::string>(q.Text(0));
}

Result<State> ConversationStore::LoadState(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT data, state FROM conversations WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("no such conversation");
  ZX_ASSIGN_OR_RETURN(State st, OpenState(id, q.Text(0)));
  st.state = q.Text(1);
  return st;
}

Result<ConversationRecord> ConversationStore::Load(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT channel, state, data, agent, summary, "
                                           "summary_corrected, agent_name "
                                           "FROM conversations WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("no such conversation");
  ConversationRecord r;
  r.channel = q.Text(0);
  r.state = q.Text(1);
  ZX_ASSIGN_OR_RETURN(r.data, OpenState(id, q.Text(2)));
  r.agent_id = q.IsNull(3) ? "" : q.Text(3);
  r.agent_name = q.IsNull(6) ? r.agent_id : q.Text(6);
  if (!q.IsNull(4)) r.summary = DecodeSummary(q.Text(4));
  if (!q.IsNull(5)) {
    ZX_ASSIGN_OR_RETURN(r.summary_corrected,
                        Unseal(q.Text(5), "conversations", "summary_corrected", id));
    if (!nlohmann::json::accept(r.summary_corrected))
      return DataLoss("conversation " + id + " has an unreadable summary_corrected");
  }
  return r;
}

Status ConversationStore::SaveState(const std::string& id, const State& state, int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(auto u, db_->Prepare("UPDATE conversations SET state = ?, data = ?, "
                                           "updated_ms = ?, queued_ms = COALESCE(queued_ms, ?) "
                                           "WHERE id = ?"));
  u.Bind(1, state.state).Bind(2, Seal(EncodeState(state), "conversations", "data", id));
  u.Bind(3, now_ms);
  if (state.state == kQueued)
    u.Bind(4, now_ms);
  else
    u.BindNull(4);
  u.Bind(5, id);
  return u.Run();
}

Status ConversationStore::SaveSummary(const std::string& id, const Summary& summary) {
  ZX_ASSIGN_OR_RETURN(auto u, db_->Prepare("UPDATE conversations SET summary = ? WHERE id = ?"));
  u.Bind(1, EncodeSummary(summary)).Bind(2, id);
  return u.Run();
}

Status ConversationStore::SaveHolder(const std::string& id, const std::string& agent_id,
                                     const std::string& agent_name) {
  ZX_ASSIGN_OR_RETURN(
      auto u, db_->Prepare("UPDATE conversations SET agent = ?, agent_name = ? WHERE id = ?"));
  u.Bind(1, agent_id).Bind(2, agent_name).Bind(3, id);
  return u.Run();
}

Status ConversationStore::SaveSummaryCorrection(const std::string& id,
                                                const std::string& corrected_json) {
  ZX_ASSIGN_OR_RETURN(auto u,
                      db_->Prepare("UPDATE conversations SET summary_corrected = ? WHERE id = ?"));
  // Corrections carry what agents type (names, numbers, addresses): sealed like the turns.
  u.Bind(1, Seal(corrected_json, "conversations", "summary_corrected", id)).Bind(2, id);
  return u.Run();
}

Result<std::string> ConversationStore::Holder(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT agent FROM conversations WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("no such conversation");
  return q.IsNull(0) ? std::string() : q.Text(0);
}

Status ConversationStore::AppendTurn(const std::string& id, const std::string& role,
                                     const std::string& text, int64_t now_ms,
                                     const std::string& meta) {
  ZX_ASSIGN_OR_RETURN(auto seq_q, db_->Prepare("SELECT COALESCE(MAX(seq), -1) + 1 FROM "
                                               "conversation_turns WHERE conversation_id = ?"));
  seq_q.Bind(1, id);
  ZX_RETURN_IF_ERROR(seq_q.Step().status());
  int64_t seq = seq_q.Int(0);
  ZX_ASSIGN_OR_RETURN(auto ins,
                      db_->Prepare("INSERT INTO conversation_turns (conversation_id, seq, role, "
                                   "text, at_ms, meta) VALUES (?, ?, ?, ?, ?, ?)"));
  ins.Bind(1, id).Bind(2, seq).Bind(3, role);
  ins.Bind(4, Seal(text, "conversation_turns", "text", TurnKey(id, seq))).Bind(5, now_ms);
  if (meta.empty())
    ins.BindNull(6);
  else
    ins.Bind(6, meta);
  return ins.Run();
}

Result<std::vector<StoredTurn>> ConversationStore::Turns(const std::string& id, int64_t after_seq,
                                                         int64_t limit) const {
  ZX_ASSIGN_OR_RETURN(auto t, db_->Prepare("SELECT seq, role, text, at_ms, meta FROM "
                                           "conversation_turns WHERE conversation_id = ? AND "
                                           "seq > ? ORDER BY seq LIMIT ?"));
  // No limit: one no conversation reaches (LIMIT -1 is SQLite's alone).
  t.Bind(1, id)
      .Bind(2, after_seq)
      .Bind(3, limit <= 0 ? std::numeric_limits<int64_t>::max() : limit);
  std::vector<StoredTurn> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, t.Step());
    if (!row) break;
    StoredTurn turn;
    turn.seq = t.Int(0);
    turn.role = t.Text(1);
    if (!t.IsNull(2)) {
      ZX_ASSIGN_OR_RETURN(turn.text,
                          Unseal(t.Text(2), "conversation_turns", "text", TurnKey(id, turn.seq)));
    }
    turn.at_ms = t.Int(3);
    if (!t.IsNull(4)) turn.meta = t.Text(4);
    out.push_back(std::move(turn));
  }
  return out;
}

Result<int64_t> ConversationStore::CountTurns(const std::string& id,
                                              const std::string& role) const {
  ZX_ASSIGN_OR_RETURN(auto q,
                      db_->Prepare(role.empty() ? "SELECT COUNT(*) FROM conversation_turns WHERE "
                                                  "conversation_id = ?"
                                                : "SELECT COUNT(*) FROM conversation_turns WHERE "
                                                  "conversation_id = ? AND role = ?"));
  q.Bind(1, id);
  if (!role.empty()) q.Bind(2, role);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : int64_t{0};
}

int QueueUrgency(const State& state) {
  const int risk = static_cast<int>(HandoffReason::kRisk);
  const int anger = static_cast<int>(HandoffReason::kAnger);
  return state.danger || state.handoff_priority >= risk ? 2
         : state.handoff_priority == anger              ? 1
                                                        : 0;
}

int ConversationStore::QueuePosition(const std::string& id, int64_t now_ms,
                                     std::optional<int> urgency) const {
  const std::vector<QueuedConversation> queue = Queued();
  int64_t since = now_ms;
  bool queued = false;
  for (const auto& q : queue)
    if (q.id == id) {
      queued = true;
      since = q.queued_ms;
      if (!urgency) urgency = QueueUrgency(q.data);
    }
  const int mine = urgency.value_or(0);
  int ahead = 0;
  for (const auto& q : queue) {
    if (q.id == id) continue;
    const int theirs = QueueUrgency(q.data);
    // Equal urgency: the longest waiting first; a newcomer goes after those queued at its time.
    const bool earlier =
        queued ? q.queued_ms < since || (q.queued_ms == since && q.id < id) : q.queued_ms <= since;
    ahead += theirs > mine || (theirs == mine && earlier);
  }
  return ahead + 1;
}

std::vector<QueuedConversation> ConversationStore::Queued() const {
  std::vector<QueuedConversation> out;
  auto q = db_->Prepare(
      "SELECT id, queued_ms, data FROM conversations WHERE state = ? ORDER BY queued_ms, id");
  if (!q.ok()) return out;
  q->Bind(1, kQueued);
  while (true) {
    auto r = q->Step();
    if (!r.ok() || !*r) break;
    auto st = OpenState(q->Text(0), q->Text(2));
    if (st.ok()) {
      out.push_back({q->Text(0), q->Int(1), std::move(st).value(), false});
    } else if (st.status().code() == Code::kKeyMissing) {
      // Still waiting, and staff are told why it cannot be read rather than losing it.
      out.push_back({q->Text(0), q->Int(1), State{}, true});
    }
  }
  // Rows come longest waiting first; the stable sort keeps that among equal urgency.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return QueueUrgency(a.data) > QueueUrgency(b.data);
  });
  return out;
}

std::vector<security::EncryptedColumn> EncryptedColumns() {
  return {{"conversation_turns", "turn_key", "text"},
          {"conversations", "id", "data"},
          {"conversations", "id", "summary_corrected"}};
}

std::vector<security::RetentionRule> RetentionRules() {
  return {{"conversation_turns",
           "at_ms",
           security::RetentionCategory::kTranscripts,
           "",
           {"text"},
           "the conversation's summary, topics and state"}};
}

}  // namespace zx::dialogue
