#include "dialogue/conversation_store.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "dialogue/satisfaction.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/field_cipher.h"

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
      turn_key TEXT GENERATED ALWAYS AS (conversation_id || '/' || CAST(seq AS TEXT)) VIRTUAL,
      PRIMARY KEY (conversation_id, seq));
  )sql"},
                     // The citizen's token (its SM3 hash) and the holder's login name.
                     {"dialogue", 2, R"sql(
    ALTER TABLE conversations ADD COLUMN citizen_token TEXT;
    ALTER TABLE conversations ADD COLUMN agent_name TEXT;
  )sql"}});
}

// The hand-over and the end of a conversation (issue 11 #6, #8), as a module of its own so that
// its version numbers never collide with the dialogue's: who holds it as citizens see them, the
// queue it was transferred to, the reference number and its per-day counter, the citizen's
// rating, the blind index of the phone number they gave.
Status MigrateHandover(storage::Database& db) {
  return db.Migrate({{"dialogue_handover", 1, R"sql(
    ALTER TABLE conversations ADD COLUMN agent_display TEXT;
    ALTER TABLE conversations ADD COLUMN queue_name TEXT;
    ALTER TABLE conversations ADD COLUMN reference TEXT;
    ALTER TABLE conversations ADD COLUMN satisfaction TEXT;
    ALTER TABLE conversations ADD COLUMN ended_ms INTEGER;
    ALTER TABLE conversations ADD COLUMN phone_index TEXT;
    CREATE UNIQUE INDEX conversations_reference ON conversations(reference);
    CREATE INDEX conversations_phone ON conversations(phone_index);
    CREATE INDEX conversations_created ON conversations(created_ms);
    CREATE TABLE conversation_reference_days (
      day TEXT PRIMARY KEY, last INTEGER NOT NULL);
  )sql"}});
}

}  // namespace

Result<ConversationStore> ConversationStore::Open(storage::Database& db, TextSealer sealer) {
  ZX_RETURN_IF_ERROR(Migrate(db));
  ZX_RETURN_IF_ERROR(MigrateHandover(db));
  // The work order a complaint made (State::ticket), for the agents' search by its number.
  ZX_RETURN_IF_ERROR(db.Migrate({{"dialogue_tickets", 1, R"sql(
    ALTER TABLE conversations ADD COLUMN ticket_id TEXT;
    CREATE INDEX conversations_ticket ON conversations(ticket_id);
  )sql"}}));
  // The seq the next turn gets, kept on the conversation's row: a citizen's turn reserves its
  // seqs in the UPDATE that saves the state, with no read of MAX(seq) first.
  ZX_RETURN_IF_ERROR(db.Migrate({{"dialogue_turn_seq", 1, R"sql(
    ALTER TABLE conversations ADD COLUMN next_seq INTEGER NOT NULL DEFAULT 0;
    UPDATE conversations SET next_seq = (SELECT COALESCE(MAX(seq), -1) + 1 FROM
      conversation_turns WHERE conversation_turns.conversation_id = conversations.id);
  )sql"}}));
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
  // in-memory key of a run without one) is reported as such, not as a server error.
  if (!plain.ok())
    return security::AsKeyMissing(plain.status(), table + "." + column + " of " + row_key);
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
                                 const std::vector<NewTurn>& turns, int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(auto ins, db_->Prepare("INSERT INTO conversations (id, channel, state, "
                                             "created_ms, updated_ms, data, citizen_token, "
                                             "next_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  ins.Bind(1, id).Bind(2, channel).Bind(3, state.state).Bind(4, now_ms).Bind(5, now_ms);
  ins.Bind(6, Seal(EncodeState(state), "conversations", "data", id)).Bind(7, token_hash);
  ins.Bind(8, static_cast<int64_t>(turns.size()));
  ZX_RETURN_IF_ERROR(ins.Run());
  return InsertTurns(id, 0, turns, now_ms);
}

Result<std::optional<std::string>> ConversationStore::TokenHash(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT citizen_token FROM conversations WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row || q.IsNull(0)) return std::optional<std::string>();
  return std::optional<std::string>(q.Text(0));
}

Result<State> ConversationStore::LoadState(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(StateForTurn loaded, ReadState(id, false));
  return std::move(loaded.state);
}

Result<ConversationStore::StateForTurn> ConversationStore::LoadStateForTurn(
    const std::string& id) const {
  return ReadState(id, true);
}

Result<ConversationStore::StateForTurn> ConversationStore::ReadState(const std::string& id,
                                                                     bool count_citizen) const {
  ZX_ASSIGN_OR_RETURN(auto q,
                      db_->Prepare(count_citizen ? "SELECT data, state, (SELECT COUNT(*) FROM "
                                                   "conversation_turns t WHERE t.conversation_id = "
                                                   "conversations.id AND t.role = 'citizen'), "
                                                   "channel FROM conversations WHERE id = ?"
                                                 : "SELECT data, state, 0, channel FROM "
                                                   "conversations WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("no such conversation");
  StateForTurn out;
  ZX_ASSIGN_OR_RETURN(out.state, OpenState(id, q.Text(0)));
  out.state.state = q.Text(1);
  out.citizen_turns = q.Int(2);
  out.channel = q.Text(3);
  return out;
}

Result<ConversationRecord> ConversationStore::Load(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT channel, state, data, agent, summary, "
                                           "summary_corrected, agent_name, agent_display, "
                                           "queue_name, reference, satisfaction, created_ms, "
                                           "ended_ms, next_seq FROM conversations WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("no such conversation");
  ConversationRecord r;
  r.channel = q.Text(0);
  r.state = q.Text(1);
  ZX_ASSIGN_OR_RETURN(r.data, OpenState(id, q.Text(2)));
  r.agent_id = q.IsNull(3) ? "" : q.Text(3);
  r.agent_name = q.IsNull(6) ? r.agent_id : q.Text(6);
  r.agent_display = q.IsNull(7) ? "" : q.Text(7);
  r.queue = q.IsNull(8) ? "" : q.Text(8);
  r.reference = q.IsNull(9) ? "" : q.Text(9);
  r.satisfaction = q.IsNull(10) ? "" : q.Text(10);
  r.created_ms = q.Int(11);
  r.ended_ms = q.IsNull(12) ? 0 : q.Int(12);
  r.turns = q.Int(13);
  if (!q.IsNull(4)) r.summary = DecodeSummary(q.Text(4));
  if (!q.IsNull(5)) {
    ZX_ASSIGN_OR_RETURN(r.summary_corrected,
                        Unseal(q.Text(5), "conversations", "summary_corrected", id));
    if (!nlohmann::json::accept(r.summary_corrected))
      return DataLoss("conversation " + id + " has an unreadable summary_corrected");
  }
  return r;
}

// The columns SaveState writes, as UPDATE ... SET's first five parameters.
constexpr char kSetState[] =
    "state = ?, data = ?, updated_ms = ?, queued_ms = COALESCE(queued_ms, ?), ticket_id = ?";

void ConversationStore::BindState(storage::Statement& u, const std::string& id, const State& state,
                                  int64_t now_ms) const {
  u.Bind(1, state.state).Bind(2, Seal(EncodeState(state), "conversations", "data", id));
  u.Bind(3, now_ms);
  if (state.state == kQueued)
    u.Bind(4, now_ms);
  else
    u.BindNull(4);
  if (state.ticket)
    u.Bind(5, state.ticket->id);
  else
    u.BindNull(5);
}

Status ConversationStore::SaveState(const std::string& id, const State& state, int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(
      auto u, db_->Prepare(std::string("UPDATE conversations SET ") + kSetState + " WHERE id = ?"));
  BindState(u, id, state, now_ms);
  u.Bind(6, id);
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

Status ConversationStore::SaveSummary(const std::string& id, const Summary& summary) {
  ZX_ASSIGN_OR_RETURN(auto u, db_->Prepare("UPDATE conversations SET summary = ? WHERE id = ?"));
  u.Bind(1, EncodeSummary(summary, /*with_contact=*/false)).Bind(2, id);
  return u.Run();
}

Result<std::string> ConversationStore::Holder(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT agent FROM conversations WHERE id = ?"));
  q.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("no such conversation");
  return q.IsNull(0) ? std::string() : q.Text(0);
}

Result<std::vector<std::string>> ConversationStore::HeldBy(const std::string& agent_id) const {
  ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT id FROM conversations WHERE state = ? AND "
                                           "agent = ? ORDER BY updated_ms, id"));
  q.Bind(1, kAgent);
  q.Bind(2, agent_id);
  std::vector<std::string> out;
  while (true) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(q.Text(0));
  }
}

Status ConversationStore::ClaimHolder(const std::string& id, const std::string& agent_id,
                                      const std::string& agent_name,
                                      const std::string& agent_display, bool takeover) {
  // One statement decides: two agents (or two server processes) taking at once cannot both
  // see the conversation free.
  ZX_ASSIGN_OR_RETURN(
      auto u, db_->Prepare("UPDATE conversations SET agent = ?, agent_name = ?, agent_display = ?, "
                           "queue_name = NULL WHERE id = ? AND state <> ? AND (? = 1 OR "
                           "agent IS NULL OR agent = '' OR agent = ? OR state <> ?) RETURNING id"));
  u.Bind(1, agent_id).Bind(2, agent_name);
  if (agent_display.empty())
    u.BindNull(3);
  else
    u.Bind(3, agent_display);
  u.Bind(4, id)
      .Bind(5, kEnded)
      .Bind(6, int64_t{takeover ? 1 : 0})
      .Bind(7, agent_id)
      .Bind(8, kAgent);
  ZX_ASSIGN_OR_RETURN(bool claimed, u.Step());
  if (claimed) return Status::Ok();
  ZX_ASSIGN_OR_RETURN(State st, LoadState(id));  // not_found for an unknown id
  if (st.state == kEnded) return FailedPrecondition("the conversation has ended");
  return Status(Code::kAlreadyExists, "already taken: another agent holds the conversation");
}

Status ConversationStore::TransferHolder(const std::string& id, const std::string& from_id,
                                         const std::string& to_id, const std::string& to_name,
                                         const std::string& to_display) {
  ZX_ASSIGN_OR_RETURN(
      auto u, db_->Prepare("UPDATE conversations SET agent = ?, agent_name = ?, agent_display = ?, "
                           "queue_name = NULL WHERE id = ? AND agent = ? RETURNING id"));
  u.Bind(1, to_id).Bind(2, to_name);
  if (to_display.empty())
    u.BindNull(3);
  else
    u.Bind(3, to_display);
  u.Bind(4, id).Bind(5, from_id);
  ZX_ASSIGN_OR_RETURN(bool moved, u.Step());
  if (!moved) return Status(Code::kPermissionDenied, "another agent holds the conversation");
  return Status::Ok();
}

Status ConversationStore::ReleaseToQueue(const std::string& id, const std::string& queue) {
  ZX_ASSIGN_OR_RETURN(auto u, db_->Prepare("UPDATE conversations SET agent = NULL, agent_name = "
                                           "NULL, agent_display = NULL, queue_name = ? "
                                           "WHERE id = ?"));
  if (queue.empty())
    u.BindNull(1);
  else
    u.Bind(1, queue);
  u.Bind(2, id);
  return u.Run();
}

Result<std::string> ConversationStore::SaveEnd(const std::string& id, const State& state,
                                               const Summary& summary, bool numbered,
                                               int64_t now_ms) {
  std::optional<std::string> drawn;
  if (!numbered) {
    const std::string day = ReferenceDay(now_ms);
    ZX_ASSIGN_OR_RETURN(
        auto next, db_->Prepare("INSERT INTO conversation_reference_days (day, last) VALUES (?, 1) "
                                "ON CONFLICT (day) DO UPDATE SET last = "
                                "conversation_reference_days.last + 1 RETURNING last"));
    next.Bind(1, day);
    ZX_ASSIGN_OR_RETURN(bool counted, next.Step());
    if (!counted) return Internal("the reference counter returned no row");
    drawn = ReferenceNumber(day, next.Int(0));
    next.Reset();
  }
  // A reference the row has already (another node ended it meanwhile) stays: the one drawn is
  // then a gap in the day's numbers, never a second number for one conversation.
  ZX_ASSIGN_OR_RETURN(auto u, db_->Prepare(std::string("UPDATE conversations SET ") + kSetState +
                                           ", summary = ?, reference = COALESCE(reference, ?), "
                                           "ended_ms = COALESCE(ended_ms, ?) WHERE id = ? "
                                           "RETURNING reference"));
  BindState(u, id, state, now_ms);
  u.Bind(6, EncodeSummary(summary, /*with_contact=*/false));
  if (drawn)
    u.Bind(7, *drawn);
  else
    u.BindNull(7);
  u.Bind(8, now_ms).Bind(9, id);
  ZX_ASSIGN_OR_RETURN(bool row, u.Step());
  if (!row) return NotFound("no such conversation");
  if (u.IsNull(0)) return Internal("conversation " + id + " ended without a reference");
  std::string reference = u.Text(0);
  u.Reset();
  return reference;
}

Status ConversationStore::SaveSatisfaction(const std::string& id, const std::string& rating) {
  ZX_ASSIGN_OR_RETURN(auto u, db_->Prepare("UPDATE conversations SET satisfaction = ? WHERE id = ? "
                                           "AND satisfaction IS NULL RETURNING id"));
  u.Bind(1, rating).Bind(2, id);
  ZX_ASSIGN_OR_RETURN(bool saved, u.Step());
  if (!saved) return Status(Code::kAlreadyExists, "the conversation has been rated already");
  return Status::Ok();
}

Status ConversationStore::SavePhoneIndex(const std::string& id, const std::string& phone_index) {
  ZX_ASSIGN_OR_RETURN(auto u,
                      db_->Prepare("UPDATE conversations SET phone_index = ? WHERE id = ?"));
  if (phone_index.empty())
    u.BindNull(1);
  else
    u.Bind(1, phone_index);
  u.Bind(2, id);
  return u.Run();
}

std::string ConversationStore::PhoneIndex(const std::string& phone_digits) const {
  if (sealer_.blind_index) return sealer_.blind_index("phone", phone_digits);
  return security::HexEncode(security::Sm3("phone\n" + phone_digits));
}

Result<std::vector<std::string>> ConversationStore::Search(const ConversationQuery& query) const {
  std::string sql = "SELECT id FROM conversations WHERE created_ms >= ?";
  if (query.until_ms > 0) sql += " AND created_ms < ?";
  if (!query.reference.empty()) sql += " AND reference = ?";
  if (!query.phone_index.empty()) sql += " AND phone_index = ?";
  if (!query.ticket.empty()) sql += " AND ticket_id = ?";
  sql += " ORDER BY created_ms DESC, id LIMIT ?";
  ZX_ASSIGN_OR_RETURN(auto q, db_->Prepare(sql));
  int i = 1;
  q.Bind(i++, query.since_ms);
  if (query.until_ms > 0) q.Bind(i++, query.until_ms);
  if (!query.reference.empty()) q.Bind(i++, query.reference);
  if (!query.phone_index.empty()) q.Bind(i++, query.phone_index);
  if (!query.ticket.empty()) q.Bind(i++, query.ticket);
  q.Bind(i++, int64_t{query.limit > 0 ? query.limit : 50});
  std::vector<std::string> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.Text(0));
  }
  return out;
}

Status ConversationStore::AppendTurn(const std::string& id, const std::string& role,
                                     const std::string& text, int64_t now_ms,
                                     const std::string& meta) {
  return AppendTurns(id, {{role, text, meta}}, now_ms);
}

Status ConversationStore::AppendTurns(const std::string& id, const std::vector<NewTurn>& turns,
                                      int64_t now_ms) {
  if (turns.empty()) return Status::Ok();
  ZX_ASSIGN_OR_RETURN(auto u, db_->Prepare("UPDATE conversations SET next_seq = next_seq + ? "
                                           "WHERE id = ? RETURNING next_seq"));
  u.Bind(1, static_cast<int64_t>(turns.size())).Bind(2, id);
  ZX_ASSIGN_OR_RETURN(int64_t first, FirstReserved(u, turns.size()));
  return InsertTurns(id, first, turns, now_ms);
}

Status ConversationStore::SaveStateAndTurns(const std::string& id, const State& state,
                                            const std::vector<NewTurn>& turns, int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(auto u, db_->Prepare(std::string("UPDATE conversations SET ") + kSetState +
                                           ", next_seq = next_seq + ? WHERE id = ? "
                                           "RETURNING next_seq"));
  BindState(u, id, state, now_ms);
  u.Bind(6, static_cast<int64_t>(turns.size())).Bind(7, id);
  ZX_ASSIGN_OR_RETURN(int64_t first, FirstReserved(u, turns.size()));
  return InsertTurns(id, first, turns, now_ms);
}

Result<int64_t> ConversationStore::FirstReserved(storage::Statement& reserve, size_t n) {
  ZX_ASSIGN_OR_RETURN(bool row, reserve.Step());
  if (!row) return NotFound("no such conversation");
  const int64_t first = reserve.Int(0) - static_cast<int64_t>(n);
  reserve.Reset();
  return first;
}

Status ConversationStore::InsertTurns(const std::string& id, int64_t first,
                                      const std::vector<NewTurn>& turns, int64_t now_ms) {
  if (turns.empty()) return Status::Ok();
  std::string sql =
      "INSERT INTO conversation_turns (conversation_id, seq, role, text, at_ms, meta) VALUES ";
  for (size_t i = 0; i < turns.size(); ++i)
    sql += i ? ", (?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?)";
  ZX_ASSIGN_OR_RETURN(auto ins, db_->Prepare(sql));
  for (size_t i = 0; i < turns.size(); ++i) {
    const int b = static_cast<int>(i) * 6;
    const int64_t seq = first + static_cast<int64_t>(i);
    ins.Bind(b + 1, id).Bind(b + 2, seq).Bind(b + 3, turns[i].role);
    ins.Bind(b + 4, Seal(turns[i].text, "conversation_turns", "text", TurnKey(id, seq)));
    ins.Bind(b + 5, now_ms);
    if (turns[i].meta.empty())
      ins.BindNull(b + 6);
    else
      ins.Bind(b + 6, turns[i].meta);
  }
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
      "SELECT id, queued_ms, data, queue_name FROM conversations WHERE state = ? "
      "ORDER BY queued_ms, id");
  if (!q.ok()) return out;
  q->Bind(1, kQueued);
  while (true) {
    auto r = q->Step();
    if (!r.ok() || !*r) break;
    auto st = OpenState(q->Text(0), q->Text(2));
    std::string queue = q->IsNull(3) ? "" : q->Text(3);
    if (st.ok()) {
      out.push_back({q->Text(0), q->Int(1), std::move(st).value(), false, std::move(queue)});
    } else if (st.status().code() == Code::kKeyMissing) {
      // Still waiting, and staff are told why it cannot be read rather than losing it.
      out.push_back({q->Text(0), q->Int(1), State{}, true, std::move(queue)});
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
