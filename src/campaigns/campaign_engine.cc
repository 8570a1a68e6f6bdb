#include "campaigns/campaign_engine.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <set>
#include <utility>

#include "base/file.h"
#include "base/log.h"
#include "campaigns/campaign_store.h"
#include "campaigns/notice_script.h"
#include "campaigns/return_visits.h"  // CallingWindow
#include "campaigns/target_fields.h"
#include "text/pii.h"
#include "text/table_stream.h"

namespace zx::campaigns {
namespace {

constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;
// How long a node's claim on a due target lasts before any node may take it (a node that died
// between claiming and dialling).
constexpr int64_t kClaimMs = kMinuteMs;
constexpr const char* kTargets = "campaign_targets";

// Outcomes after which the target is called again (while attempts remain).
bool Retried(const std::string& outcome) {
  static const std::set<std::string> kRetried = {"no_answer", "busy", "voicemail", "failed",
                                                 "interrupted"};
  return kRetried.contains(outcome);
}

// Final outcomes after which the notice goes out by SMS (the fall-back). Never to a wrong
// party, an invalid number, a refusal or the do-not-call list.
bool SmsFallsBack(const std::string& outcome) {
  static const std::set<std::string> kFallback = {
      "no_answer",   "busy",          "voicemail",     "failed",
      "interrupted", "hung_up_early", "not_confirmed", "callback_scheduled"};
  return kFallback.contains(outcome);
}

std::string OutcomeOfCall(const NoticeCall& call) {
  for (const NoticeEvent& e : call.events)
    if (e.type == "hangup" && e.cause &&
        (*e.cause == "interrupted" || *e.cause == "server stopping" || *e.cause == "node gone") &&
        call.outcome != NoticeOutcome::kConfirmed)
      return "interrupted";
  switch (call.outcome) {
    case NoticeOutcome::kRejected:
      return "refused";
    case NoticeOutcome::kCancelled:
      return "interrupted";
    case NoticeOutcome::kNone:
      return "failed";
    default:
      return NoticeOutcomeName(call.outcome);
  }
}

// The moment a citizen asked to be called again ("明天上午"), 0 when they named none.
int64_t AskedFor(const NoticeCall& call) {
  for (const NoticeEvent& e : call.events)
    if (e.type == "closing" && e.when_ms) return *e.when_ms;
  return 0;
}

bool Identified(const NoticeCall& call) {
  return std::any_of(call.events.begin(), call.events.end(),
                     [](const NoticeEvent& e) { return e.type == "identified"; });
}

int64_t TalkMs(const NoticeCall& call) {
  for (const NoticeEvent& e : call.events)
    if (e.type == "answered") return std::max<int64_t>(0, call.ended_ms - e.at_ms);
  return 0;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

// "2", "0.5": a pace as people write it.
std::string FormatPace(double pace) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", pace);
  return buf;
}

std::string Today(const Clock& clock) {
  tickets::Date d = tickets::ToChinaLocal(clock.NowUnixMillis()).date;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.year, d.month, d.day);
  return buf;
}

}  // namespace

// ---- configuration ---------------------------------------------------------------------------

const ConfigSection<CampaignConfig>& CampaignConfigSection() {
  using C = CampaignConfig;
  static const auto* section = new ConfigSection<C>(
      ConfigSection<C>("campaigns")
          .Text("hours", &C::hours, "calling windows, China time: HH:MM-HH:MM[,HH:MM-HH:MM...]")
          .Number("working_days_only", &C::working_days_only, 0, 1,
                  "1: call on working days of the holiday calendar only")
          .Number("max_attempts", &C::max_attempts, 1, 10,
                  "attempts that find nobody (no answer, busy, ...) before the SMS fall-back")
          .Text("retry_after_min", &C::retry_after_min,
                "minutes to wait after the 1st, 2nd, ... attempt that found nobody: N[,N...]")
          .Number("callback_after_min", &C::callback_after_min, 1, 10080,
                  "key 3 (现在不方便): the next call not before this many minutes")
          .Number("per_number_day", &C::per_number_day, 1, 10,
                  "calls a day to one number, all campaigns together")
          .Number("per_number_week", &C::per_number_week, 1, 50,
                  "calls a week (Monday to Sunday) to one number, all campaigns together")
          .Number("max_concurrent", &C::max_concurrent, 1, 1000,
                  "campaign calls at once, all campaigns (the trunk's share)")
          .Number("campaign_concurrent", &C::campaign_concurrent, 1, 1000,
                  "calls at once of one campaign")
          .Number("pace_per_s", &C::pace_per_s, 0.01, 100.0, "calls started a second at most")
          .Number("check_every_ms", &C::check_every_ms, 100, 60000,
                  "how often the engine looks for work (pause and cancel take effect)")
          .Text("dnc_file", &C::dnc_file,
                "the standing do-not-call list, one number a line (\"\": none); checked again "
                "before every call")
          .Number("sms_fallback", &C::sms_fallback, 0, 1,
                  "1: the notice by SMS after the last attempt that found nobody")
          .Number("sms_after_confirmed", &C::sms_after_confirmed, 0, 1,
                  "1: a written copy by SMS after a confirmed call")
          .Number("key_timeout_s", &C::key_timeout_s, 1, 60, "wait for a key after a question")
          .Number("ring_timeout_s", &C::ring_timeout_s, 5, 300, "ringing before no_answer"));
  return *section;
}

Result<CampaignPolicy> CampaignPolicyFrom(const CampaignConfig& c) {
  CampaignPolicy p;
  auto periods = tickets::ParsePeriods(c.hours);
  if (!periods.ok()) return InvalidArgument("campaigns.hours: " + periods.status().message());
  p.periods = std::move(*periods);
  p.working_days_only = c.working_days_only != 0;
  p.max_attempts = c.max_attempts;
  size_t start = 0;
  const std::string& r = c.retry_after_min;
  while (start <= r.size()) {
    size_t comma = r.find(',', start);
    if (comma == std::string::npos) comma = r.size();
    std::string part = r.substr(start, comma - start);
    // Minutes, a fraction allowed ("0.5": 30 s, for tests and drills).
    double minutes = 0;
    const bool number =
        !part.empty() && part.size() <= 8 && part.front() != '.' &&
        std::all_of(part.begin(), part.end(),
                    [](char ch) { return (ch >= '0' && ch <= '9') || ch == '.'; }) &&
        std::count(part.begin(), part.end(), '.') <= 1;
    if (number) minutes = std::stod(part);
    if (!number || minutes < 0.01)
      return InvalidArgument("campaigns.retry_after_min: \"" + r +
                             "\" is not a list of minutes such as \"30,120\"");
    p.retry_after_ms.push_back(static_cast<int64_t>(minutes * kMinuteMs));
    start = comma + 1;
  }
  p.callback_after_ms = c.callback_after_min * kMinuteMs;
  p.per_number_day = c.per_number_day;
  p.per_number_week = c.per_number_week;
  p.max_concurrent = c.max_concurrent;
  p.campaign_concurrent = c.campaign_concurrent;
  p.pace_per_s = c.pace_per_s;
  p.check_every = std::chrono::milliseconds(c.check_every_ms);
  p.dnc_file = c.dnc_file;
  p.sms_fallback = c.sms_fallback != 0;
  p.sms_after_confirmed = c.sms_after_confirmed != 0;
  p.key_timeout_s = c.key_timeout_s;
  p.ring_timeout_s = c.ring_timeout_s;
  return p;
}

