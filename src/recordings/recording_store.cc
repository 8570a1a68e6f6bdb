#include "recordings/recording_store.h"

namespace zx::recordings {
namespace {

constexpr const char* kColumns =
    "id, started_at, ended_at, seconds, caller_masked, called_user, file, key_version";

RecordingInfo RowToInfo(const storage::Statement& st) {
  RecordingInfo r;
  r.id = st.Text(0);
  r.started_ms = st.Int(1);
  r.ended_ms = st.IsNull(2) ? 0 : st.Int(2);
  r.seconds = st.Double(3);
  r.caller_masked = st.Text(4);
  r.called_user = st.Text(5);
  r.file = st.Text(6);
  r.key_version = static_cast<uint32_t>(st.Int(7));
  return r;
}

}  // namespace

Status RecordingStore::Migrate() {
  return db_.Migrate({{"recordings", 1, R"sql(
    CREATE TABLE call_recordings (
      id TEXT PRIMARY KEY,
      started_at INTEGER NOT NULL,
      ended_at INTEGER,
      seconds REAL NOT NULL DEFAULT 0,
      caller_masked TEXT NOT NULL DEFAULT '',
      called_user TEXT NOT NULL DEFAULT '',
      file TEXT NOT NULL,
      key_version INTEGER NOT NULL);
    CREATE INDEX call_recordings_started ON call_recordings(started_at);
  )sql"}});
}

Status RecordingStore::Insert(const RecordingInfo& r) {
  ZX_ASSIGN_OR_RETURN(auto st,
                      db_.Prepare("INSERT INTO call_recordings (id, started_at, caller_masked, "
                                  "called_user, file, key_version) VALUES (?, ?, ?, ?, ?, ?)"));
  return st.Bind(1, r.id)
      .Bind(2, r.started_ms)
      .Bind(3, r.caller_masked)
      .Bind(4, r.called_user)
      .Bind(5, r.file)
      .Bind(6, static_cast<int64_t>(r.key_version))
      .Run();
}

Status RecordingStore::MarkEnded(const std::string& id, int64_t ended_ms, double seconds) {
  ZX_ASSIGN_OR_RETURN(
      auto st, db_.Prepare("UPDATE call_recordings SET ended_at = ?, seconds = ? WHERE id = ?"));
  return st.Bind(1, ended_ms).Bind(2, seconds).Bind(3, id).Run();
}

Result<bool> RecordingStore::Exists(const std::string& id) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT 1 FROM call_recordings WHERE id = ?"));
  return st.Bind(1, id).Step();
}

Result<std::optional<RecordingInfo>> RecordingStore::Find(const std::string& id) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kColumns +
                                           " FROM call_recordings WHERE id = ?"));
  ZX_ASSIGN_OR_RETURN(bool row, st.Bind(1, id).Step());
  if (!row) return std::optional<RecordingInfo>();
  return std::optional<RecordingInfo>(RowToInfo(st));
}

Result<std::vector<RecordingInfo>> RecordingStore::List(int limit) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kColumns +
                                           " FROM call_recordings ORDER BY started_at DESC, id "
                                           "LIMIT ?"));
  st.Bind(1, static_cast<int64_t>(limit));
  std::vector<RecordingInfo> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(RowToInfo(st));
  }
  return out;
}

std::vector<security::RetentionRule> RetentionRules() {
  return {{"call_recordings",
           "started_at",
           security::RetentionCategory::kRecordings,
           "file",
           {},
           "the call's conversation summary"}};
}

}  // namespace zx::recordings
