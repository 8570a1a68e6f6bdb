// Campaigns: outbound notice campaigns that run by themselves (DOMAIN.md "Outbound notification
// calls"). A department's target file is imported (campaigns/target_import.h) into a campaign:
// one target per person with all their notices, the words rendered (campaigns/notice_script.h)
// and sealed. Started, the engine calls each target inside the calling windows and the caps,
// retries what found nobody, falls back to SMS after the last failed attempt, and counts.
//
// The call of a target is a notice call (campaigns/notice_calls.h) with the identity question
// first: the right person (key 1) hears the notices and confirms with key 1; anyone else
// (key 2) hears nothing of the matter (wrong_party); key 3 asks to be called later
// (callback_scheduled: the next attempt at the next window at least callback_after_min later).
//
// Outcomes of a target, final unless retried: confirmed, not_confirmed (heard, no key),
// transferred (key 0, with an agents' line), callback_scheduled, refused, wrong_party, voicemail
// (answered, nobody answered the identity question), hung_up_early, no_answer, busy,
// invalid_number, failed, interrupted (the server stopped during the call), dnc (on the do-not-call
// list at dial time), cancelled (the campaign was cancelled first). Retried (policy.retry_on):
// no_answer, busy, voicemail, failed, interrupted, up to policy.max_attempts failed attempts,
// policy.retry_after apart.
//
// Exactly once: an attempt ("cp:<campaign>:<target>:<n>") is written (state dialing) before it
// is dialled, in the same transaction that marks its target calling; its outcome is written in
// the same transaction as the target's next plan. A process killed in between leaves the attempt
// open: the next Tick reconciles it as interrupted (NoticeCalls closes the call it left open),
// and only attempt n+1 may call, within the caps. Never is one attempt id dialled twice.
//
// Caps across all campaigns: at most policy.per_number_day calls a day (China time) and
// policy.per_number_week in a week (Monday to Sunday) to one number (by its blind index); the
// do-not-call list is checked again at dial time; at most policy.max_concurrent calls at once
// in all, policy.campaign_concurrent per campaign (or its own, lower); at most policy.pace_per_s
// calls started a second (and a campaign's own pace, lower).
//
// Control: Start, Pause, Resume, Cancel change the state in the database; Tick (run every
// policy.check_every, or by tests with a FakeClock) acts on it, so a change from the CLI of
// another process takes effect within seconds. Pausing lets calls in progress end; cancelling
// too, and gives every target not yet called the outcome cancelled.
//
// Personal data: a target's number and words are sealed (FieldCipher, row key
// "<campaign>:<target>"); the number is found by a blind index; reports and pages show the
// masked number and the masked salutation (张*先生) only. A campaign needs the key file.
//
// A campaign's own rules (CampaignRules, set by a supervisor while draft or paused): narrower
// windows, fewer attempts, other retry waits, lower concurrency and pace than the policy's;
// never looser. The caps per number, the do-not-call list and the trunk's concurrency stay the
// policy's, shared with every campaign.
//
// Standing campaigns (OpenStanding): a campaign that never finishes, fed one target at a time by
// another module (the return visits of work orders, campaigns/return_visits.h, scenario
// ob.return_visit). Its own windows and retries may differ from the policy's (CampaignRules). Its
// targets may be verdict targets (AddVerdictTarget): no identity question, the question's words,
// keys 1/2/3 confirm with a verdict (9 repeats; with speech the words 满意/基本满意/不满意), a call
// heard without a key is retried like one that found nobody, and no SMS. The standing campaign's
// hook hears every attempt's outcome inside the transaction that writes it (AttemptOutcome), so
// what it records is written exactly once with the outcome.
//
// Thread-safe: every method may be called from any thread (HTTP, CLI, the timer); Tick runs
// one at a time. OpenStanding before ScheduleOn.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/config.h"
#include "base/status.h"
#include "base/worker.h"
#include "campaigns/notice_calls.h"
#include "campaigns/scenarios.h"
#include "campaigns/target_import.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "tickets/calendar.h"
#include "tickets/sla_calendar.h"