CampaignRules PolicyRules(const CampaignPolicy& policy) {
  return {policy.periods,        policy.working_days_only,   policy.max_attempts,
          policy.retry_after_ms, policy.campaign_concurrent, policy.pace_per_s};
}

std::string FormatPeriods(const std::vector<tickets::WorkingPeriod>& periods) {
  std::string out;
  for (const tickets::WorkingPeriod& p : periods) {
    char buf[48];  // room for any int the compiler cannot bound
    std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", p.start_minute / 60, p.start_minute % 60,
                  p.end_minute / 60, p.end_minute % 60);
    out += (out.empty() ? "" : ",") + std::string(buf);
  }
  return out;
}

namespace {

Status Field(const char* name, const std::string& why) {
  return InvalidArgument(std::string("field \"") + name + "\" " + why);
}

// The legal calling hours are the operator's: every window of a campaign lies inside one of the
// configured ones.
Status CheckWindows(const std::vector<tickets::WorkingPeriod>& periods,
                    const CampaignPolicy& policy) {
  if (periods.empty()) return Field("hours", "must name at least one window");
  for (const tickets::WorkingPeriod& w : periods) {
    const bool inside =
        std::any_of(policy.periods.begin(), policy.periods.end(), [&](const auto& allowed) {
          return w.start_minute >= allowed.start_minute && w.end_minute <= allowed.end_minute;
        });
    if (!inside)
      return Field("hours", "\"" + FormatPeriods({w}) +
                                "\" is outside the calling hours this deployment allows (" +
                                FormatPeriods(policy.periods) + ")");
  }
  return Status::Ok();
}

}  // namespace

Result<CampaignRules> CampaignRulesFrom(const CampaignRulesInput& in,
                                        const CampaignPolicy& policy) {
  CampaignRules r = PolicyRules(policy);
  if (in.hours) {
    auto periods = tickets::ParsePeriods(*in.hours);
    if (!periods.ok())
      return Field("hours", "must be windows such as \"09:00-12:00,14:00-18:00\": " +
                                periods.status().message());
    r.periods = std::move(*periods);
    ZX_RETURN_IF_ERROR(CheckWindows(r.periods, policy));
  }
  if (in.working_days_only) {
    if (policy.working_days_only && !*in.working_days_only)
      return Field("working_days_only", "must be true: this deployment calls on working days only");
    r.working_days_only = *in.working_days_only;
  }
  if (in.max_attempts) {
    if (*in.max_attempts < 1 || *in.max_attempts > policy.max_attempts)
      return Field("max_attempts", "must be from 1 to " + std::to_string(policy.max_attempts) +
                                       " (campaigns.max_attempts of the configuration)");
    r.max_attempts = *in.max_attempts;
  }
  if (in.retry_after_min) {
    const std::vector<int>& waits = *in.retry_after_min;
    if (waits.empty() || waits.size() > static_cast<size_t>(kMaxRetryWaits))
      return Field("retry_after_min",
                   "must list 1 to " + std::to_string(kMaxRetryWaits) + " waits in minutes");
    r.retry_after_ms.clear();
    for (int m : waits) {
      if (m < kMinRetryMinutes || m > kMaxRetryMinutes)
        return Field("retry_after_min", "each wait must be from " +
                                            std::to_string(kMinRetryMinutes) + " to " +
                                            std::to_string(kMaxRetryMinutes) + " minutes");
      r.retry_after_ms.push_back(m * kMinuteMs);
    }
  }
  if (in.concurrent) {
    if (*in.concurrent < 1 || *in.concurrent > policy.campaign_concurrent)
      return Field("concurrent", "must be from 1 to " + std::to_string(policy.campaign_concurrent) +
                                     " (campaigns.campaign_concurrent of the configuration)");
    r.concurrent = *in.concurrent;
  }
  if (in.pace_per_s) {
    // Stored in thousandths of a call a second; below 0.01 a campaign would hardly call.
    if (!(*in.pace_per_s >= 0.01) || *in.pace_per_s > policy.pace_per_s)
      return Field("pace_per_s", "must be more than 0 (at least 0.01) and at most " +
                                     FormatPace(policy.pace_per_s) +
                                     " (campaigns.pace_per_s of the configuration)");
    r.pace_per_s = *in.pace_per_s;
  }
  return r;
}

const char* CampaignStateName(CampaignState state) {
  switch (state) {
    case CampaignState::kDraft:
      return "draft";
    case CampaignState::kRunning:
      return "running";
    case CampaignState::kPaused:
      return "paused";
    case CampaignState::kCancelled:
      return "cancelled";
    case CampaignState::kFinished:
      return "finished";
  }
  return "draft";
}

std::optional<CampaignState> ParseCampaignState(std::string_view name) {
  for (CampaignState s : {CampaignState::kDraft, CampaignState::kRunning, CampaignState::kPaused,
                          CampaignState::kCancelled, CampaignState::kFinished})
    if (name == CampaignStateName(s)) return s;
  return std::nullopt;
}

// ---- the engine --------------------------------------------------------------------------------

class Campaigns::Engine {
 public:
  Engine(CampaignStore& store, std::shared_ptr<const security::FieldCipher> cipher,
         NoticeCalls& calls, SmsSend sms, const ScenarioTable& scenarios,
         const tickets::SlaCalendar& calendar, const Clock& clock, CampaignPolicy policy)
      : store_(store),
        cipher_(std::move(cipher)),
        calls_(calls),
        sms_(std::move(sms)),
        scenarios_(scenarios),
        clock_(clock),
        calendar_(calendar),
        policy_(std::move(policy)),
        may_call_(CallingWindow(calendar, policy_.periods, policy_.working_days_only)) {}

  const CampaignPolicy& policy() const { return policy_; }
  const ScenarioTable& scenarios() const { return scenarios_; }
  bool InWindow(int64_t t) const { return may_call_(t); }
  int64_t NextWindow(int64_t t) const { return NextWindowOf(may_call_, policy_.periods, t); }

  // A standing campaign's rules and hook, for this engine (before ScheduleOn).
  void SetStanding(const std::string& id, CampaignRules rules, OutcomeHook hook) {
    std::lock_guard lock(standing_mu_);
    standing_[id] = MakeRuled(std::move(rules), std::move(hook), false);
  }

  // The rules campaign `id` runs under here: a standing campaign's, or its own as stored, with
  // concurrency and pace filled in; nullopt: the policy's.
  std::optional<CampaignRules> StandingRules(const std::string& id) const {
    const Ruled* st = StandingOf(id);
    if (!st) return std::nullopt;
    return st->rules;
  }

