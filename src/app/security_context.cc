#include "app/security_context.h"

#include <chrono>
#include <filesystem>

#include "base/log.h"
#include "campaigns/notice_call_store.h"
#include "dialogue/callback_store.h"
#include "dialogue/conversation_store.h"
#include "http/auth.h"
#include "recordings/recording_store.h"
#include "security/audit_check.h"
#include "security/key_file.h"

namespace zx::app {
namespace {
// Each module's entries, left out where the table does not exist (yet) in `db`.
template <typename T>
std::vector<T> Present(storage::Database& db, std::initializer_list<std::vector<T>> modules) {
  std::vector<T> out;
  for (const auto& entries : modules)
    for (const auto& e : entries)
      if (db.HasTable(e.table)) out.push_back(e);
  return out;
}
}  // namespace

// The registries: a module that stores personal data declares it (its store's header) and is
// added here.
std::vector<security::EncryptedColumn> EncryptedColumns(storage::Database& db) {
  return Present(db, {dialogue::EncryptedColumns(), dialogue::CallbackEncryptedColumns(),
                      campaigns::EncryptedColumns()});
}
std::vector<security::RetentionRule> RetentionRules(storage::Database& db) {
  return Present(
      db, {dialogue::RetentionRules(), recordings::RetentionRules(), campaigns::RetentionRules()});
}

Result<std::unique_ptr<SecurityContext>> OpenSecurity(storage::Database& db, const Config& config,
                                                      const Clock& clock, bool load_keys) {
  auto s = std::make_unique<SecurityContext>();
  if (load_keys) {
    ZX_ASSIGN_OR_RETURN(s->cipher,
                        security::LoadFieldCipher(config.security.key_file, config.data.dir));
  }
  security::UserStoreOptions user_options;
  user_options.cipher = s->cipher;  // seals second-factor secrets
  ZX_ASSIGN_OR_RETURN(s->users, security::UserStore::Open(db, clock, user_options));
  security::SessionOptions so;
  so.ttl = std::chrono::minutes(config.security.session_ttl_minutes);
  so.idle = std::chrono::minutes(config.security.idle_minutes);
  ZX_ASSIGN_OR_RETURN(s->sessions, security::SessionStore::Open(db, clock, so));
  ZX_ASSIGN_OR_RETURN(s->api_keys, security::ApiKeyStore::Open(db, clock));
  // The audit key comes from the key file even for commands that need no data keys; only
  // `keys init`, before the file exists, appends without it (load_keys = false).
  ZX_ASSIGN_OR_RETURN(
      s->audit,
      security::AuditLog::Open(db, clock,
                               security::AuditOptionsFor(s->cipher.get(), config.security.key_file,
                                                         config.data.dir, db.on_disk())));
  s->authenticator = std::make_unique<security::Authenticator>(*s->users, *s->sessions,
                                                               *s->api_keys, s->audit.get());

  return s;
}

Result<security::RetentionReport> RunRetentionOnce(storage::Database& db, SecurityContext& security,
                                                   const Config& config, const Clock& clock) {
  ZX_ASSIGN_OR_RETURN(security::RetentionReport report,
                      security::RunRetention(db, clock, config.retention, RetentionRules(db),
                                             *security.audit, config.data.dir));
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
  ZX_ASSIGN_OR_RETURN(out->context, OpenSecurity(db, config, clock));
  SecurityContext& s = *out->context;
  ZX_RETURN_IF_ERROR(
      security::CheckAuditAtStart(*s.audit, config.security.audit_on_broken != "warn"));
  if (s.cipher) {
    log::Info("security.keys key_file={} data_key_version={}",
              security::ResolveKeyFile(config.security.key_file), s.cipher->current_version());
  } else {
    log::Warn(
        "security.no_key_file: security.key_file is empty, so personal data cannot be stored "
        "encrypted and is not stored at rest; remove the setting (the default \"auto\" makes "
        "a key file) or create one with `zhixian keys init --key-file /etc/zhixian/keys` "
        "(outside the data directory) and set security.key_file");
  }
  out->limiter = std::make_unique<http::RateLimiter>(config.security.rate_limit_per_minute, clock);
  out->login_pool = std::make_unique<security::LoginPool>(
      config.security.login_threads, static_cast<size_t>(config.security.login_queue));
  http::InstallAuth(router, std::make_shared<const http::AuthMiddleware>(
                                *s.authenticator, s.audit.get(), out->limiter.get(), &metrics));
  out->retention = std::make_unique<Worker>("zx-retention", clock);
  ScheduleRetention(*out->retention, db, s, config, clock, std::chrono::hours(1));
  return out;
}

}  // namespace zx::app
