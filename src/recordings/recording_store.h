// RecordingStore: the call_recordings table, the register of the sealed recording files
// (recordings/recordings.h), and the one place that holds its SQL. Portable SQL (`?`
// placeholders, times as integers from the Clock). The retention job finds the rows by
// started_at and deletes them with their files (RetentionRules below).
// Thread-safe as the Database is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "security/retention.h"
#include "storage/database.h"

namespace zx::recordings {

struct RecordingInfo {
  std::string id;             // 16 hex digits
  int64_t started_ms = 0;     // unix ms
  int64_t ended_ms = 0;       // 0 while the call runs, or when it never ended cleanly
  double seconds = 0;         // audio length
  std::string caller_masked;  // "138****5678"
  std::string called_user;
  std::string file;  // relative to the data directory
  uint32_t key_version = 0;
};

class RecordingStore {
 public:
  // `db` outlives the store.
  explicit RecordingStore(storage::Database& db) : db_(db) {}

  // Creates the table (migration "recordings" 1).
  Status Migrate();

  // Registers a recording (ended_ms and seconds are written by MarkEnded).
  Status Insert(const RecordingInfo& info);
  Status MarkEnded(const std::string& id, int64_t ended_ms, double seconds);
  Result<bool> Exists(const std::string& id);
  Result<std::optional<RecordingInfo>> Find(const std::string& id);
  // Newest first, at most `limit`.
  Result<std::vector<RecordingInfo>> List(int limit);

 private:
  storage::Database& db_;
};

// For the application's retention registry (app/security_context.cc): a recording's row and
// sealed file are deleted after retention.recordings_hours; the call's summary stays.
std::vector<security::RetentionRule> RetentionRules();

}  // namespace zx::recordings