  // Seals and stores a verdict target of standing campaign `c` as target `seq`.
  Result<int64_t> AddVerdict(const Campaign& c, const VerdictTarget& v, int64_t now) {
    if (v.key.empty() || v.phone.empty() || v.words.empty())
      return InvalidArgument("a verdict target needs a key, a number and words");
    const std::string person = cipher_->BlindIndex("verdict", c.id + ":" + v.key);
    ZX_ASSIGN_OR_RETURN(int64_t seq, store_.ReserveSeqs(c.id, 1));
    ZX_ASSIGN_OR_RETURN(bool fresh, store_.PlanNotice(c.id, person, c.id, seq));
    if (!fresh) return Status(Code::kAlreadyExists, "target " + v.key + " is in campaign " + c.id);
    TargetRecordRow t;
    t.campaign_id = c.id;
    t.seq = seq;
    t.person_index = person;
    t.phone_index = cipher_->BlindIndex("phone", v.phone);
    t.phone_masked = MaskDialTarget(v.phone);
    t.scenarios = c.id;
    const std::string key = c.id + ":" + std::to_string(seq);
    auto seal = [&](const char* column, const std::string& value) {
      return cipher_->Encrypt(value, security::FieldAad(kTargets, column, key));
    };
    t.phone_enc = seal("phone_enc", v.phone);
    t.identity_enc = seal("identity_enc", "");  // no identity question: the order's number only
    t.notice_enc = seal("notice_enc", v.words);
    t.sms_enc = seal("sms_enc", "");
    t.attempts = t.failures = std::max(0, v.attempts_made);
    t.next_ms = v.not_before_ms;
    t.updated_ms = now;
    t.mode = "verdict";
    ZX_RETURN_IF_ERROR(store_.InsertTarget(t));
    return seq;
  }

  // Seals and stores one planned call as target `seq`; false when every notice of it was
  // planned before (a file added again).
  Result<bool> AddCall(const Campaign& c, const PlannedCall& call, int64_t seq, int64_t now) {
    const std::string person = cipher_->BlindIndex("id_number", call.id_number);
    std::vector<const TargetRecord*> fresh;
    for (const TargetRecord& r : call.notices) {
      ZX_ASSIGN_OR_RETURN(bool added, store_.PlanNotice(c.id, person, r.scenario, seq));
      if (added) fresh.push_back(&r);
    }
    if (fresh.empty()) return false;
    PlannedCall planned = call;
    planned.notices.clear();
    for (const TargetRecord* r : fresh) planned.notices.push_back(*r);
    ScriptOptions words;
    words.agent_line = !policy_.transfer_to.empty();
    ZX_ASSIGN_OR_RETURN(CallScript script, RenderCallScript(planned, scenarios_, words));
    TargetRecordRow t;
    t.campaign_id = c.id;
    t.seq = seq;
    t.person_index = person;
    t.phone_index = cipher_->BlindIndex("phone", call.phone);
    t.phone_masked = text::MaskPhone(call.phone);
    t.salutation = script.salutation;
    t.scenarios = Join(script.scenarios);
    const std::string key = c.id + ":" + std::to_string(seq);
    auto seal = [&](const char* column, const std::string& value) {
      return cipher_->Encrypt(value, security::FieldAad(kTargets, column, key));
    };
    t.phone_enc = seal("phone_enc", call.phone);
    t.identity_enc = seal("identity_enc", script.identity);
    t.notice_enc = seal("notice_enc", script.notice);
    t.sms_enc = seal("sms_enc", script.sms);
    t.wrong_party = script.wrong_party;
    t.later = script.later;
    t.next_ms = 0;
    t.updated_ms = now;
    ZX_RETURN_IF_ERROR(store_.InsertTarget(t));
    return true;
  }

  Result<TickResult> Tick() {
    TickResult tick;
    const int64_t now = clock_.NowUnixMillis();
    ZX_RETURN_IF_ERROR(LoadOwnRules());
    ZX_RETURN_IF_ERROR(Collect(now, tick));
    ZX_RETURN_IF_ERROR(SendSms(tick));
    ZX_RETURN_IF_ERROR(StartDue(now, tick));
    ZX_RETURN_IF_ERROR(Finish(now, tick));
    return tick;
  }

 private:
  Result<std::string> Open(const TargetRecordRow& t, const char* column, const std::string& v) {
    auto plain = cipher_->Decrypt(
        v, security::FieldAad(kTargets, column, t.campaign_id + ":" + std::to_string(t.seq)));
    if (!plain.ok()) return security::AsKeyMissing(plain.status(), "a campaign target");
    return plain;
  }

  // The outcome of an attempt decides the target's next step; written with the attempt in one
  // transaction by the caller.
  void Plan(TargetRecordRow& t, const std::string& outcome, bool reached, bool cancelled,
            int64_t now, int64_t asked_for = 0) {
    t.updated_ms = now;
    if (reached) t.reached = 1;
    // A verdict heard without a key (or hung up on) is asked again like a call that found nobody.
    const bool retry =
        Retried(outcome) ||
        (t.mode == "verdict" && (outcome == "not_confirmed" || outcome == "hung_up_early"));
    if (retry) ++t.failures;
    const Ruled* st = RulesOf(t.campaign_id);
    const int max_attempts = st ? st->rules.max_attempts : policy_.max_attempts;
    const std::vector<int64_t>& retry_after =
        st && !st->rules.retry_after_ms.empty() ? st->rules.retry_after_ms : policy_.retry_after_ms;
    int64_t next = 0;
    if (!cancelled && retry && t.failures < max_attempts) {
      const size_t i = std::min<size_t>(t.failures - 1, retry_after.size() - 1);
      next = NextWindowFor(t.campaign_id, now + retry_after[i]);
    } else if (!cancelled && outcome == "callback_scheduled" && t.attempts < max_attempts + 1) {
      // When they named a time, then; else after the configured pause.
      next = NextWindowFor(t.campaign_id,
                           asked_for > now ? asked_for : now + policy_.callback_after_ms);
    }
    if (next > 0 && next != INT64_MAX) {
      t.state = "waiting";
      t.next_ms = next;
      return;
    }
    t.state = "done";
    t.outcome = outcome;
    const bool sms = outcome == "confirmed" ? policy_.sms_after_confirmed
                                            : policy_.sms_fallback && SmsFallsBack(outcome);
    if (sms && sms_ && t.mode != "verdict") t.sms = "due";
  }

  // Tells a standing campaign's hook the outcome of `t`'s attempt (just planned); inside the
  // caller's transaction.
  Status Tell(const TargetRecordRow& t, const std::string& attempt_id, const std::string& outcome,
              char key) {
    const Ruled* st = StandingOf(t.campaign_id);
    if (!st || !st->hook) return Status::Ok();
    AttemptOutcome o;
    o.campaign_id = t.campaign_id;
    o.seq = t.seq;
    o.attempt_id = attempt_id;
    o.outcome = outcome;
    o.key = key;
    o.final = t.state == "done";
    return st->hook(o);
  }

