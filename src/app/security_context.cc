#include "app/security_context.h"

#include <chrono>
#include <filesystem>

#include "base/log.h"
#include "campaigns/campaign_store.h"
#include "campaigns/notice_call_store.h"
#include "dialogue/callback_store.h"
#include "dialogue/conversation_store.h"
#include "http/auth.h"
#include "knowledge/answer_log.h"
#include "recordings/recording_store.h"
#include "security/audit_check.h"
#include "security/retention_job.h"
#include "tickets/order_store.h"

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
                      campaigns::EncryptedColumns(), campaigns::CampaignEncryptedColumns(),
                      tickets::TicketEncryptedColumns(), knowledge::AnswerLog::EncryptedColumns()});
}
std::vector<security::RetentionRule> RetentionRules(storage::Database& db) {
  return Present(
      db, {dialogue::RetentionRules(), recordings::RetentionRules(), campaigns::RetentionRules(),
           campaigns::CampaignRetentionRules(), knowledge::AnswerLog::RetentionRules()});
}

Result<std::unique_ptr<SecurityContext>> OpenSecurity(storage::Database& db, const Config& config,
                                                      const Clock& clock, bool load_keys) {
  return security::OpenSecurityStores(db, config.security, config.data.dir, clock, load_keys);
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

Result<std::unique_ptr<ServeSecurity>> WireSecurity(storage::Database& db, const Config& config,
                                                    http::Router& router, Metrics& metrics,
                                                    std::function<bool()> may_run_retention) {
  const Clock& clock = SystemClock::Instance();
  auto out = std::make_unique<ServeSecurity>();
  ZX_ASSIGN_OR_RETURN(out->context, OpenSecurity(db, config, clock));
  SecurityContext& s = *out->context;
  ZX_RETURN_IF_ERROR(
      security::CheckAuditAtStart(*s.audit, config.security.audit_on_broken != "warn"));
  security::LogKeyFileInUse(s, config.security.key_file);
  out->limiter = std::make_unique<http::RateLimiter>(config.security.rate_limit_per_minute, clock);
  out->login_pool = std::make_unique<security::LoginPool>(
      config.security.login_threads, static_cast<size_t>(config.security.login_queue));
  http::InstallAuth(router, std::make_shared<const http::AuthMiddleware>(
                                *s.authenticator, s.audit.get(), out->limiter.get(), &metrics));
  out->retention = std::make_unique<Worker>("zx-retention", clock);
  security::ScheduleRetention(
      *out->retention, std::chrono::hours(1),
      [&db, &s, &config, &clock] { return RunRetentionOnce(db, s, config, clock); },
      std::move(may_run_retention));
  return out;
}

}  // namespace zx::app
