#include "security/retention.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "base/log.h"
#include "security/reencrypt.h"

namespace zx::security {
namespace {

const char* CategoryName(RetentionCategory c) {
  switch (c) {
    case RetentionCategory::kRecordings:
      return "recordings";
    case RetentionCategory::kTranscripts:
      return "transcripts";
    case RetentionCategory::kPersonal:
      return "personal";
  }
  return "unknown";
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

Status ValidateRule(const RetentionRule& r) {
  std::vector<const std::string*> names = {&r.table, &r.timestamp_column};
  if (!r.file_column.empty()) names.push_back(&r.file_column);
  for (const auto& c : r.clear_columns) names.push_back(&c);
  for (const std::string* n : names)
    if (!IsSqlIdentifier(*n))
      return InvalidArgument("retention rule for '" + r.table + "': '" + *n +
                             "' is not a plain SQL identifier");
  return Status::Ok();
}

// Deletes `rel` under `root`, refusing paths that escape it.
bool DeleteFile(const std::string& root, const std::string& rel) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path base = fs::weakly_canonical(root.empty() ? fs::current_path() : fs::path(root), ec);
  if (ec) return false;
  fs::path p = fs::weakly_canonical(base / rel, ec);
  if (ec) return false;
  auto [b, pi] = std::mismatch(base.begin(), base.end(), p.begin(), p.end());
  if (b != base.end()) return false;  // outside the root
  fs::remove(p, ec);                  // a file already gone is fine
  return !ec;
}

Status ApplyRule(storage::Database& db, const RetentionRule& r, int64_t cutoff_ms,
                 const std::string& files_root, RetentionRuleResult* out) {
  const int64_t cutoff = r.timestamp_in_seconds ? cutoff_ms / 1000 : cutoff_ms;
  const std::string expired = " WHERE " + r.timestamp_column + " < ?1";
  return db.Transaction([&]() -> Status {
    if (!r.file_column.empty()) {
      std::string sql = "SELECT " + r.file_column + " FROM " + r.table + expired + " AND " +
                        r.file_column + " IS NOT NULL AND " + r.file_column + " != ''";
      ZX_ASSIGN_OR_RETURN(auto q, db.Prepare(sql));
      q.Bind(1, cutoff);
      for (;;) {
        ZX_ASSIGN_OR_RETURN(auto row, q.Step());
        if (!row) break;
        if (DeleteFile(files_root, q.Text(0))) {
          ++out->files;
        } else {
          ++out->file_errors;
          log::Warn("retention_file_not_deleted table={}", r.table);
        }
      }
    }
    std::string sql;
    if (r.clear_columns.empty()) {
      sql = "DELETE FROM " + r.table + expired + " RETURNING 1";
    } else {
      std::string set, any;
      for (const auto& c : r.clear_columns) {
        set += (set.empty() ? "" : ", ") + c + " = NULL";
        any += (any.empty() ? "" : " OR ") + c + " IS NOT NULL";
      }
      if (!r.file_column.empty()) set += ", " + r.file_column + " = NULL";
      sql = "UPDATE " + r.table + " SET " + set + expired + " AND (" + any + ") RETURNING 1";
    }
    ZX_ASSIGN_OR_RETURN(auto q, db.Prepare(sql));
    q.Bind(1, cutoff);
    for (;;) {
      ZX_ASSIGN_OR_RETURN(auto row, q.Step());
      if (!row) break;
      ++out->rows;
    }
    return Status::Ok();
  });
}

}  // namespace

int64_t RetentionMillis(const RetentionConfig& config, RetentionCategory category) {
  switch (category) {
    case RetentionCategory::kRecordings:
      return config.recordings_hours * 3600 * 1000;
    case RetentionCategory::kTranscripts:
      return config.transcripts_days * 24 * 3600 * 1000;
    case RetentionCategory::kPersonal:
      return config.personal_days * 24 * 3600 * 1000;
  }
  return 0;
}

Result<RetentionReport> RunRetention(storage::Database& db, const Clock& clock,
                                     const RetentionConfig& config,
                                     const std::vector<RetentionRule>& rules, AuditLog& audit,
                                     const std::string& files_root) {
  for (const auto& r : rules) ZX_RETURN_IF_ERROR(ValidateRule(r));
  if (config.recordings_hours < 0 || config.transcripts_days < 0 || config.personal_days < 0)
    return InvalidArgument("retention periods may not be negative");
  const int64_t now = clock.NowUnixMillis();
  RetentionReport report;
  Status failure;
  for (const auto& r : rules) {
    int64_t age = RetentionMillis(config, r.category);
    if (age <= 0) continue;  // kept for ever by configuration
    RetentionRuleResult res;
    res.table = r.table;
    res.category = r.category;
    res.cleared = !r.clear_columns.empty();
    res.keeps = r.keeps;
    res.cutoff_ms = now - age;
    failure = ApplyRule(db, r, res.cutoff_ms, files_root, &res);
    if (!failure.ok()) break;
    report.rules.push_back(res);
  }

  std::string details = "{\"rules\":[";
  for (size_t i = 0; i < report.rules.size(); ++i) {
    const auto& res = report.rules[i];
    if (i) details += ',';
    details += "{\"table\":" + JsonString(res.table) +
               ",\"category\":" + JsonString(CategoryName(res.category)) +
               ",\"action\":" + JsonString(res.cleared ? "clear" : "delete") +
               ",\"cutoff_ms\":" + std::to_string(res.cutoff_ms) +
               ",\"rows\":" + std::to_string(res.rows) + ",\"files\":" + std::to_string(res.files) +
               ",\"file_errors\":" + std::to_string(res.file_errors) +
               ",\"keeps\":" + JsonString(res.keeps) + "}";
  }
  details += "]";
  if (!failure.ok()) details += ",\"error\":" + JsonString(failure.ToString());
  details += "}";

  AuditEvent e;
  e.actor = "system:retention";
  e.role = "system";
  e.action = "retention.run";
  e.object_type = "retention";
  e.purpose = "retention policy (recordings " + std::to_string(config.recordings_hours) +
              " h, transcripts " + std::to_string(config.transcripts_days) + " d)";
  e.remote = "local";
  e.details_json = details;
  auto entry = audit.Append(std::move(e));
  if (!failure.ok()) return failure;
  if (!entry.ok()) return entry.status();
  report.audit_seq = entry->seq;
  int64_t total = 0;
  for (const auto& res : report.rules) total += res.rows;
  log::Info("retention_run rules={} rows={} audit_seq={}", report.rules.size(), total,
            report.audit_seq);
  return report;
}

}  // namespace zx::security