namespace zx::campaigns {

class CampaignStore;

// Sends one SMS (app wires it to the configured SMS gateway, telephony/sms_gateway.h): the
// normalised mobile number, the text, and an id the gateway may use against duplicates.
// accepted = false: the gateway refused the message (detail says why); an error: it could not be
// reached. Either way the message is not sent again.
struct SmsResult {
  bool accepted = false;
  std::string detail;
};
using SmsSend = std::function<Result<SmsResult>(const std::string& to, const std::string& text,
                                                const std::string& id)>;

// [campaigns] of the configuration.
struct CampaignConfig {
  std::string hours = "09:00-12:00,14:00-20:00";  // calling windows, China time
  int working_days_only = 1;                      // 1: working days of the holiday calendar only
  int max_attempts = 3;  // failed attempts (no answer, busy, ...) before giving up
  std::string retry_after_min = "30,120";  // minutes after the 1st, 2nd, ... failed attempt
  int callback_after_min = 120;            // key 3 (现在不方便): not before this
  int per_number_day = 1;                  // calls to one number a day, all campaigns
  int per_number_week = 3;                 // and a week
  int max_concurrent = 30;                 // calls at once, all campaigns (the trunk's share)
  int campaign_concurrent = 10;            // calls at once, one campaign
  double pace_per_s = 2;                   // calls started a second at most
  int check_every_ms = 1000;               // how often the engine looks (pause takes effect)
  std::string dnc_file = "";               // the standing do-not-call list ("" none)
  int sms_fallback = 1;                    // 1: SMS after the last failed attempt
  int sms_after_confirmed = 0;             // 1: a written copy after a confirmed call
  int key_timeout_s = 8;
  int ring_timeout_s = 30;
};
const ConfigSection<CampaignConfig>& CampaignConfigSection();

// The configuration read, over the holiday calendar.
struct CampaignPolicy {
  std::vector<tickets::WorkingPeriod> periods;
  bool working_days_only = true;
  int max_attempts = 3;
  std::vector<int64_t> retry_after_ms;  // at least one
  int64_t callback_after_ms = 2 * 3600 * 1000;
  int per_number_day = 1;
  int per_number_week = 3;
  int max_concurrent = 30;
  int campaign_concurrent = 10;
  double pace_per_s = 2;
  std::chrono::milliseconds check_every{1000};
  std::string dnc_file;
  bool sms_fallback = true;
  bool sms_after_confirmed = false;
  int key_timeout_s = 8;
  int ring_timeout_s = 30;
  // The agents' line (the configuration's call.transfer_to): key 0 after the identity hands the
  // call over (transferred). Empty: no agent line is offered.
  std::string transfer_to;
};
// kInvalidArgument naming the key (campaigns.hours, campaigns.retry_after_min) when malformed.
Result<CampaignPolicy> CampaignPolicyFrom(const CampaignConfig& config);

enum class CampaignState { kDraft, kRunning, kPaused, kCancelled, kFinished };
const char* CampaignStateName(CampaignState state);  // "draft", "running", ...
std::optional<CampaignState> ParseCampaignState(std::string_view name);

// The rules one campaign calls under, in place of the policy's: its windows and retries, and
// (0: the policy's) its own concurrency and pace. A standing campaign's come from its module
// (OpenStanding); any other campaign's from a supervisor (Create, SetRules, checked by
// CampaignRulesFrom) and are stored with it. Never looser than the policy: the engine calls
// only inside the policy's windows too, and takes the lower concurrency and pace. The caps per
// number, the do-not-call list and the trunk's max_concurrent are the policy's alone.
struct CampaignRules {
  std::vector<tickets::WorkingPeriod> periods;  // empty: never calls
  bool working_days_only = true;
  int max_attempts = 3;                 // attempts that find nobody before the target is done
  std::vector<int64_t> retry_after_ms;  // after the 1st, 2nd, ...; at least one
  int concurrent = 0;                   // calls at once of the campaign; 0: the policy's
  double pace_per_s = 0;                // calls started a second; 0: the policy's
};

// What a supervisor sets (HTTP, CLI, console); a field left out takes the configuration's.
struct CampaignRulesInput {
  std::optional<std::string> hours;  // "09:00-12:00,14:00-18:00", China time
  std::optional<bool> working_days_only;
  std::optional<int> max_attempts;
  std::optional<std::vector<int>> retry_after_min;  // minutes after the 1st, 2nd, ... attempt
  std::optional<int> concurrent;
  std::optional<double> pace_per_s;
  bool empty() const {
    return !hours && !working_days_only && !max_attempts && !retry_after_min && !concurrent &&
           !pace_per_s;
  }
};

// Bounds a supervisor's rules must keep: the deployment's windows are the legal calling hours.
constexpr int kMinRetryMinutes = 10;
constexpr int kMaxRetryMinutes = 7 * 24 * 60;
constexpr int kMaxRetryWaits = 10;

// The configuration's rules as a campaign's (concurrency and pace filled in).
CampaignRules PolicyRules(const CampaignPolicy& policy);
// `input` over the configuration's rules, checked against `policy`: kInvalidArgument naming the
// field ("hours", "working_days_only", "max_attempts", "retry_after_min", "concurrent",
// "pace_per_s") and the bound it breaks (a window outside the configured hours names them).
Result<CampaignRules> CampaignRulesFrom(const CampaignRulesInput& input,
                                        const CampaignPolicy& policy);
// "09:00-12:00,14:00-18:00": periods as the configuration writes them.
std::string FormatPeriods(const std::vector<tickets::WorkingPeriod>& periods);

// The outcome of an attempt of a standing campaign, given to its hook inside the transaction
// that writes it (an error from the hook rolls the outcome back: the next Tick tries again).
struct AttemptOutcome {
  std::string campaign_id;
  int64_t seq = 0;
  std::string attempt_id;  // "" when no attempt was made (dnc at dial time)
  std::string outcome;     // the attempt's: confirmed, no_answer, ... (dnc)
  char key = 0;            // confirmed: the key that confirmed ('1', '2', '3' for a verdict)
  bool final = false;      // the target is done: no further attempt
};
using OutcomeHook = std::function<Status(const AttemptOutcome&)>;

// A verdict target of a standing campaign (AddVerdictTarget).
struct VerdictTarget {
  std::string key;    // the caller's: one target per key and campaign, ever (e.g. order:round)
  std::string phone;  // as NoticeRequest::number; stored sealed
  std::string words;  // the question with its keys ("满意请按1，…重听请按9。"); stored sealed
  int attempts_made = 0;  // attempts made elsewhere before (counted as found nobody)
  int64_t not_before_ms = 0;
};

// What a campaign is, without its targets.
struct Campaign {
  std::string id;  // "CP2026-1130-001": "CP", year, "-", month and day, "-", 3 digits
  std::string name;
  CampaignState state = CampaignState::kDraft;
  std::string file;   // the target file's name, as given
  std::string as_of;  // YYYY-MM-DD
  std::string created_by;
  int64_t created_ms = 0;
  int64_t started_ms = 0;  // 0: never started
  int64_t ended_ms = 0;    // 0: not finished or cancelled
  // The import: records read, rejected, duplicates of both kinds, do-not-call suppressions
  // (summed over every file added).
  int64_t records = 0, rejected = 0, exact_duplicates = 0, normalized_duplicates = 0,
          dnc_suppressed = 0;
  bool standing = false;  // never finishes (OpenStanding)
  // The rules it calls under (effective: its own, or the configuration's when own_rules is
  // false; concurrency and pace filled in) as the engine's Get, List and moves return it.
  CampaignRules rules;
  bool own_rules = false;
};

// DOMAIN.md's figures of a campaign, live while it runs.
struct CampaignFigures {
  int64_t targets = 0;
  int64_t waiting = 0;  // not called yet, or waiting for their next attempt
  int64_t calling = 0;  // a call in progress
  int64_t done = 0;     // with a final outcome
  int64_t reached = 0;  // the right person answered (identity confirmed)
  int64_t confirmed = 0;
  double success_rate = 0;  // confirmed / targets
  double reach_rate = 0;    // reached / targets
  int64_t attempts = 0;
  double attempts_per_target = 0;
  int64_t sms_fallbacks = 0;  // SMS accepted by the gateway after the last failed attempt
  int64_t sms_failed = 0;
  std::map<std::string, int64_t> outcomes;  // final outcomes by type
  int64_t answered_calls = 0;
  int64_t average_call_ms = 0;  // of answered calls
};

// One target as staff see it: masked.
struct TargetView {
  int64_t seq = 0;  // 1.. in the campaign, in the order of the file
  std::string phone_masked;
  std::string salutation;              // 张*先生
  std::vector<std::string> scenarios;  // its notices
  std::string state;                   // waiting | calling | done
  std::string outcome;                 // "" while not final
  int attempts = 0;
  int64_t next_ms = 0;  // the earliest next attempt while waiting
  std::string sms;      // "" | sent | rejected | failed | sending
  int64_t updated_ms = 0;
};

struct AttemptView {
  std::string attempt_id;  // cp:<campaign>:<seq>:<n>
  int n = 0;
  std::string call_id;  // the notice call (GET /api/v1/calls/{id})
  std::string state;    // dialing | ended
  std::string outcome;
  int sip_code = 0;
  int64_t started_ms = 0;
  int64_t ended_ms = 0;
  int64_t talk_ms = 0;  // from the answer to the end
};

struct TargetQuery {
  std::string state;    // "" any
  std::string outcome;  // "" any
  int64_t offset = 0;
  int64_t limit = 50;  // 1-1000
};

struct TargetPage {
  int64_t total = 0;
  std::vector<TargetView> rows;
};

// A target file for a campaign: the HTTP edge saves an upload to a temporary file first.
struct CampaignFile {
  std::string path;
  std::string display_name;  // how reports name it ("" : the path's file name)
  std::string dnc_path;      // a do-not-call list for this file ("" none)
  std::string as_of;         // YYYY-MM-DD; "" today
};

struct CampaignCreated {
  Campaign campaign;
  ImportReport report;  // planned calls not kept (stored as targets)
  int64_t added = 0;    // targets added (a file added again adds only what is new)
};

struct TickResult {
  int started = 0;                // calls placed
  int ended = 0;                  // attempts whose outcome was taken
  int sms = 0;                    // SMS sent
  std::set<std::string> changed;  // campaigns whose targets or state this tick changed
};

// Told the id of a campaign whose figures or state may have changed: after a tick (once a
// campaign a tick), a state move, a file added. Runs on the thread that made the change; must
// not call the engine's Tick.
using ChangeHook = std::function<void(const std::string& campaign_id)>;

class Campaigns {
 public:
  // Creates the tables. `db`, `calls`, `scenarios`, `calendar`, `clock` outlive the engine;
  // `sms` may be empty (no SMS gateway: no fall-back). kFailedPrecondition without a cipher.
  static Result<std::unique_ptr<Campaigns>> Open(
      storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
      NoticeCalls& calls, SmsSend sms, const ScenarioTable& scenarios,
      const tickets::SlaCalendar& calendar, const Clock& clock, CampaignPolicy policy);
  ~Campaigns();

