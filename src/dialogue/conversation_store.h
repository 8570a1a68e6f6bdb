// ConversationStore: where conversations live (tables `conversations` and `conversation_turns`,
// module "dialogue" migrations). All of the dialogue's SQL is here, written portably (`?`
// placeholders, integer times from the caller's Clock, no SQLite-only functions) so that another
// database driver runs it unchanged. The store seals what the citizen said (turn texts, the
// conversation state, an agent's summary correction) with the TextSealer, binding table, column
// and row key into each sealed value.
//
// Thread-safe as storage::Database is; callers serialise changes to one conversation.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "dialogue/sealer.h"
#include "dialogue/state.h"
#include "dialogue/summary.h"
#include "security/reencrypt.h"
#include "security/retention.h"
#include "storage/database.h"

namespace zx::dialogue {

// One conversation's row.
struct ConversationRecord {
  std::string channel;
  std::string state;
  State data;
  std::string agent_id;       // "" when no agent holds (held) it
  std::string agent_name;     // the holder's login name; agent_id for rows from before names
  std::string agent_display;  // what citizens see of the holder (User::display_name); "" none
  std::string queue;          // the queue it waits in after a transfer ("" the default queue)
  std::string reference;      // 受理编号, given when it ended; "" before
  std::string satisfaction;   // the citizen's rating (satisfaction.h); "" when none given
  int64_t created_ms = 0;
  int64_t ended_ms = 0;  // 0 while not ended
  int64_t turns = 0;     // turns stored (their seqs are 0 to turns - 1)
  std::optional<Summary> summary;
  std::string summary_corrected;  // the agent's correction (a JSON object), opened; "" when none
};

struct StoredTurn {
  int64_t seq = 0;
  std::string role;
  std::optional<std::string> text;  // opened; none once the retention period removed it
  int64_t at_ms = 0;
  std::string meta;  // a JSON object as stored (AppendTurn), "" when none
};

struct QueuedConversation {
  std::string id;
  int64_t queued_ms = 0;
  State data;                // empty when key_missing
  bool key_missing = false;  // its state is sealed under a key this server does not hold
  std::string queue;         // "" the default queue; a transfer names another (ReleaseToQueue)
};

// What a search of past conversations asks (all given criteria must hold).
struct ConversationQuery {
  std::string reference;    // 受理编号, exact
  std::string phone_index;  // blind index of the citizen's phone number (PhoneIndex)
  std::string ticket;       // the work order it made (GD...), exact
  int64_t since_ms = 0;     // created at or after
  int64_t until_ms = 0;     // created before; 0: no bound
  int limit = 50;
};

// The agents' queue order (issue 11): a danger first, then anger, then the waiting time. The one
// ordering key of the queue: 2 when a danger was heard or the handover was for a risk, 1 when
// it was for anger, 0 otherwise; higher is served first, equal ones by queued time.
int QueueUrgency(const State& state);

class ConversationStore {
 public:
  // Applies the dialogue's migrations.
  static Result<ConversationStore> Open(storage::Database& db, TextSealer sealer);

  Status Transaction(const std::function<Status()>& body) { return db_->Transaction(body); }

  // A turn to store (Insert, AppendTurns). `meta`: a JSON object ("" for none).
  struct NewTurn {
    std::string role, text, meta;
  };
  // A new conversation and its first `turns` (seqs 0, 1, ...).
  Status Insert(const std::string& id, const std::string& channel, const State& state,
                const std::string& token_hash, const std::vector<NewTurn>& turns, int64_t now_ms);
  // The SM3 hash of the citizen's token; none for an unknown id or a conversation without one.
  Result<std::optional<std::string>> TokenHash(const std::string& id) const;
  // not_found for an unknown id; key_missing (here and wherever sealed text is read) when the
  // value was sealed under a key this server does not hold. The state's `state` is the row's.
  Result<State> LoadState(const std::string& id) const;
  // LoadState and how many turns the citizen has said, in one statement (a turn's first).
  struct StateForTurn {
    State state;
    int64_t citizen_turns = 0;
    std::string channel;  // "web", "voice", ...
  };
  Result<StateForTurn> LoadStateForTurn(const std::string& id) const;
  Result<ConversationRecord> Load(const std::string& id) const;
  // state, data and updated_ms; queued_ms is set the first time the state is "queued".
  Status SaveState(const std::string& id, const State& state, int64_t now_ms);
  Status SaveHolder(const std::string& id, const std::string& agent_id,
                    const std::string& agent_name);
  Status SaveSummaryCorrection(const std::string& id, const std::string& corrected_json);
  // Replaces the stored summary of an ended conversation (its 小结 added later).
  Status SaveSummary(const std::string& id, const Summary& summary);
  // The principal id of the agent holding `id` ("" when none); not_found for an unknown id.
  Result<std::string> Holder(const std::string& id) const;
  // The conversations the agent `agent_id` holds now, longest held first.
  Result<std::vector<std::string>> HeldBy(const std::string& agent_id) const;