  // A campaign's rules in place of the policy's: a standing campaign's (from its module), or a
  // campaign's own (from a supervisor, stored with it).
  struct Ruled {
    CampaignRules rules;  // concurrency and pace filled in (never above the policy's)
    std::function<bool(int64_t)> may_call;
    OutcomeHook hook;  // standing campaigns only
  };
  // `within_policy`: a supervisor's windows are also held to the policy's, so a configuration
  // narrowed after the rules were set still holds (the legal hours are the operator's).
  Ruled MakeRuled(CampaignRules rules, OutcomeHook hook, bool within_policy) const {
    Ruled r;
    if (rules.concurrent <= 0 || rules.concurrent > policy_.campaign_concurrent)
      rules.concurrent = policy_.campaign_concurrent;
    if (rules.pace_per_s <= 0 || rules.pace_per_s > policy_.pace_per_s)
      rules.pace_per_s = policy_.pace_per_s;
    if (within_policy) rules.max_attempts = std::min(rules.max_attempts, policy_.max_attempts);
    auto own = CallingWindow(calendar_, rules.periods, rules.working_days_only);
    r.may_call = within_policy ? std::function<bool(int64_t)>([own, policy = may_call_](int64_t t) {
      return own(t) && policy(t);
    })
                               : std::move(own);
    r.rules = std::move(rules);
    r.hook = std::move(hook);
    return r;
  }
  // Entries are never erased: a pointer stays valid.
  const Ruled* StandingOf(const std::string& id) const {
    std::lock_guard lock(standing_mu_);
    auto it = standing_.find(id);
    return it == standing_.end() ? nullptr : &it->second;
  }
  // The campaign's rules, nullptr: the policy's. Inside Tick (own_ is the tick's).
  const Ruled* RulesOf(const std::string& id) const {
    if (const Ruled* st = StandingOf(id)) return st;
    auto it = own_.find(id);
    return it == own_.end() ? nullptr : &it->second;
  }
  // Campaigns' own rules, read again each tick: a supervisor (or the CLI of another process)
  // may change them while a campaign is paused.
  Status LoadOwnRules() {
    ZX_ASSIGN_OR_RETURN(std::vector<Campaign> list, store_.CampaignsWithOwnRules());
    own_.clear();
    for (Campaign& c : list) own_.emplace(c.id, MakeRuled(std::move(c.rules), nullptr, true));
    return Status::Ok();
  }
  bool MayCallFor(const std::string& id, int64_t t) const {
    const Ruled* st = RulesOf(id);
    return st ? st->may_call(t) : may_call_(t);
  }
  int64_t NextWindowFor(const std::string& id, int64_t t) const {
    const Ruled* st = RulesOf(id);
    return st ? NextWindowOf(st->may_call, st->rules.periods, t) : NextWindow(t);
  }
  // The pace of one campaign slower than the policy's: its own bucket of starts.
  struct Bucket {
    double tokens = 0;
    int64_t last_ms = 0;
  };
  Bucket* CampaignBucket(const std::string& id, int64_t now) {
    const Ruled* r = RulesOf(id);
    if (!r || r->rules.pace_per_s >= policy_.pace_per_s) return nullptr;
    const double pace = r->rules.pace_per_s, burst = std::max(1.0, pace);
    auto [it, fresh] = buckets_.try_emplace(id);
    Bucket& b = it->second;
    b.tokens = fresh ? burst : std::min(burst, b.tokens + (now - b.last_ms) / 1000.0 * pace);
    b.last_ms = now;
    return &b;
  }
  static int64_t NextWindowOf(const std::function<bool(int64_t)>& may_call,
                              const std::vector<tickets::WorkingPeriod>& periods, int64_t t) {
    if (may_call(t)) return t;
    const tickets::Date today = tickets::ToChinaLocal(t).date;
    for (int d = 0; d <= 60; ++d) {
      const tickets::Date date = tickets::AddDays(today, d);
      for (const auto& p : periods) {
        const int64_t start = tickets::FromChinaLocal(date, p.start_minute * kMinuteMs);
        if (start >= t && may_call(start)) return start;
      }
    }
    return INT64_MAX;
  }

  Status Collect(int64_t now, TickResult& tick) {
    ZX_ASSIGN_OR_RETURN(std::vector<AttemptRow> open, store_.OpenAttempts());
    for (AttemptRow& a : open) {
      std::string outcome = "interrupted";  // the process stopped before the call was placed
      bool reached = false, answered = false;
      char key = 0;
      int64_t asked_for = 0;
      // Between its row and its call: this node's earlier process stopped there (Dial runs
      // inside Tick, never beside Collect), or another node is there now unless it is gone.
      if (a.call_id.empty() && a.node != calls_.node() && !calls_.NodeGone(a.node)) continue;
      if (!a.call_id.empty()) {
        auto call = calls_.CloseIfOrphaned(a.call_id);
        if (call.ok()) {
          if (call->state != NoticeState::kEnded) continue;
          outcome = OutcomeOfCall(*call);
          reached = Identified(*call);
          answered = std::any_of(call->events.begin(), call->events.end(),
                                 [](const NoticeEvent& e) { return e.type == "answered"; });
          if (outcome == "confirmed" && !call->digits.empty()) key = call->digits.back();
          asked_for = AskedFor(*call);
          a.sip_code = call->sip_code;
          a.talk_ms = TalkMs(*call);
        }
      }
      ZX_ASSIGN_OR_RETURN(auto target, store_.FindTarget(a.campaign_id, a.seq));
      ZX_ASSIGN_OR_RETURN(auto campaign, store_.FindCampaign(a.campaign_id));
      // A verdict asks no identity: whoever answered was reached.
      if (target && target->mode == "verdict" && answered) reached = true;
      a.state = "ended";
      a.outcome = outcome;
      a.ended_ms = now;
      ZX_RETURN_IF_ERROR(store_.db().Transaction([&]() -> Status {
        ZX_RETURN_IF_ERROR(store_.UpdateAttempt(a));
        if (!target) return Status::Ok();
        Plan(*target, outcome, reached, campaign && campaign->state == CampaignState::kCancelled,
             now, asked_for);
        ZX_RETURN_IF_ERROR(store_.UpdateTarget(*target));
        return Tell(*target, a.attempt_id, outcome, key);
      }));
      ++tick.ended;
      tick.changed.insert(a.campaign_id);
      log::Info("campaign.attempt_ended attempt={} outcome={}", a.attempt_id, outcome);
    }
    return Status::Ok();
  }