  // A new campaign (draft) from a target file: imported by DOMAIN.md's rules and its planned
  // calls stored as targets. Errors of the file as ImportTargetFile's.
  // With `rules` (not empty): the campaign's own rules, checked first (CampaignRulesFrom's
  // errors; nothing is created).
  Result<CampaignCreated> Create(const std::string& name, const CampaignFile& file,
                                 const std::string& actor, const CampaignRulesInput& rules = {});
  // A corrected or further file for a campaign not cancelled or finished: adds the notices
  // that are new; a notice already planned (same person and scenario) is never planned again.
  Result<CampaignCreated> AddFile(const std::string& id, const CampaignFile& file,
                                  const std::string& actor);

  // kNotFound; kFailedPrecondition naming the state for a move the state does not allow
  // (start: draft; pause: running; resume: paused; cancel: draft, running, paused).
  Result<Campaign> Start(const std::string& id, const std::string& actor);
  Result<Campaign> Pause(const std::string& id, const std::string& actor);
  Result<Campaign> Resume(const std::string& id, const std::string& actor);
  Result<Campaign> Cancel(const std::string& id, const std::string& actor);

  // A campaign's own rules (`rules` over the configuration's, CampaignRulesFrom's errors), or
  // the configuration's again when `rules` is empty. kNotFound; kFailedPrecondition naming the
  // state unless draft or paused (a running campaign is paused first); standing campaigns'
  // rules are their module's (kFailedPrecondition).
  Result<Campaign> SetRules(const std::string& id, const CampaignRulesInput& rules,
                            const std::string& actor);