  // Makes `agent` the holder, atomically in one UPDATE: only when the conversation has not
  // ended and nobody else holds it while it is with an agent (or `takeover`). The state is
  // set to "agent" by the caller's SaveState. already_exists ("already taken") when another
  // holds it; not_found for an unknown id; failed_precondition when it has ended.
  Status ClaimHolder(const std::string& id, const std::string& agent_id,
                     const std::string& agent_name, const std::string& agent_display,
                     bool takeover);
  // Moves the conversation from the holder `from_id` to another agent, atomically (the holder
  // must still be `from_id`): permission_denied otherwise.
  Status TransferHolder(const std::string& id, const std::string& from_id, const std::string& to_id,
                        const std::string& to_name, const std::string& to_display);
  // No holder any more; it waits in `queue` ("" the default) once the caller saves the state
  // "queued".
  Status ReleaseToQueue(const std::string& id, const std::string& queue);

  // Saves `state` and `summary` of an ended conversation and returns its 受理编号: the one it
  // has, else (`numbered` false) the next of the day of `now_ms` (a counter per day, in the
  // caller's transaction), stored with ended_ms. Two statements at most.
  Result<std::string> SaveEnd(const std::string& id, const State& state, const Summary& summary,
                              bool numbered, int64_t now_ms);
  // The citizen's rating, once: already_exists when one was given.
  Status SaveSatisfaction(const std::string& id, const std::string& rating);
  // The blind index of the citizen's phone number (for search); "" clears.
  Status SavePhoneIndex(const std::string& id, const std::string& phone_index);
  // The index a phone number is found by (the sealer's blind index, kind "phone").
  std::string PhoneIndex(const std::string& phone_digits) const;
  // Ids of conversations matching `query`, newest first.
  Result<std::vector<std::string>> Search(const ConversationQuery& query) const;

  // Appends a turn with the next seq. `meta`: a JSON object, stored as given ("" for none).
  Status AppendTurn(const std::string& id, const std::string& role, const std::string& text,
                    int64_t now_ms, const std::string& meta);
  // Appends `turns` in order with the next seqs (reserved on the conversation's row), in two
  // statements whatever their number.
  Status AppendTurns(const std::string& id, const std::vector<NewTurn>& turns, int64_t now_ms);
  // SaveState and AppendTurns in two statements (a citizen's words and the reply: each round
  // trip saved counts on PostgreSQL).
  Status SaveStateAndTurns(const std::string& id, const State& state,
                           const std::vector<NewTurn>& turns, int64_t now_ms);
  // Turns with seq > after_seq, oldest first, at most `limit` (<= 0: all).
  Result<std::vector<StoredTurn>> Turns(const std::string& id, int64_t after_seq,
                                        int64_t limit) const;

  // 1-based place in the queue (QueueUrgency order): those queued ahead of `id`, plus one.
  // `urgency`: `id`'s QueueUrgency when its state is not saved yet (a handover in progress, a
  // message while queued); its stored state's otherwise. When `id` is not queued yet it waits
  // since `now_ms`.
  int QueuePosition(const std::string& id, int64_t now_ms,
                    std::optional<int> urgency = std::nullopt) const;
  // Queued conversations in the agents' order (QueueUrgency, then longest waiting first); rows
  // sealed under a key this server does not hold are listed with key_missing (urgency 0), other
  // rows whose state does not open are skipped.
  std::vector<QueuedConversation> Queued() const;

 private:
  ConversationStore(storage::Database& db, TextSealer sealer)
      : db_(&db), sealer_(std::move(sealer)) {}
  std::string Seal(const std::string& plain, const std::string& table, const std::string& column,
                   const std::string& row_key) const;
  Result<std::string> Unseal(const std::string& stored, const std::string& table,
                             const std::string& column, const std::string& row_key) const;
  Result<State> OpenState(const std::string& id, const std::string& stored) const;
  // The state (and, when `count_citizen`, the citizen's turns; else 0) in one statement.
  Result<StateForTurn> ReadState(const std::string& id, bool count_citizen) const;
  // Binds SaveState's columns as parameters 1 to 5.
  void BindState(storage::Statement& u, const std::string& id, const State& state,
                 int64_t now_ms) const;
  // The first of the `n` seqs `reserve` (an UPDATE ... RETURNING next_seq that added n)
  // reserved.
  static Result<int64_t> FirstReserved(storage::Statement& reserve, size_t n);
  // Inserts `turns` under seqs first, first + 1, ... in one statement.
  Status InsertTurns(const std::string& id, int64_t first, const std::vector<NewTurn>& turns,
                     int64_t now_ms);

  storage::Database* db_;
  TextSealer sealer_;
};

// The personal data the store keeps, for the application's registries
// (app/security_context.cc): the sealed columns (re-encrypted by `zhixian keys reencrypt`) and
// the transcript texts that retention clears, keeping the conversation's summary.
std::vector<security::EncryptedColumn> EncryptedColumns();
std::vector<security::RetentionRule> RetentionRules();

}  // namespace zx::dialogue
