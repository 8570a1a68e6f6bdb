// The agent desk's own facts, beside the conversations: each agent's presence (在线/小休/离线,
// kept in the database so every node and the supervisors see the same), and the desk's
// reference data from the knowledge base: canned replies an agent types as "/code" and the
// queues a conversation may be transferred to (kb/desk/canned.tsv, kb/desk/queues.tsv).
//
// Thread-safe (the database is). Portable SQL: `?` placeholders, the upsert both engines have.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "storage/database.h"

namespace zx::dialogue {

inline constexpr char kOnline[] = "online";    // 在线: takes conversations
inline constexpr char kOnBreak[] = "break";    // 小休: at the desk, takes none
inline constexpr char kOffline[] = "offline";  // 离线

struct PresenceRecord {
  std::string agent_id;  // principal id ("u:12")
  std::string state;     // kOnline, kOnBreak, kOffline
  int64_t since_ms = 0;
};

class Presence {
 public:
  // Migrates its table. `db` and `clock` must outlive it.
  static Result<std::unique_ptr<Presence>> Open(storage::Database& db, const Clock& clock);

  // Sets the agent's presence; invalid_argument for a state not listed above. Setting the
  // state it has keeps its `since`.
  Result<PresenceRecord> Set(const std::string& agent_id, std::string_view state);
  // An agent never set is offline since 0.
  Result<PresenceRecord> Get(const std::string& agent_id) const;
  Result<std::vector<PresenceRecord>> All() const;

 private:
  Presence(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  storage::Database& db_;
  const Clock& clock_;
};

struct CannedReply {
  std::string code;  // "/gh": what the agent types
  std::string title;
  std::string text;
};

struct DeskQueue {
  std::string code;  // what a transfer names (to_queue)
  std::string name;  // 医保专席
};

struct DeskData {
  std::vector<CannedReply> canned;
  std::vector<DeskQueue> queues;

  // Reads KB_DIR/desk/canned.tsv (code, title, text) and queues.tsv (code, name), each with a
  // header line; a missing file is an empty list. invalid_argument "FILE:LINE: reason" for a
  // malformed line, a code twice or a canned code not of the form "/" + [a-z0-9]+.
  static Result<DeskData> Load(const std::string& kb_dir);
};

}  // namespace zx::dialogue
