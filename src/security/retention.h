// Retention: personal data is kept only as long as configured, then removed by a job that
// records what it removed in the audit log.
//
// Modules register what they keep (explicitly, from app wiring), e.g.
//   {"call_recordings", "created_at", kRecordings, "", {}, "the call summary in tickets"}
//       deletes recording rows older than recordings_hours (and their files, with file_column);
//   {"conversations", "ended_at", kTranscripts, "", {"transcript_enc"}, "summary, topic, ticket"}
//       clears the transcript column of conversations older than transcripts_days, keeping rows.
// Timestamps are INTEGER unix milliseconds (or seconds, per rule).
//
// RunRetention is a plain function over the database with the Clock and config injected, so it
// can be tested at any date; it runs one transaction per rule and appends one audit entry
// ("retention.run", actor "system:retention") listing per rule the table, cutoff and count.
// Not concurrent with itself; safe with other writers. Errors: kInvalidArgument for a rule whose
// names are not plain identifiers or whose category has no configured period; database errors as
// they come (rules before the failing one stay applied and audited).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "security/audit.h"
#include "storage/database.h"

namespace zx::security {

struct RetentionConfig {
  int64_t recordings_hours = 24;   // call recordings
  int64_t transcripts_days = 180;  // conversation transcripts
  int64_t personal_days = 365;     // other personal data (e.g. campaign targets); 0 = keep
  // Disk budget of the recordings directory (not used here: the recordings vault keeps to it,
  // retention makes room again); 0 = no limit.
  int64_t recordings_max_mb = 10240;
};

enum class RetentionCategory { kRecordings, kTranscripts, kPersonal };

struct RetentionRule {
  std::string table;
  std::string timestamp_column;
  RetentionCategory category = RetentionCategory::kPersonal;
  // When set, a path (relative to RunRetention's files_root, or absolute inside it) of a file
  // to delete with the row, e.g. an encrypted recording.
  std::string file_column;
  // Empty: delete expired rows. Otherwise: set these columns to NULL in expired rows, keeping
  // the row (e.g. clear the transcript, keep the summary).
  std::vector<std::string> clear_columns;
  std::string keeps;  // what stays, for the audit entry and docs ("the call summary")
  bool timestamp_in_seconds = false;
};

struct RetentionRuleResult {
  std::string table;
  RetentionCategory category = RetentionCategory::kPersonal;
  bool cleared = false;  // columns cleared (true) or rows deleted (false)
  std::string keeps;
  int64_t cutoff_ms = 0;
  int64_t rows = 0;         // rows deleted or cleared
  int64_t files = 0;        // files deleted
  int64_t file_errors = 0;  // files that could not be deleted (logged)
};

struct RetentionReport {
  std::vector<RetentionRuleResult> rules;
  int64_t audit_seq = 0;  // the audit entry that records this run
};

// The maximum age of `category` under `config`, in milliseconds; 0 means "keep for ever".
int64_t RetentionMillis(const RetentionConfig& config, RetentionCategory category);

Result<RetentionReport> RunRetention(storage::Database& db, const Clock& clock,
                                     const RetentionConfig& config,
                                     const std::vector<RetentionRule>& rules, AuditLog& audit,
                                     const std::string& files_root = "");

}  // namespace zx::security