  Status SendSms(TickResult& tick) {
    if (!sms_) return Status::Ok();
    ZX_ASSIGN_OR_RETURN(std::vector<TargetRecordRow> due, store_.SmsDue(20));
    for (TargetRecordRow& t : due) {
      // Marked before it is sent: a process killed while sending never sends it again.
      t.sms = "sending";
      ZX_RETURN_IF_ERROR(store_.UpdateTarget(t));
      tick.changed.insert(t.campaign_id);
      auto phone = Open(t, "phone_enc", t.phone_enc);
      auto text = Open(t, "sms_enc", t.sms_enc);
      Result<SmsResult> sent =
          !phone.ok() ? Result<SmsResult>(phone.status())
          : !text.ok()
              ? Result<SmsResult>(text.status())
              : sms_(*phone, *text, "cp:" + t.campaign_id + ":" + std::to_string(t.seq) + ":sms");
      const int64_t now = clock_.NowUnixMillis();
      const bool later = !sent.ok() && (sent.status().code() == Code::kUnavailable ||
                                        sent.status().code() == Code::kResourceExhausted);
      if (later && now - t.updated_ms < kDayMs) {
        // No verdict (the gateway unreachable, or busy): again on a later tick, the same id
        // letting the platform drop a repeat; given up after a day.
        t.sms = "due";
        ZX_RETURN_IF_ERROR(store_.UpdateTarget(t));
        log::Warn("campaign.sms_later campaign={} target={} error=\"{}\"", t.campaign_id, t.seq,
                  sent.status().message());
        break;
      }
      t.sms = !sent.ok() ? "failed" : sent->accepted ? "sent" : "rejected";
      t.updated_ms = now;
      ZX_RETURN_IF_ERROR(store_.UpdateTarget(t));
      log::Info("campaign.sms campaign={} target={} number={} result={} detail=\"{}\"",
                t.campaign_id, t.seq, t.phone_masked, t.sms,
                sent.ok() ? sent->detail : sent.status().message());
      if (t.sms == "sent") ++tick.sms;
    }
    return Status::Ok();
  }

  // The standing do-not-call list, read again when the file changes.
  bool DoNotCall(const std::string& phone) {
    if (policy_.dnc_file.empty()) return false;
    std::error_code ec;
    auto mtime = std::filesystem::last_write_time(policy_.dnc_file, ec);
    if (ec) return false;
    if (!dnc_ || mtime != dnc_mtime_) {
      auto list = DoNotCallList::Load(policy_.dnc_file);
      if (!list.ok()) {
        log::Warn("campaign.dnc_unreadable error=\"{}\"", list.status().message());
        return false;
      }
      dnc_ = std::make_unique<DoNotCallList>(std::move(*list));
      dnc_mtime_ = mtime;
    }
    return dnc_->Contains(phone);
  }

  // The start of the China day of `t`, and of its week (Monday).
  static int64_t DayStart(int64_t t) {
    return tickets::FromChinaLocal(tickets::ToChinaLocal(t).date);
  }
  static int64_t WeekStart(int64_t t) {
    tickets::Date d = tickets::ToChinaLocal(t).date;
    return tickets::FromChinaLocal(tickets::AddDays(d, -((tickets::Weekday(d) + 6) % 7)));
  }

  Status StartDue(int64_t now, TickResult& tick) {
    // The pace: a bucket of starts, refilled with time, holding at most one second's worth.
    const double burst = std::max(1.0, policy_.pace_per_s);
    if (last_refill_ms_ == 0) last_refill_ms_ = now - 1000;
    tokens_ = std::min(burst, tokens_ + (now - last_refill_ms_) / 1000.0 * policy_.pace_per_s);
    last_refill_ms_ = now;
    ZX_ASSIGN_OR_RETURN(std::vector<std::string> running, store_.RunningCampaigns());
    std::erase_if(running, [&](const std::string& id) { return !MayCallFor(id, now); });
    if (running.empty()) return Status::Ok();
    ZX_ASSIGN_OR_RETURN(int64_t open_all, store_.OpenCount());
    for (const std::string& id : running) {
      ZX_ASSIGN_OR_RETURN(int64_t open, store_.OpenCount(id));
      const Ruled* rules = RulesOf(id);
      const int concurrent = rules ? rules->rules.concurrent : policy_.campaign_concurrent;
      int64_t slots = std::min<int64_t>(concurrent - open, policy_.max_concurrent - open_all);
      slots = std::min<int64_t>(slots, static_cast<int64_t>(tokens_));
      Bucket* bucket = CampaignBucket(id, now);
      if (bucket) slots = std::min<int64_t>(slots, static_cast<int64_t>(bucket->tokens));
      if (slots <= 0) continue;
      ZX_ASSIGN_OR_RETURN(std::vector<TargetRecordRow> due,
                          store_.ClaimDue(id, now, slots, calls_.node(), now + kClaimMs));
      if (!due.empty()) tick.changed.insert(id);
      for (TargetRecordRow& t : due) {
        ZX_ASSIGN_OR_RETURN(bool placed, Dial(t, now, tick));
        if (placed) {
          ++open_all;
          tokens_ -= 1;
          if (bucket) bucket->tokens -= 1;
        } else if (voice_down_) {
          return Status::Ok();
        }
      }
    }
    return Status::Ok();
  }