  Result<Campaign> Get(const std::string& id);
  Result<std::vector<Campaign>> List(int64_t limit = 100);
  Result<CampaignFigures> Figures(const std::string& id);
  Result<TargetPage> Targets(const std::string& id, const TargetQuery& query);
  // The attempts of target `seq`, in order.
  Result<std::vector<AttemptView>> Attempts(const std::string& id, int64_t seq);

  // The standing campaign `id` (created running when new; a finished one running again; a
  // paused or cancelled one left so: staff decided), called under `rules`, its outcomes told
  // to `hook` (may be empty). For this engine object; call again after a restart.
  Result<Campaign> OpenStanding(const std::string& id, const std::string& name, CampaignRules rules,
                                OutcomeHook hook);
  // Adds a verdict target to standing campaign `id`; returns its seq. kAlreadyExists when
  // `target.key` was added before; kFailedPrecondition when the campaign is cancelled;
  // kInvalidArgument for an empty phone or words. Writes no transaction of its own: call it
  // inside the caller's to add the target together with the caller's rows.
  Result<int64_t> AddVerdictTarget(const std::string& id, const VerdictTarget& target);

  // One pass: outcomes of calls that ended, SMS due, then the calls due now. Tests call it
  // after moving a FakeClock (and NoticeCalls::Sync).
  Result<TickResult> Tick();
  // Runs Tick every policy.check_every on `worker` (a failure is logged); stop the worker first.
  void ScheduleOn(Worker& worker);
  // The live screens' notices (app wires the staff event stream). Set before ScheduleOn and
  // before the routes serve; `hook` must outlive the engine's ticks and moves.
  void OnChange(ChangeHook hook);

