#include "app/security_context.h"

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "http/auth.h"
#include "http/staff_routes.h"

namespace zx::app {
namespace {

// The audit log at start: the sealed head and the newest entries (`zhixian audit verify` walks
// them all; a full walk at every start would grow with the log).
constexpr int64_t kAuditEntriesCheckedAtStart = 10000;

Status CheckAuditAtStart(security::AuditLog& audit, const Config& config) {
  auto v = audit.Verify(std::nullopt, kAuditEntriesCheckedAtStart);
  if (!v.ok()) return v.status();
  if (v->ok()) {
    log::Info("audit.head seq={} hash={} keyed={}", v->head.seq, v->head.hash, v->keyed);
    return Status::Ok();
  }
  const bool refuse = config.security.audit_on_broken != "warn";
  const std::string problem(security::ProblemName(v->problem));
  log::Error("security.alert audit_broken problem={} seq={} message=\"{}\" then={}", problem,
             v->seq, v->message, refuse ? "refuse_to_start" : "start_anyway");
  if (refuse)
    return FailedPrecondition(
        "the audit log is broken (" + problem + " at seq " + std::to_string(v->seq) +
        "): " + v->message +
        ". Refusing to start (the log is left as found): run `zhixian audit verify` and "
        "investigate; to start anyway set security.audit_on_broken = \"warn\"; `zhixian audit "
        "reseal --reason TEXT` records the problem in the log and starts a new sealed head");
  // Starting anyway: recorded in the chain as well. The sealed head stays where it was, so the
  // problem remains reported until someone runs `zhixian audit reseal`.
  security::AuditEvent e;
  e.actor = "system:serve";
  e.role = "system";
  e.action = "audit.broken";
  e.object_type = "audit_log";
  e.object_id = std::to_string(v->seq);
  e.remote = "local";
  e.details_json = nlohmann::json{{"problem", problem},
                                  {"seq", v->seq},
                                  {"message", v->message},
                                  {"audit_on_broken", config.security.audit_on_broken}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto recorded = audit.Append(std::move(e));
  if (!recorded.ok())
    log::Error("audit_append_failed action=audit.broken error=\"{}\"", recorded.status().message());
  return Status::Ok();
}

}  // namespace

// ---- The registries. Add a table that holds personal data here. -------------------------
//
// Encrypted columns: every column holding FieldCipher::Encrypt output with the conventional
// associated data FieldAad(table, column, <key column value>) (security/reencrypt.h).
std::vector<security::EncryptedColumn> EncryptedColumns(storage::Database& db) {
  const std::vector<security::EncryptedColumn> all = {
      {"conversation_turns", "turn_key", "text"},   {"conversations", "id", "data"},
      {"conversations", "id", "summary_corrected"}, {"notice_calls", "id", "number_enc"},
      {"notice_calls", "id", "text_enc"},
  };
  std::vector<security::EncryptedColumn> out;
  for (const auto& c : all)
    if (db.HasTable(c.table)) out.push_back(c);
  return out;
}

// Retention rules (security/retention.h): recordings after retention.recordings_hours,
// transcripts after retention.transcripts_days, other personal data after personal_days.
std::vector<security::RetentionRule> RetentionRules(storage::Database& db) {
  const std::vector<security::RetentionRule> all = {
      {"conversation_turns",
       "at_ms",
       security::RetentionCategory::kTranscripts,
       "",
       {"text"},
       "the conversation's summary, topics and state"},
      {"call_recordings",
       "started_at",
       security::RetentionCategory::kRecordings,
       "file",
       {},
       "the call's conversation summary"},
      {"notice_calls",
       "created_at",
       security::RetentionCategory::kPersonal,
       "",
       {"number_enc", "text_enc"},
       "the call's outcome, events and masked number"},
  };
  std::vector<security::RetentionRule> out;
  for (const auto& r : all)
    if (db.HasTable(r.table)) out.push_back(r);
  return out;
}
// ---------------------------------------------------------------------------------------------

security::RetentionConfig RetentionConfigFrom(const Config& config) {
  security::RetentionConfig r;
  r.recordings_hours = config.retention.recordings_hours;
  r.transcripts_days = config.retention.transcripts_days;
  r.personal_days = config.retention.personal_days;
  return r;
}

Result<std::shared_ptr<const security::FieldCipher>> LoadFieldCipher(const Config& config) {
  const std::string& key_file = config.security.key_file;
  if (key_file.empty()) return std::shared_ptr<const security::FieldCipher>();
  Status outside = security::CheckKeyFileOutside(key_file, config.data.dir);
  if (!outside.ok()) return Status(outside.code(), "security.key_file: " + outside.message());
  auto ring = security::KeyRing::Load(key_file);
  if (!ring.ok())
    return Status(ring.status().code(), "security.key_file: " + ring.status().message());
  return std::make_shared<const security::FieldCipher>(
      std::make_shared<const security::KeyRing>(std::move(ring).value()));
}

Result<std::unique_ptr<SecurityContext>> OpenSecurity(storage::Database& db, const Config& config,
                                                      const Clock& clock, bool load_keys) {
  auto s = std::make_unique<SecurityContext>();
  if (load_keys) {
    auto cipher = LoadFieldCipher(config);
    if (!cipher.ok()) return cipher.status();
    s->cipher = std::move(cipher).value();
  }
  security::UserStoreOptions user_options;
  user_options.cipher = s->cipher;  // seals second-factor secrets
  auto users = security::UserStore::Open(db, clock, user_options);
  if (!users.ok()) return users.status();
  s->users = std::move(users).value();
  security::SessionOptions so;
  so.ttl = std::chrono::minutes(config.security.session_ttl_minutes);
  so.idle = std::chrono::minutes(config.security.idle_minutes);
  auto sessions = security::SessionStore::Open(db, clock, so);
  if (!sessions.ok()) return sessions.status();
  s->sessions = std::move(sessions).value();
  auto api_keys = security::ApiKeyStore::Open(db, clock);
  if (!api_keys.ok()) return api_keys.status();
  s->api_keys = std::move(api_keys).value();
  // The audit key comes from the key file even for commands that need no data keys; only
  // `keys init`, before the file exists, appends without it (load_keys = false).
  security::AuditOptions audit_options;
  if (s->cipher) {
    audit_options.key = security::AuditKeyFrom(*s->cipher->key_ring());
  } else if (!config.security.key_file.empty()) {
    auto ring = security::KeyRing::Load(config.security.key_file);
    if (ring.ok() && security::CheckKeyFileOutside(config.security.key_file, config.data.dir).ok())
      audit_options.key = security::AuditKeyFrom(*ring);
  }
  if (db.on_disk())
    audit_options.head_path = (std::filesystem::path(config.data.dir) / "audit.head").string();
  auto audit = security::AuditLog::Open(db, clock, std::move(audit_options));
  if (!audit.ok()) return audit.status();
  s->audit = std::move(audit).value();
  s->authenticator = std::make_unique<security::Authenticator>(*s->users, *s->sessions,
                                                               *s->api_keys, s->audit.get());

  return s;
}

Result<security::RetentionReport> RunRetentionOnce(storage::Database& db, SecurityContext& security,
                                                   const Config& config, const Clock& clock) {
  auto report = security::RunRetention(db, clock, RetentionConfigFrom(config), RetentionRules(db),
                                       *security.audit, config.data.dir);
  if (!report.ok()) return report.status();
  auto purged = security.sessions->PurgeEnded();
  if (!purged.ok()) log::Warn("sessions_purge_failed error=\"{}\"", purged.status().message());
  return report;
}

void ScheduleRetention(Worker& worker, storage::Database& db, SecurityContext& security,
                       const Config& config, const Clock& clock, std::chrono::milliseconds period) {
  worker.Every(period, [&db, &security, &config, &clock] {
    auto report = RunRetentionOnce(db, security, config, clock);
    if (!report.ok()) {
      log::Error("retention_failed error=\"{}\"", report.status().message());
      return;
    }
    int64_t rows = 0;
    for (const auto& r : report->rules) rows += r.rows;
    log::Info("retention_done rules={} rows={} audit_seq={}", report->rules.size(), rows,
              report->audit_seq);
  });
}

Result<std::unique_ptr<ServeSecurity>> WireSecurity(storage::Database& db, const Config& config,
                                                    http::Router& router, Metrics& metrics) {
  const Clock& clock = SystemClock::Instance();
  auto out = std::make_unique<ServeSecurity>();
  auto context = OpenSecurity(db, config, clock);
  if (!context.ok()) return context.status();
  out->context = std::move(context).value();
  SecurityContext& s = *out->context;
  ZX_RETURN_IF_ERROR(CheckAuditAtStart(*s.audit, config));
  if (s.cipher) {
    log::Info("security.keys key_file={} data_key_version={}", config.security.key_file,
              s.cipher->current_version());
  } else {
    log::Warn(
        "security.no_key_file: security.key_file is not set, so personal data cannot be stored "
        "encrypted and is not stored at rest; create a key with `zhixian keys init --key-file "
        "/etc/zhixian/keys` (outside the data directory) and set security.key_file");
  }
  out->limiter = std::make_unique<http::RateLimiter>(config.security.rate_limit_per_minute, clock);
  out->login_pool = std::make_unique<security::LoginPool>(
      config.security.login_threads, static_cast<size_t>(config.security.login_queue));
  http::StaffRouteOptions staff;
  staff.session_ttl_seconds = int64_t{config.security.session_ttl_minutes} * 60;
  staff.require_approval = config.security.require_approval != 0;
  staff.login_pool = out->login_pool.get();
  http::AddStaffRoutes(router, *s.authenticator, *s.users, *s.audit, staff);
  http::InstallAuth(router, std::make_shared<const http::AuthMiddleware>(
                                *s.authenticator, s.audit.get(), out->limiter.get(), &metrics));
  out->retention = std::make_unique<Worker>("zx-retention", clock);
  ScheduleRetention(*out->retention, db, s, config, clock, std::chrono::hours(1));
  return out;
}

}  // namespace zx::app