  // One target due now: the checks of the moment, then the attempt written, then the call.
  // True when a call was placed.
  Result<bool> Dial(TargetRecordRow& t, int64_t now, TickResult& tick) {
    voice_down_ = false;
    t.updated_ms = now;
    auto phone = Open(t, "phone_enc", t.phone_enc);
    if (phone.ok() && DoNotCall(*phone)) {
      t.state = "done";
      t.outcome = "dnc";
      ZX_RETURN_IF_ERROR(store_.db().Transaction([&]() -> Status {
        ZX_RETURN_IF_ERROR(store_.UpdateTarget(t));
        return Tell(t, "", "dnc", 0);
      }));
      return false;
    }
    // The caps over every campaign: one call a day, three a week to a number (by default).
    ZX_ASSIGN_OR_RETURN(int64_t today, store_.CallsToNumberSince(t.phone_index, DayStart(now)));
    ZX_ASSIGN_OR_RETURN(int64_t week, store_.CallsToNumberSince(t.phone_index, WeekStart(now)));
    if (today >= policy_.per_number_day || week >= policy_.per_number_week) {
      const int64_t after =
          week >= policy_.per_number_week ? WeekStart(now) + 7 * kDayMs : DayStart(now) + kDayMs;
      t.next_ms = NextWindowFor(t.campaign_id, after);
      ZX_RETURN_IF_ERROR(store_.UpdateTarget(t));
      return false;
    }
    AttemptRow a;
    a.n = t.attempts + 1;
    a.attempt_id = "cp:" + t.campaign_id + ":" + std::to_string(t.seq) + ":" + std::to_string(a.n);
    a.campaign_id = t.campaign_id;
    a.seq = t.seq;
    a.phone_index = t.phone_index;
    a.started_ms = now;
    a.node = calls_.node();
    // Written before the call: from here on this attempt number can never dial again. Not when
    // the target is no longer ours to call (cancelled, or our claim ran out and another node
    // has it).
    ZX_ASSIGN_OR_RETURN(bool begun, store_.BeginAttempt(a, t));
    if (!begun) return false;
    t.attempts = a.n;
    t.state = "calling";

    Result<NoticeStart> started = phone.status();
    if (phone.ok()) {
      auto identity = Open(t, "identity_enc", t.identity_enc);
      auto notice = Open(t, "notice_enc", t.notice_enc);
      if (!identity.ok() || !notice.ok()) {
        started = !identity.ok() ? identity.status() : notice.status();
      } else {
        NoticeRequest r;
        r.number = *phone;
        r.text = *notice;
        r.identity = *identity;
        r.wrong_party_words = t.wrong_party;
        r.later_words = t.later;
        r.attempt_id = a.attempt_id;
        r.key_timeout_s = policy_.key_timeout_s;
        r.ring_timeout_s = policy_.ring_timeout_s;
        r.transfer_to = policy_.transfer_to;
        if (t.mode == "verdict") {
          // A survey question: 1 满意, 2 基本满意, 3 不满意 (or the words), 9 again.
          r.confirm_keys = "123";
          r.repeat_keys = "9";
          r.verdict_words = true;
          r.transfer_to.clear();
        }
        started = calls_.Start(r);
      }
    }
    if (started.ok()) {
      a.call_id = started->call.id;
      ZX_RETURN_IF_ERROR(store_.UpdateAttempt(a));
      ++tick.started;
      log::Info("campaign.dialing attempt={} number={} call={}", a.attempt_id, t.phone_masked,
                a.call_id);
      return true;
    }
    const Status& s = started.status();
    if (s.code() == Code::kUnavailable || s.code() == Code::kResourceExhausted ||
        s.code() == Code::kFailedPrecondition) {
      // Our side cannot call now (voice off, every slot busy, no trunk for a number) and nothing
      // was dialled: the attempt was not made; the target waits, the campaign's targets are not
      // used up by a server that cannot call.
      voice_down_ = true;
      log::Warn("campaign.not_placed attempt={} error=\"{}\"", a.attempt_id, s.message());
      t.attempts = a.n - 1;
      t.state = "waiting";
      t.next_ms = now + kMinuteMs;
      return store_.db()
                     .Transaction([&]() -> Status {
                       ZX_ASSIGN_OR_RETURN(
                           auto del, store_.db().Prepare(
                                         "DELETE FROM campaign_attempts WHERE attempt_id = ?"));
                       ZX_RETURN_IF_ERROR(del.Bind(1, a.attempt_id).Run());
                       return store_.UpdateTarget(t);
                     })
                     .ok()
                 ? Result<bool>(false)
                 : Result<bool>(Internal("could not put back attempt " + a.attempt_id));
    }
    // The number cannot be dialled, or its data cannot be opened: a final outcome.
    const std::string outcome = s.code() == Code::kInvalidArgument ? "invalid_number" : "failed";
    log::Warn("campaign.call_failed attempt={} outcome={} error=\"{}\"", a.attempt_id, outcome,
              s.message());
    a.state = "ended";
    a.outcome = outcome;
    a.ended_ms = now;
    t.failures = 100;  // not worth another attempt (more than any max_attempts)
    ZX_RETURN_IF_ERROR(store_.db().Transaction([&]() -> Status {
      ZX_RETURN_IF_ERROR(store_.UpdateAttempt(a));
      Plan(t, outcome, false, false, now);
      ZX_RETURN_IF_ERROR(store_.UpdateTarget(t));
      return Tell(t, a.attempt_id, outcome, 0);
    }));
    return false;
  }

  // Running campaigns with nothing left to do are finished.
  Status Finish(int64_t now, TickResult& tick) {
    ZX_ASSIGN_OR_RETURN(std::vector<std::string> running, store_.RunningCampaigns());
    for (const std::string& id : running) {
      ZX_ASSIGN_OR_RETURN(int64_t left, store_.Unfinished(id));
      if (left > 0) continue;
      ZX_ASSIGN_OR_RETURN(auto c, store_.FindCampaign(id));
      if (!c || c->standing) continue;  // fed by another module: never finished
      c->state = CampaignState::kFinished;
      c->ended_ms = now;
      ZX_RETURN_IF_ERROR(store_.UpdateCampaign(*c));
      tick.changed.insert(id);
      log::Info("campaign.finished id={}", id);
    }
    return Status::Ok();
  }

  CampaignStore& store_;
  std::shared_ptr<const security::FieldCipher> cipher_;
  NoticeCalls& calls_;
  SmsSend sms_;
  const ScenarioTable& scenarios_;
  const Clock& clock_;
  const tickets::SlaCalendar& calendar_;
  CampaignPolicy policy_;
  std::function<bool(int64_t)> may_call_;
  mutable std::mutex standing_mu_;
  std::map<std::string, Ruled> standing_;  // guarded by standing_mu_
  std::map<std::string, Ruled> own_;       // campaigns' own rules, this tick's (Tick only)
  std::map<std::string, Bucket> buckets_;  // Tick only
  double tokens_ = 0;
  int64_t last_refill_ms_ = 0;
  bool voice_down_ = false;
  std::unique_ptr<DoNotCallList> dnc_;
  std::filesystem::file_time_type dnc_mtime_;
};

// ---- the public face -------------------------------------------------------------------------

Campaigns::Campaigns(storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
                     NoticeCalls& calls, SmsSend sms, const ScenarioTable& scenarios,
                     const tickets::SlaCalendar& calendar, const Clock& clock,
                     CampaignPolicy policy)
    : store_(std::make_unique<CampaignStore>(db)),
      engine_(std::make_unique<Engine>(*store_, std::move(cipher), calls, std::move(sms), scenarios,
                                       calendar, clock, std::move(policy))),
      clock_(clock) {}

Campaigns::~Campaigns() = default;

Result<std::unique_ptr<Campaigns>> Campaigns::Open(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher, NoticeCalls& calls,
    SmsSend sms, const ScenarioTable& scenarios, const tickets::SlaCalendar& calendar,
    const Clock& clock, CampaignPolicy policy) {
  if (!cipher)
    return FailedPrecondition(
        "campaigns need the key file: a target's number and notice are stored sealed");
  if (policy.periods.empty() || policy.retry_after_ms.empty())
    return InvalidArgument("campaigns: the policy needs calling hours and retry delays");
  auto store = std::make_unique<CampaignStore>(db);
  ZX_RETURN_IF_ERROR(store->Migrate());
  return std::unique_ptr<Campaigns>(new Campaigns(db, std::move(cipher), calls, std::move(sms),
                                                  scenarios, calendar, clock, std::move(policy)));
}

