#include "security/security_config.h"

namespace zx::security {

const ConfigSection<SecurityConfig>& SecurityConfigSection() {
  using C = SecurityConfig;
  static const auto* section = new ConfigSection<C>(
      ConfigSection<C>("security")
          .Text("key_file", &C::key_file,
                "SM4 key file outside the data directory; auto: $XDG_CONFIG_HOME/zhixian/keys "
                "(or ~/.config/zhixian/keys), made by serve; empty: none")
          .Number("session_ttl_minutes", &C::session_ttl_minutes, 1, 7 * 24 * 60,
                  "login sessions end this long after login")
          .Number("idle_minutes", &C::idle_minutes, 1, 24 * 60,
                  "login sessions end after this long without a request")
          .Number("rate_limit_per_minute", &C::rate_limit_per_minute, 0, 1000000,
                  "requests per client IP under /api (0 = no limit)")
          .Text("audit_on_broken", &C::audit_on_broken,
                "a broken audit log at start: refuse or warn")
          .Number("require_approval", &C::require_approval, 0, 1,
                  "1: accounts seeing personal data need a second admin's approval")
          .Number("login_threads", &C::login_threads, 1, 64,
                  "threads hashing login passwords, apart from HTTP")
          .Number("login_queue", &C::login_queue, 1, 100000,
                  "logins waiting for a login thread; more get 503")
          .Check([](const C& c, const std::string& prefix) -> std::string {
            if (c.audit_on_broken != "refuse" && c.audit_on_broken != "warn")
              return prefix + "audit_on_broken must be \"refuse\" or \"warn\", got '" +
                     c.audit_on_broken + "'";
            if (c.idle_minutes > c.session_ttl_minutes)
              return prefix + "idle_minutes (" + std::to_string(c.idle_minutes) +
                     ") must not exceed " + prefix + "session_ttl_minutes (" +
                     std::to_string(c.session_ttl_minutes) + ")";
            return "";
          }));
  return *section;
}

const ConfigSection<RetentionConfig>& RetentionConfigSection() {
  using C = RetentionConfig;
  static const auto* section = new ConfigSection<C>(
      ConfigSection<C>("retention")
          .Number("recordings_hours", &C::recordings_hours, int64_t{1}, int64_t{24} * 3650,
                  "call recordings are deleted after this many hours")
          .Number("recordings_max_mb", &C::recordings_max_mb, int64_t{0}, int64_t{1} << 30,
                  "disk budget of recordings in MB; beyond it calls are not recorded (0 = no "
                  "limit)")
          .Number("transcripts_days", &C::transcripts_days, int64_t{1}, int64_t{3650},
                  "conversation transcripts are cleared after this")
          .Number("personal_days", &C::personal_days, int64_t{0}, int64_t{3650},
                  "other personal data is deleted after this (0 = keep)"));
  return *section;
}

}  // namespace zx::security