  // True when a call may be placed at `unix_ms` (the windows of the policy); the first moment
  // at or after `unix_ms` when one may (within 60 days; else INT64_MAX).
  bool InWindow(int64_t unix_ms) const;
  int64_t NextWindow(int64_t unix_ms) const;
  // The rules every campaign runs under (windows, caps, retries) and the scenarios a target
  // file may name: what the console shows before a file is uploaded.
  const CampaignPolicy& policy() const;
  const ScenarioTable& scenarios() const;
  int64_t NowUnixMillis() const { return clock_.NowUnixMillis(); }  // the engine's clock

 private:
  Campaigns(storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
            NoticeCalls& calls, SmsSend sms, const ScenarioTable& scenarios,
            const tickets::SlaCalendar& calendar, const Clock& clock, CampaignPolicy policy);
  class Engine;
  // `c` with the rules it runs under filled in (its own, a standing campaign's, or the policy's).
  Campaign Effective(Campaign c) const;
  Result<Campaign> Effective(Result<Campaign> c) const;
  std::unique_ptr<CampaignStore> store_;
  std::unique_ptr<Engine> engine_;
  void Changed(const std::string& id) const {
    if (change_hook_) change_hook_(id);
  }
  const Clock& clock_;
  std::mutex tick_mu_;
  ChangeHook change_hook_;
};

}  // namespace zx::campaigns
