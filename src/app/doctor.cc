#include "app/commands.h"

#include <filesystem>
#include <ostream>
#include <string>

#include "app/security_context.h"
#include "dialogue/conversation_store.h"
#include "http/static_files.h"
#include "knowledge/kb_store.h"
#include "knowledge/loader.h"
#include "security/audit_check.h"
#include "security/key_file.h"
#include "telephony/probes.h"

namespace zx::app {
namespace {

class Report {
 public:
  explicit Report(std::ostream& out) : out_(out) {}
  void Add(const std::string& check, const OptionalHealthCheck& found) {
    if (!found) return;
    using V = HealthCheck::Verdict;
    const char* tag = found->verdict == V::kOk     ? "ok  "
                      : found->verdict == V::kWarn ? "warn"
                                                   : "FAIL";
    std::string name = check;
    if (name.size() < 12) name.resize(12, ' ');
    out_ << tag << "  " << name << "  " << found->what;
    if (!found->fix.empty()) out_ << "\n" << std::string(20, ' ') << "fix: " << found->fix;
    out_ << "\n";
    if (found->verdict == V::kFail) ++failures_;
    if (found->verdict == V::kWarn) ++warnings_;
  }
  int failures() const { return failures_; }
  int warnings() const { return warnings_; }

 private:
  std::ostream& out_;
  int failures_ = 0;
  int warnings_ = 0;
};

// The database as a start opens it: the migrations it applies (each once, so this is what serve
// would do) and the audit chain's check.
HealthCheck CheckDatabase(const Config& config) {
  auto db = OpenAppDatabase(config);
  if (!db.ok())
    return HealthCheck::Fail(
        db.status().message(),
        "check that " + config.data.dir + " is writable by this user (data.dir, --data)");
  Status migrated = knowledge::KnowledgeStore::Open(**db, SystemClock::Instance()).status();
  if (migrated.ok()) migrated = dialogue::ConversationStore::Open(**db, {}).status();
  auto security = migrated.ok() ? OpenSecurity(**db, config, SystemClock::Instance())
                                : Result<std::unique_ptr<SecurityContext>>(migrated);
  if (!security.ok())
    return HealthCheck::Fail(
        security.status().message(),
        "restore the data directory from the backup, or fix what the message names");
  Status audit = security::CheckAuditAtStart(*(*security)->audit, true);
  if (!audit.ok())
    return HealthCheck::Fail(audit.message(),
                             "zhixian audit verify; see docs/security.md (audit log)");
  return HealthCheck::Ok((std::filesystem::path(config.data.dir) / "zhixian.db").string() +
                         " opens, migrations apply, audit chain verifies");
}

}  // namespace

int RunDoctor(const CommonFlags& flags, std::ostream& out) {
  Report r(out);
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    r.Add("config", HealthCheck::Fail(config.status().message(),
                                      "correct the key named (zhixian config lists every key)"));
    out << "1 check failed\n";
    return 2;
  }
  r.Add("config",
        HealthCheck::Ok(flags.config_file.empty() ? "defaults (no --config)" : flags.config_file));
  r.Add("key file", security::CheckKeyFileHealth(config->security.key_file, config->data.dir));
  r.Add("database", CheckDatabase(*config));
  r.Add("knowledge", knowledge::CheckKnowledgeBase(config->knowledge.kb_dir));
  r.Add("calendar",
        tickets::CheckCalendar(config->knowledge.kb_dir, SystemClock::Instance().NowUnixMillis()));
  r.Add("sip", telephony::CheckSipListen(config->server.sip));
  r.Add("trunk", telephony::CheckTrunk(config->trunk.proxy));
  r.Add("asr", telephony::CheckAsr(config->asr.url));
  r.Add("sms", telephony::CheckSms(config->sms, config->data.dir));
  r.Add("console", http::CheckConsoleBuild());
  r.Add("llm", llm::CheckEngines(config->llm));
  if (r.failures() > 0) {
    out << r.failures() << (r.failures() == 1 ? " check failed" : " checks failed") << "\n";
    return 1;
  }
  out << "all checks passed" << (r.warnings() ? " (with warnings)" : "") << "\n";
  return 0;
}

}  // namespace zx::app