Result<CampaignCreated> Campaigns::Create(const std::string& name, const CampaignFile& file,
                                          const std::string& actor,
                                          const CampaignRulesInput& rules) {
  if (name.empty() || name.size() > 200)
    return InvalidArgument("field \"name\" must be 1-200 bytes");
  Campaign c;
  if (!rules.empty()) {
    ZX_ASSIGN_OR_RETURN(c.rules, CampaignRulesFrom(rules, engine_->policy()));
    c.own_rules = true;
  }
  ZX_ASSIGN_OR_RETURN(c.id, store_->NextCampaignId(Today(clock_)));
  c.name = name;
  c.created_by = actor;
  c.created_ms = clock_.NowUnixMillis();
  c.file = file.display_name.empty() ? std::filesystem::path(file.path).filename().string()
                                     : file.display_name;
  ZX_RETURN_IF_ERROR(store_->InsertCampaign(c));
  auto created = AddFile(c.id, file, actor);
  if (!created.ok()) {
    // A file that could not be read leaves no empty campaign behind.
    if (auto del = store_->db().Prepare("DELETE FROM campaigns WHERE id = ?"); del.ok())
      (void)del->Bind(1, c.id).Run();
  }
  return created;
}

Result<CampaignCreated> Campaigns::AddFile(const std::string& id, const CampaignFile& file,
                                           const std::string& actor) {
  ZX_ASSIGN_OR_RETURN(Campaign c, Get(id));
  if (c.state == CampaignState::kCancelled || c.state == CampaignState::kFinished)
    return FailedPrecondition("campaign " + id + " is " + CampaignStateName(c.state) +
                              ": no targets can be added");
  tickets::Date as_of = tickets::ToChinaLocal(clock_.NowUnixMillis()).date;
  if (!file.as_of.empty()) {
    auto parsed = tickets::ParseDate(file.as_of);
    if (!parsed.ok()) return InvalidArgument("field \"as_of\": " + parsed.status().message());
    as_of = *parsed;
  }
  std::unique_ptr<DoNotCallList> dnc;
  if (!file.dnc_path.empty()) {
    ZX_ASSIGN_OR_RETURN(DoNotCallList list, DoNotCallList::Load(file.dnc_path));
    dnc = std::make_unique<DoNotCallList>(std::move(list));
  }
  ZX_ASSIGN_OR_RETURN(std::unique_ptr<text::TableStream> stream, text::OpenTable(file.path));
  ImportOptions options;
  options.scenarios = &engine_->scenarios();
  options.do_not_call = dnc.get();
  options.as_of = as_of;
  CampaignCreated out;
  const int64_t now = clock_.NowUnixMillis();
  // The file is read as a stream and its calls stored as they come, all in one transaction: a
  // file that turns out malformed half-way adds nothing.
  ZX_RETURN_IF_ERROR(store_->db().Transaction([&]() -> Status {
    // Target numbers are taken from the campaign in blocks (one UPDATE a block, not a call).
    int64_t next = 0, last = -1;
    options.on_call = [&](PlannedCall&& call) -> Status {
      if (next > last) {
        constexpr int64_t kBlock = 1024;
        ZX_ASSIGN_OR_RETURN(next, store_->ReserveSeqs(c.id, kBlock));
        last = next + kBlock - 1;
      }
      ZX_ASSIGN_OR_RETURN(bool added, engine_->AddCall(c, call, next, now));
      if (added) ++out.added, ++next;
      return Status::Ok();
    };
    ZX_ASSIGN_OR_RETURN(out.report, ImportTargets(*stream, c.file, options));
    return Status::Ok();
  }));
  out.report.planned.clear();
  c.records += static_cast<int64_t>(out.report.records);
  c.rejected += static_cast<int64_t>(out.report.counts.rejected);
  c.exact_duplicates += static_cast<int64_t>(out.report.counts.exact_duplicates);
  c.normalized_duplicates += static_cast<int64_t>(out.report.counts.normalized_duplicates);
  c.dnc_suppressed += static_cast<int64_t>(out.report.counts.dnc_suppressed);
  if (c.as_of.empty()) c.as_of = tickets::FormatDate(as_of);
  ZX_RETURN_IF_ERROR(store_->UpdateCampaign(c));
  log::Info("campaign.file id={} by={} records={} added={}", c.id, actor, out.report.records,
            out.added);
  out.campaign = Effective(std::move(c));
  Changed(id);
  return out;
}

namespace {

struct Move {
  const char* verb;
  std::vector<CampaignState> from;
  CampaignState to;
};

}  // namespace

// Start, Pause, Resume and Cancel: a state move, checked and stored.
static Result<Campaign> MoveCampaign(CampaignStore& store, const Clock& clock,
                                     const std::string& id, const Move& move,
                                     const std::string& actor) {
  Campaign c;
  ZX_RETURN_IF_ERROR(store.db().Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(auto found, store.FindCampaign(id));
    if (!found) return NotFound("no campaign " + id);
    c = std::move(*found);
    if (std::find(move.from.begin(), move.from.end(), c.state) == move.from.end())
      return FailedPrecondition(std::string("cannot ") + move.verb + " campaign " + id +
                                ": it is " + CampaignStateName(c.state));
    const int64_t now = clock.NowUnixMillis();
    c.state = move.to;
    if (move.to == CampaignState::kRunning && c.started_ms == 0) c.started_ms = now;
    if (move.to == CampaignState::kCancelled) {
      c.ended_ms = now;
      ZX_RETURN_IF_ERROR(store.CloseWaiting(id, "cancelled", now));
    }
    return store.UpdateCampaign(c);
  }));
  log::Info("campaign.{} id={} by={}", move.verb, id, actor);
  return c;
}

// A state move, then the screens told.
static Result<Campaign> Told(Result<Campaign> moved, const std::function<void()>& tell) {
  if (moved.ok()) tell();
  return moved;
}

Result<Campaign> Campaigns::Start(const std::string& id, const std::string& actor) {
  return Told(
      Effective(MoveCampaign(*store_, clock_, id,
                             {"start", {CampaignState::kDraft}, CampaignState::kRunning}, actor)),
      [&] { Changed(id); });
}
Result<Campaign> Campaigns::Pause(const std::string& id, const std::string& actor) {
  return Told(
      Effective(MoveCampaign(*store_, clock_, id,
                             {"pause", {CampaignState::kRunning}, CampaignState::kPaused}, actor)),
      [&] { Changed(id); });
}
Result<Campaign> Campaigns::Resume(const std::string& id, const std::string& actor) {
  return Told(
      Effective(MoveCampaign(*store_, clock_, id,
                             {"resume", {CampaignState::kPaused}, CampaignState::kRunning}, actor)),
      [&] { Changed(id); });
}
Result<Campaign> Campaigns::Cancel(const std::string& id, const std::string& actor) {
  return Told(Effective(MoveCampaign(
                  *store_, clock_, id,
                  {"cancel",
                   {CampaignState::kDraft, CampaignState::kRunning, CampaignState::kPaused},
                   CampaignState::kCancelled},
                  actor)),
              [&] { Changed(id); });
}

