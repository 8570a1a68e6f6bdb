#include "dialogue/desk.h"

#include <set>

#include "base/file.h"
#include "dialogue/tsv_file.h"

namespace zx::dialogue {
namespace {

bool KnownState(std::string_view s) { return s == kOnline || s == kOnBreak || s == kOffline; }

}  // namespace

Result<std::unique_ptr<Presence>> Presence::Open(storage::Database& db, const Clock& clock) {
  ZX_RETURN_IF_ERROR(db.Migrate({{"agent_presence", 1, R"sql(
    CREATE TABLE agent_presence (
      agent_id TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      since_ms INTEGER NOT NULL);
  )sql"}}));
  return std::unique_ptr<Presence>(new Presence(db, clock));
}

Result<PresenceRecord> Presence::Set(const std::string& agent_id, std::string_view state) {
  if (!KnownState(state))
    return InvalidArgument("field \"state\" must be online (在线), break (小休) or offline (离线)");
  const int64_t now = clock_.NowUnixMillis();
  // A state set again keeps the time it began.
  ZX_ASSIGN_OR_RETURN(auto q, db_.Prepare("INSERT INTO agent_presence (agent_id, state, since_ms) "
                                          "VALUES (?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET "
                                          "since_ms = CASE WHEN agent_presence.state = "
                                          "excluded.state THEN agent_presence.since_ms ELSE "
                                          "excluded.since_ms END, state = excluded.state"));
  q.Bind(1, agent_id);
  q.Bind(2, state);
  q.Bind(3, now);
  ZX_RETURN_IF_ERROR(q.Run());
  return Get(agent_id);
}

Result<PresenceRecord> Presence::Get(const std::string& agent_id) const {
  ZX_ASSIGN_OR_RETURN(auto q,
                      db_.Prepare("SELECT state, since_ms FROM agent_presence WHERE agent_id = ?"));
  q.Bind(1, agent_id);
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return PresenceRecord{agent_id, kOffline, 0};
  return PresenceRecord{agent_id, q.Text(0), q.Int(1)};
}

Result<std::vector<PresenceRecord>> Presence::All() const {
  ZX_ASSIGN_OR_RETURN(
      auto q,
      db_.Prepare("SELECT agent_id, state, since_ms FROM agent_presence ORDER BY agent_id"));
  std::vector<PresenceRecord> out;
  while (true) {
    ZX_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back({q.Text(0), q.Text(1), q.Int(2)});
  }
}

Result<DeskData> DeskData::Load(const std::string& kb_dir) {
  DeskData d;
  const std::string canned = kb_dir + "/desk/canned.tsv";
  ZX_ASSIGN_OR_RETURN(auto rows, ReadTsvRows(canned, 3));
  std::set<std::string> seen;
  for (auto& [line, cells] : rows) {
    const std::string& code = cells[0];
    bool ok = code.size() > 1 && code.size() <= 16 && code[0] == '/';
    for (size_t i = 1; ok && i < code.size(); ++i)
      ok = (code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9');
    if (!ok)
      return InvalidArgument(canned + ":" + std::to_string(line) + ": code \"" + code +
                             "\" must be \"/\" and 1-15 lowercase letters or digits");
    if (!seen.insert(code).second)
      return InvalidArgument(canned + ":" + std::to_string(line) + ": code " + code + " twice");
    d.canned.push_back({code, cells[1], cells[2]});
  }
  const std::string queues = kb_dir + "/desk/queues.tsv";
  ZX_ASSIGN_OR_RETURN(rows, ReadTsvRows(queues, 2));
  seen.clear();
  for (auto& [line, cells] : rows) {
    if (cells[0].size() > 32)
      return InvalidArgument(queues + ":" + std::to_string(line) + ": code longer than 32 bytes");
    if (!seen.insert(cells[0]).second)
      return InvalidArgument(queues + ":" + std::to_string(line) + ": code " + cells[0] + " twice");
    d.queues.push_back({cells[0], cells[1]});
  }
  return d;
}

}  // namespace zx::dialogue