Result<Campaign> Campaigns::SetRules(const std::string& id, const CampaignRulesInput& input,
                                     const std::string& actor) {
  std::optional<CampaignRules> rules;
  if (!input.empty()) {
    ZX_ASSIGN_OR_RETURN(rules, CampaignRulesFrom(input, engine_->policy()));
  }
  Campaign c;
  ZX_RETURN_IF_ERROR(store_->db().Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(auto found, store_->FindCampaign(id));
    if (!found) return NotFound("no campaign " + id);
    c = std::move(*found);
    if (c.standing)
      return FailedPrecondition("campaign " + id + " is standing: its rules are its module's");
    // Rules change between calls, not under them: a running campaign is paused first.
    if (c.state != CampaignState::kDraft && c.state != CampaignState::kPaused)
      return FailedPrecondition("cannot change the rules of campaign " + id + ": it is " +
                                CampaignStateName(c.state) + " (draft or paused only)");
    c.own_rules = rules.has_value();
    c.rules = rules.value_or(CampaignRules{});
    return store_->UpdateCampaignRules(c);
  }));
  log::Info("campaign.rules id={} by={} own={} hours={} attempts={}", id, actor, c.own_rules,
            FormatPeriods(c.rules.periods), c.rules.max_attempts);
  Changed(id);
  return Effective(std::move(c));
}

Campaign Campaigns::Effective(Campaign c) const {
  if (auto standing = engine_->StandingRules(c.id)) {
    c.rules = std::move(*standing);
    c.own_rules = true;
  } else if (!c.own_rules) {
    c.rules = PolicyRules(engine_->policy());
  } else {
    // As the engine calls: never above a configuration narrowed since the rules were set.
    const CampaignPolicy& p = engine_->policy();
    c.rules.max_attempts = std::min(c.rules.max_attempts, p.max_attempts);
    c.rules.concurrent = std::min(c.rules.concurrent, p.campaign_concurrent);
    c.rules.pace_per_s = std::min(c.rules.pace_per_s, p.pace_per_s);
  }
  return c;
}

Result<Campaign> Campaigns::Effective(Result<Campaign> c) const {
  if (!c.ok()) return c;
  return Effective(std::move(*c));
}

Result<Campaign> Campaigns::Get(const std::string& id) {
  ZX_ASSIGN_OR_RETURN(auto c, store_->FindCampaign(id));
  if (!c) return NotFound("no campaign " + id);
  return Effective(std::move(*c));
}

Result<std::vector<Campaign>> Campaigns::List(int64_t limit) {
  ZX_ASSIGN_OR_RETURN(std::vector<Campaign> list,
                      store_->ListCampaigns(std::clamp<int64_t>(limit, 1, 1000)));
  for (Campaign& c : list) c = Effective(std::move(c));
  return list;
}

Result<CampaignFigures> Campaigns::Figures(const std::string& id) {
  ZX_RETURN_IF_ERROR(Get(id).status());
  return store_->Figures(id);
}

Result<TargetPage> Campaigns::Targets(const std::string& id, const TargetQuery& query) {
  ZX_RETURN_IF_ERROR(Get(id).status());
  if (query.limit < 1 || query.limit > 1000)
    return InvalidArgument("field \"limit\" must be 1-1000");
  if (query.offset < 0) return InvalidArgument("field \"offset\" must not be negative");
  return store_->Targets(id, query);
}

Result<std::vector<AttemptView>> Campaigns::Attempts(const std::string& id, int64_t seq) {
  ZX_ASSIGN_OR_RETURN(auto target, store_->FindTarget(id, seq));
  if (!target) return NotFound("no target " + std::to_string(seq) + " in campaign " + id);
  ZX_ASSIGN_OR_RETURN(std::vector<AttemptRow> rows, store_->AttemptsOf(id, seq));
  std::vector<AttemptView> out;
  for (const AttemptRow& a : rows)
    out.push_back({a.attempt_id, a.n, a.call_id, a.state, a.outcome, a.sip_code, a.started_ms,
                   a.ended_ms, a.talk_ms});
  return out;
}

Result<TickResult> Campaigns::Tick() {
  Result<TickResult> tick = [&] {
    std::lock_guard lock(tick_mu_);
    return engine_->Tick();
  }();
  // Outside the lock: the hook's work is the screens', not the engine's.
  if (tick.ok())
    for (const std::string& id : tick->changed) Changed(id);
  return tick;
}

void Campaigns::OnChange(ChangeHook hook) { change_hook_ = std::move(hook); }

void Campaigns::ScheduleOn(Worker& worker) {
  worker.Every(engine_->policy().check_every, [this] {
    if (auto tick = Tick(); !tick.ok())
      log::Warn("campaign.tick_failed error=\"{}\"", tick.status().message());
  });
}

Result<Campaign> Campaigns::OpenStanding(const std::string& id, const std::string& name,
                                         CampaignRules rules, OutcomeHook hook) {
  if (id.empty() || id.size() > 40 || name.empty())
    return InvalidArgument("a standing campaign needs an id (1-40 bytes) and a name");
  if (rules.max_attempts < 1 || rules.retry_after_ms.empty())
    return InvalidArgument("campaign " + id + ": max_attempts and retry delays are needed");
  Campaign c;
  auto open = [&] {
    return store_->db().Transaction([&]() -> Status {
      ZX_ASSIGN_OR_RETURN(auto found, store_->FindCampaign(id));
      const int64_t now = clock_.NowUnixMillis();
      if (!found) {
        c.id = id;
        c.name = name;
        c.state = CampaignState::kRunning;
        c.created_by = "system";
        c.created_ms = c.started_ms = now;
        c.as_of = tickets::FormatDate(tickets::ToChinaLocal(now).date);
        c.standing = true;
        return store_->InsertCampaign(c);
      }
      c = std::move(*found);
      if (!c.standing)
        return Status(Code::kAlreadyExists, "campaign " + id + " exists and is not standing");
      if (c.state != CampaignState::kFinished) return Status::Ok();
      c.state = CampaignState::kRunning;
      c.ended_ms = 0;
      return store_->UpdateCampaign(c);
    });
  };
  // Another node may create it at the same moment: then it is there the second time.
  if (Status s = open(); !s.ok()) ZX_RETURN_IF_ERROR(open());
  engine_->SetStanding(id, std::move(rules), std::move(hook));
  return Effective(std::move(c));
}

Result<int64_t> Campaigns::AddVerdictTarget(const std::string& id, const VerdictTarget& target) {
  ZX_ASSIGN_OR_RETURN(auto c, store_->FindCampaign(id));
  if (!c || !c->standing) return NotFound("no standing campaign " + id);
  if (c->state == CampaignState::kCancelled)
    return FailedPrecondition("campaign " + id + " is cancelled: no targets can be added");
  return engine_->AddVerdict(*c, target, clock_.NowUnixMillis());
}

bool Campaigns::InWindow(int64_t unix_ms) const { return engine_->InWindow(unix_ms); }
int64_t Campaigns::NextWindow(int64_t unix_ms) const { return engine_->NextWindow(unix_ms); }
const CampaignPolicy& Campaigns::policy() const { return engine_->policy(); }
const ScenarioTable& Campaigns::scenarios() const { return engine_->scenarios(); }

}  // namespace zx::campaigns
