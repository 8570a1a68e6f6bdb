#include "campaigns/campaign_store.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

namespace zx::campaigns {
namespace {

constexpr const char* kCampaignColumns =
    "id, name, state, file, as_of, created_by, created_ms, started_ms, ended_ms, records, "
    "rejected, exact_duplicates, normalized_duplicates, dnc_suppressed, standing, rules_own, "
    "rules_hours, rules_working_days_only, rules_max_attempts, rules_retry_after_ms, "
    "rules_concurrent, rules_pace_milli";

// Retry waits as stored: milliseconds, comma-separated.
std::string JoinMs(const std::vector<int64_t>& list) {
  std::string out;
  for (int64_t ms : list) out += (out.empty() ? "" : ",") + std::to_string(ms);
  return out;
}
std::vector<int64_t> SplitMs(const std::string& s) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(std::stoll(s.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

// A campaign's own rules from its row (columns from `at`); a row without them leaves the
// defaults (the engine puts the policy's in their place).
void RowToRules(const storage::Statement& st, int at, Campaign& c) {
  c.own_rules = st.Int(at) != 0;
  if (!c.own_rules) return;
  // Written by this store from checked rules: a row that does not parse calls never.
  auto periods = tickets::ParsePeriods(st.Text(at + 1));
  c.rules.periods = periods.ok() ? std::move(*periods) : std::vector<tickets::WorkingPeriod>{};
  c.rules.working_days_only = st.Int(at + 2) != 0;
  c.rules.max_attempts = static_cast<int>(st.Int(at + 3));
  c.rules.retry_after_ms = SplitMs(st.Text(at + 4));
  if (c.rules.retry_after_ms.empty()) c.rules.retry_after_ms.push_back(30 * 60 * 1000);
  c.rules.concurrent = static_cast<int>(st.Int(at + 5));
  c.rules.pace_per_s = static_cast<double>(st.Int(at + 6)) / 1000.0;
}

constexpr const char* kTargetColumns =
    "campaign_id, seq, person_index, phone_index, phone_masked, salutation, scenarios, "
    "phone_enc, identity_enc, notice_enc, sms_enc, wrong_party, later, state, outcome, "
    "attempts, failures, reached, next_ms, sms, updated_ms, mode";

constexpr const char* kAttemptColumns =
    "attempt_id, campaign_id, seq, n, phone_index, call_id, state, outcome, sip_code, "
    "started_ms, ended_ms, talk_ms, node";

Campaign RowToCampaign(const storage::Statement& st) {
  Campaign c;
  c.id = st.Text(0);
  c.name = st.Text(1);
  c.state = ParseCampaignState(st.Text(2)).value_or(CampaignState::kDraft);
  c.file = st.Text(3);
  c.as_of = st.Text(4);
  c.created_by = st.Text(5);
  c.created_ms = st.Int(6);
  c.started_ms = st.Int(7);
  c.ended_ms = st.Int(8);
  c.records = st.Int(9);
  c.rejected = st.Int(10);
  c.exact_duplicates = st.Int(11);
  c.normalized_duplicates = st.Int(12);
  c.dnc_suppressed = st.Int(13);
  c.standing = st.Int(14) != 0;
  RowToRules(st, 15, c);
  return c;
}

TargetRecordRow RowToTarget(const storage::Statement& st) {
  TargetRecordRow t;
  t.campaign_id = st.Text(0);
  t.seq = st.Int(1);
  t.person_index = st.Text(2);
  t.phone_index = st.Text(3);
  t.phone_masked = st.Text(4);
  t.salutation = st.Text(5);
  t.scenarios = st.Text(6);
  t.phone_enc = st.IsNull(7) ? "" : st.Text(7);
  t.identity_enc = st.IsNull(8) ? "" : st.Text(8);
  t.notice_enc = st.IsNull(9) ? "" : st.Text(9);
  t.sms_enc = st.IsNull(10) ? "" : st.Text(10);
  t.wrong_party = st.Text(11);
  t.later = st.Text(12);
  t.state = st.Text(13);
  t.outcome = st.Text(14);
  t.attempts = static_cast<int>(st.Int(15));
  t.failures = static_cast<int>(st.Int(16));
  t.reached = static_cast<int>(st.Int(17));
  t.next_ms = st.Int(18);
  t.sms = st.Text(19);
  t.updated_ms = st.Int(20);
  t.mode = st.Text(21);
  return t;
}

AttemptRow RowToAttempt(const storage::Statement& st) {
  AttemptRow a;
  a.attempt_id = st.Text(0);
  a.campaign_id = st.Text(1);
  a.seq = st.Int(2);
  a.n = static_cast<int>(st.Int(3));
  a.phone_index = st.Text(4);
  a.call_id = st.Text(5);
  a.state = st.Text(6);
  a.outcome = st.Text(7);
  a.sip_code = static_cast<int>(st.Int(8));
  a.started_ms = st.Int(9);
  a.ended_ms = st.Int(10);
  a.talk_ms = st.Int(11);
  a.node = st.Text(12);
  return a;
}

std::vector<std::string> SplitScenarios(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

template <typename T, typename F>
Result<std::vector<T>> All(storage::Statement& st, F row) {
  std::vector<T> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool has, st.Step());
    if (!has) break;
    out.push_back(row(st));
  }
  return out;
}

Result<int64_t> One(storage::Statement& st) {
  ZX_ASSIGN_OR_RETURN(bool has, st.Step());
  return has ? st.Int(0) : 0;
}

}  // namespace

Status CampaignStore::Migrate() {
  // The sealed columns (FieldCipher output, row key target_key) are NULL after retention.
  return db_.Migrate({{"campaigns", 1, R"sql(
    CREATE TABLE campaigns (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      state TEXT NOT NULL,
      file TEXT NOT NULL,
      as_of TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_ms BIGINT NOT NULL,
      started_ms BIGINT NOT NULL DEFAULT 0,
      ended_ms BIGINT NOT NULL DEFAULT 0,
      records BIGINT NOT NULL DEFAULT 0,
      rejected BIGINT NOT NULL DEFAULT 0,
      exact_duplicates BIGINT NOT NULL DEFAULT 0,
      normalized_duplicates BIGINT NOT NULL DEFAULT 0,
      dnc_suppressed BIGINT NOT NULL DEFAULT 0,
      next_seq BIGINT NOT NULL DEFAULT 1);
    CREATE TABLE campaign_days (day TEXT PRIMARY KEY, last BIGINT NOT NULL);
    CREATE TABLE campaign_targets (
      target_key TEXT NOT NULL UNIQUE,
      campaign_id TEXT NOT NULL,
      seq BIGINT NOT NULL,
      person_index TEXT NOT NULL,
      phone_index TEXT NOT NULL,
      phone_masked TEXT NOT NULL,
      salutation TEXT NOT NULL,
      scenarios TEXT NOT NULL,
      phone_enc TEXT,
      identity_enc TEXT,
      notice_enc TEXT,
      sms_enc TEXT,
      wrong_party TEXT NOT NULL,
      later TEXT NOT NULL,
      state TEXT NOT NULL,
      outcome TEXT NOT NULL DEFAULT '',
      attempts INTEGER NOT NULL DEFAULT 0,
      failures INTEGER NOT NULL DEFAULT 0,
      reached INTEGER NOT NULL DEFAULT 0,
      next_ms BIGINT NOT NULL,
      sms TEXT NOT NULL DEFAULT '',
      updated_ms BIGINT NOT NULL,
      PRIMARY KEY (campaign_id, seq));
    CREATE INDEX campaign_targets_due ON campaign_targets(campaign_id, state, next_ms);
    CREATE INDEX campaign_targets_sms ON campaign_targets(sms);
    CREATE TABLE campaign_notices (
      campaign_id TEXT NOT NULL,
      person_index TEXT NOT NULL,
      scenario TEXT NOT NULL,
      seq BIGINT NOT NULL,
      PRIMARY KEY (campaign_id, person_index, scenario));
    CREATE TABLE campaign_attempts (
      attempt_id TEXT PRIMARY KEY,
      campaign_id TEXT NOT NULL,
      seq BIGINT NOT NULL,
      n INTEGER NOT NULL,
      phone_index TEXT NOT NULL,
      call_id TEXT NOT NULL DEFAULT '',
      state TEXT NOT NULL,
      outcome TEXT NOT NULL DEFAULT '',
      sip_code INTEGER NOT NULL DEFAULT 0,
      started_ms BIGINT NOT NULL,
      ended_ms BIGINT NOT NULL DEFAULT 0,
      talk_ms BIGINT NOT NULL DEFAULT 0);
    CREATE INDEX campaign_attempts_open ON campaign_attempts(state, campaign_id);
    CREATE INDEX campaign_attempts_phone ON campaign_attempts(phone_index, started_ms);
    CREATE INDEX campaign_attempts_target ON campaign_attempts(campaign_id, seq, n);
  )sql"},
                      // Several nodes (docs/deployment.md): which node dials an attempt, and a
                      // target's claim by a node (until claim_until: then any node's again).
                      {"campaigns", 2, R"sql(
    ALTER TABLE campaign_attempts ADD COLUMN node TEXT NOT NULL DEFAULT '';
    ALTER TABLE campaign_targets ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE campaign_targets ADD COLUMN claim_until BIGINT NOT NULL DEFAULT 0;
  )sql"},
                      // Standing campaigns (the return visits of work orders): a campaign that
                      // never finishes, and targets that ask for a verdict (mode 'verdict').
                      {"campaigns", 3, R"sql(
    ALTER TABLE campaigns ADD COLUMN standing INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE campaign_targets ADD COLUMN mode TEXT NOT NULL DEFAULT '';
  )sql"},
                      // A campaign's own rules (issue 16): windows, attempts, retry waits,
                      // concurrency, pace. rules_own 0: the configuration's (every campaign
                      // before). Pace in thousandths of a call a second: integers both
                      // databases keep exactly.
                      {"campaigns", 4, R"sql(
    ALTER TABLE campaigns ADD COLUMN rules_own INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE campaigns ADD COLUMN rules_hours TEXT NOT NULL DEFAULT '';
    ALTER TABLE campaigns ADD COLUMN rules_working_days_only INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE campaigns ADD COLUMN rules_max_attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE campaigns ADD COLUMN rules_retry_after_ms TEXT NOT NULL DEFAULT '';
    ALTER TABLE campaigns ADD COLUMN rules_concurrent INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE campaigns ADD COLUMN rules_pace_milli BIGINT NOT NULL DEFAULT 0;
  )sql"}});
}

Result<std::string> CampaignStore::NextCampaignId(const std::string& day) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("INSERT INTO campaign_days (day, last) VALUES (?, 1) "
                                           "ON CONFLICT (day) DO UPDATE SET last = "
                                           "campaign_days.last + 1 RETURNING last"));
  ZX_ASSIGN_OR_RETURN(int64_t n, One(st.Bind(1, day)));
  std::string digits = std::to_string(n);
  if (digits.size() < 3) digits.insert(0, 3 - digits.size(), '0');
  // Dashes keep each digit run short: the log's scrubber masks runs of 7 digits and more.
  return "CP" + day.substr(0, 4) + "-" + day.substr(4) + "-" + digits;
}

Status CampaignStore::InsertCampaign(const Campaign& c) {
  ZX_ASSIGN_OR_RETURN(auto st,
                      db_.Prepare(std::string("INSERT INTO campaigns (") + kCampaignColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                  "?, ?, ?, ?, ?)"));
  st.Bind(1, c.id)
      .Bind(2, c.name)
      .Bind(3, CampaignStateName(c.state))
      .Bind(4, c.file)
      .Bind(5, c.as_of)
      .Bind(6, c.created_by)
      .Bind(7, c.created_ms)
      .Bind(8, c.started_ms)
      .Bind(9, c.ended_ms)
      .Bind(10, c.records)
      .Bind(11, c.rejected)
      .Bind(12, c.exact_duplicates)
      .Bind(13, c.normalized_duplicates)
      .Bind(14, c.dnc_suppressed)
      .Bind(15, static_cast<int64_t>(c.standing ? 1 : 0));
  BindRules(st, 16, c);
  return st.Run();
}

// The rules columns from `at`: rules_own, rules_hours, ... rules_pace_milli.
void CampaignStore::BindRules(storage::Statement& st, int at, const Campaign& c) {
  const CampaignRules& r = c.rules;
  const bool own = c.own_rules;
  st.Bind(at, static_cast<int64_t>(own ? 1 : 0))
      .Bind(at + 1, own ? FormatPeriods(r.periods) : std::string())
      .Bind(at + 2, static_cast<int64_t>(!own || r.working_days_only ? 1 : 0))
      .Bind(at + 3, static_cast<int64_t>(own ? r.max_attempts : 0))
      .Bind(at + 4, own ? JoinMs(r.retry_after_ms) : std::string())
      .Bind(at + 5, static_cast<int64_t>(own ? r.concurrent : 0))
      .Bind(at + 6, own ? static_cast<int64_t>(std::llround(r.pace_per_s * 1000)) : int64_t{0});
}

Status CampaignStore::UpdateCampaignRules(const Campaign& c) {
  ZX_ASSIGN_OR_RETURN(
      auto st, db_.Prepare("UPDATE campaigns SET rules_own = ?, rules_hours = ?, "
                           "rules_working_days_only = ?, rules_max_attempts = ?, "
                           "rules_retry_after_ms = ?, rules_concurrent = ?, rules_pace_milli = ? "
                           "WHERE id = ?"));
  BindRules(st, 1, c);
  return st.Bind(8, c.id).Run();
}

Result<std::vector<Campaign>> CampaignStore::CampaignsWithOwnRules() {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kCampaignColumns +
                                           " FROM campaigns WHERE rules_own = 1 AND state IN "
                                           "(?, ?, ?)"));
  st.Bind(1, CampaignStateName(CampaignState::kDraft))
      .Bind(2, CampaignStateName(CampaignState::kRunning))
      .Bind(3, CampaignStateName(CampaignState::kPaused));
  return All<Campaign>(st, RowToCampaign);
}

Status CampaignStore::UpdateCampaign(const Campaign& c) {
  ZX_ASSIGN_OR_RETURN(
      auto st, db_.Prepare("UPDATE campaigns SET state = ?, file = ?, as_of = ?, started_ms = ?, "
                           "ended_ms = ?, records = ?, rejected = ?, exact_duplicates = ?, "
                           "normalized_duplicates = ?, dnc_suppressed = ? WHERE id = ?"));
  return st.Bind(1, CampaignStateName(c.state))
      .Bind(2, c.file)
      .Bind(3, c.as_of)
      .Bind(4, c.started_ms)
      .Bind(5, c.ended_ms)
      .Bind(6, c.records)
      .Bind(7, c.rejected)
      .Bind(8, c.exact_duplicates)
      .Bind(9, c.normalized_duplicates)
      .Bind(10, c.dnc_suppressed)
      .Bind(11, c.id)
      .Run();
}

Result<std::optional<Campaign>> CampaignStore::FindCampaign(const std::string& id) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kCampaignColumns +
                                           " FROM campaigns WHERE id = ?"));
  ZX_ASSIGN_OR_RETURN(bool has, st.Bind(1, id).Step());
  if (!has) return std::optional<Campaign>();
  return std::optional<Campaign>(RowToCampaign(st));
}

Result<std::vector<Campaign>> CampaignStore::ListCampaigns(int64_t limit) {
  ZX_ASSIGN_OR_RETURN(auto st,
                      db_.Prepare(std::string("SELECT ") + kCampaignColumns +
                                  " FROM campaigns ORDER BY created_ms DESC, id DESC LIMIT ?"));
  st.Bind(1, limit);
  return All<Campaign>(st, RowToCampaign);
}

Result<std::vector<std::string>> CampaignStore::RunningCampaigns() {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT id FROM campaigns WHERE state = ? "
                                           "ORDER BY started_ms, id"));
  st.Bind(1, CampaignStateName(CampaignState::kRunning));
  return All<std::string>(st, [](const storage::Statement& s) { return s.Text(0); });
}

Result<int64_t> CampaignStore::ReserveSeqs(const std::string& campaign_id, int64_t count) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("UPDATE campaigns SET next_seq = next_seq + ? "
                                           "WHERE id = ? RETURNING next_seq"));
  ZX_ASSIGN_OR_RETURN(bool has, st.Bind(1, count).Bind(2, campaign_id).Step());
  if (!has) return NotFound("no such campaign");
  return st.Int(0) - count;
}

Result<bool> CampaignStore::PlanNotice(const std::string& campaign_id,
                                       const std::string& person_index, const std::string& scenario,
                                       int64_t seq) {
  ZX_ASSIGN_OR_RETURN(
      auto st, db_.Prepare("INSERT INTO campaign_notices (campaign_id, person_index, scenario, "
                           "seq) VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, person_index, "
                           "scenario) DO NOTHING RETURNING seq"));
  st.Bind(1, campaign_id).Bind(2, person_index).Bind(3, scenario).Bind(4, seq);
  return st.Step();
}

Status CampaignStore::InsertTarget(const TargetRecordRow& t) {
  ZX_ASSIGN_OR_RETURN(
      auto st,
      db_.Prepare(
          std::string("INSERT INTO campaign_targets (target_key, ") + kTargetColumns +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, t.campaign_id + ":" + std::to_string(t.seq))
      .Bind(2, t.campaign_id)
      .Bind(3, t.seq)
      .Bind(4, t.person_index)
      .Bind(5, t.phone_index)
      .Bind(6, t.phone_masked)
      .Bind(7, t.salutation)
      .Bind(8, t.scenarios)
      .Bind(9, t.phone_enc)
      .Bind(10, t.identity_enc)
      .Bind(11, t.notice_enc)
      .Bind(12, t.sms_enc)
      .Bind(13, t.wrong_party)
      .Bind(14, t.later)
      .Bind(15, t.state)
      .Bind(16, t.outcome)
      .Bind(17, static_cast<int64_t>(t.attempts))
      .Bind(18, static_cast<int64_t>(t.failures))
      .Bind(19, static_cast<int64_t>(t.reached))
      .Bind(20, t.next_ms)
      .Bind(21, t.sms)
      .Bind(22, t.updated_ms)
      .Bind(23, t.mode);
  return st.Run();
}

Result<std::optional<TargetRecordRow>> CampaignStore::FindTarget(const std::string& campaign_id,
                                                                 int64_t seq) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kTargetColumns +
                                           " FROM campaign_targets WHERE campaign_id = ? AND "
                                           "seq = ?"));
  ZX_ASSIGN_OR_RETURN(bool has, st.Bind(1, campaign_id).Bind(2, seq).Step());
  if (!has) return std::optional<TargetRecordRow>();
  return std::optional<TargetRecordRow>(RowToTarget(st));
}

Status CampaignStore::UpdateTarget(const TargetRecordRow& t) {
  ZX_ASSIGN_OR_RETURN(
      auto st, db_.Prepare("UPDATE campaign_targets SET state = ?, outcome = ?, attempts = ?, "
                           "failures = ?, reached = ?, next_ms = ?, sms = ?, updated_ms = ? "
                           "WHERE campaign_id = ? AND seq = ?"));
  return st.Bind(1, t.state)
      .Bind(2, t.outcome)
      .Bind(3, static_cast<int64_t>(t.attempts))
      .Bind(4, static_cast<int64_t>(t.failures))
      .Bind(5, static_cast<int64_t>(t.reached))
      .Bind(6, t.next_ms)
      .Bind(7, t.sms)
      .Bind(8, t.updated_ms)
      .Bind(9, t.campaign_id)
      .Bind(10, t.seq)
      .Run();
}

Result<std::vector<TargetRecordRow>> CampaignStore::ClaimDue(const std::string& campaign_id,
                                                             int64_t now_ms, int64_t limit,
                                                             const std::string& node,
                                                             int64_t until_ms) {
  // Rows another node is claiming right now are skipped, not waited for (PostgreSQL).
  ZX_ASSIGN_OR_RETURN(
      auto st,
      db_.Prepare(std::string("UPDATE campaign_targets SET claimed_by = ?1, claim_until = ?2 "
                              "WHERE (campaign_id, seq) IN (SELECT campaign_id, seq FROM "
                              "campaign_targets WHERE campaign_id = ?3 AND state = 'waiting' AND "
                              "next_ms <= ?4 AND (claim_until < ?4 OR claimed_by = ?1) ORDER BY "
                              "next_ms, seq LIMIT ?5 FOR UPDATE SKIP LOCKED) RETURNING ") +
                  kTargetColumns));
  st.Bind(1, node).Bind(2, until_ms).Bind(3, campaign_id).Bind(4, now_ms).Bind(5, limit);
  ZX_ASSIGN_OR_RETURN(auto claimed, All<TargetRecordRow>(st, RowToTarget));
  // RETURNING gives no order: oldest plan first, as claimed.
  std::sort(claimed.begin(), claimed.end(), [](const TargetRecordRow& a, const TargetRecordRow& b) {
    return std::tie(a.next_ms, a.seq) < std::tie(b.next_ms, b.seq);
  });
  return claimed;
}

Status CampaignStore::CloseWaiting(const std::string& campaign_id, const std::string& outcome,
                                   int64_t now_ms) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("UPDATE campaign_targets SET state = 'done', "
                                           "outcome = ?, updated_ms = ? WHERE campaign_id = ? "
                                           "AND state = 'waiting'"));
  return st.Bind(1, outcome).Bind(2, now_ms).Bind(3, campaign_id).Run();
}

Result<TargetPage> CampaignStore::Targets(const std::string& campaign_id, const TargetQuery& q) {
  std::string where = " FROM campaign_targets WHERE campaign_id = ?";
  if (!q.state.empty()) where += " AND state = ?";
  if (!q.outcome.empty()) where += " AND outcome = ?";
  auto bind = [&](storage::Statement& st) {
    int i = 1;
    st.Bind(i++, campaign_id);
    if (!q.state.empty()) st.Bind(i++, q.state);
    if (!q.outcome.empty()) st.Bind(i++, q.outcome);
    return i;
  };
  TargetPage page;
  {
    ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT COUNT(*)" + where));
    bind(st);
    ZX_ASSIGN_OR_RETURN(page.total, One(st));
  }
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kTargetColumns + where +
                                           " ORDER BY seq LIMIT ? OFFSET ?"));
  int i = bind(st);
  st.Bind(i, q.limit).Bind(i + 1, q.offset);
  ZX_ASSIGN_OR_RETURN(auto rows, All<TargetRecordRow>(st, RowToTarget));
  for (const TargetRecordRow& t : rows) {
    TargetView v;
    v.seq = t.seq;
    v.phone_masked = t.phone_masked;
    v.salutation = t.salutation;
    v.scenarios = SplitScenarios(t.scenarios);
    v.state = t.state;
    v.outcome = t.outcome;
    v.attempts = t.attempts;
    v.next_ms = t.state == "waiting" ? t.next_ms : 0;
    v.sms = t.sms;
    v.updated_ms = t.updated_ms;
    page.rows.push_back(std::move(v));
  }
  return page;
}

Result<std::vector<TargetRecordRow>> CampaignStore::SmsDue(int64_t limit) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kTargetColumns +
                                           " FROM campaign_targets WHERE sms = 'due' ORDER BY "
                                           "updated_ms LIMIT ?"));
  st.Bind(1, limit);
  return All<TargetRecordRow>(st, RowToTarget);
}

Status CampaignStore::InsertAttempt(const AttemptRow& a) {
  ZX_ASSIGN_OR_RETURN(auto st,
                      db_.Prepare(std::string("INSERT INTO campaign_attempts (") + kAttemptColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  return st.Bind(1, a.attempt_id)
      .Bind(2, a.campaign_id)
      .Bind(3, a.seq)
      .Bind(4, static_cast<int64_t>(a.n))
      .Bind(5, a.phone_index)
      .Bind(6, a.call_id)
      .Bind(7, a.state)
      .Bind(8, a.outcome)
      .Bind(9, static_cast<int64_t>(a.sip_code))
      .Bind(10, a.started_ms)
      .Bind(11, a.ended_ms)
      .Bind(12, a.talk_ms)
      .Bind(13, a.node)
      .Run();
}

Result<bool> CampaignStore::BeginAttempt(const AttemptRow& a, const TargetRecordRow& t) {
  bool begun = false;
  ZX_RETURN_IF_ERROR(db_.Transaction([&]() -> Status {
    // Only a target still waiting under this node's claim: not one cancelled meanwhile, nor
    // one another node took over after the claim ran out.
    ZX_ASSIGN_OR_RETURN(auto take,
                        db_.Prepare("UPDATE campaign_targets SET state = 'calling', attempts = ?, "
                                    "updated_ms = ? WHERE campaign_id = ? AND seq = ? AND state = "
                                    "'waiting' AND claimed_by = ? RETURNING seq"));
    take.Bind(1, static_cast<int64_t>(a.n))
        .Bind(2, a.started_ms)
        .Bind(3, t.campaign_id)
        .Bind(4, t.seq)
        .Bind(5, a.node);
    ZX_ASSIGN_OR_RETURN(begun, take.Step());
    take.Reset();
    if (!begun) return Status::Ok();
    return InsertAttempt(a);
  }));
  return begun;
}

Status CampaignStore::UpdateAttempt(const AttemptRow& a) {
  ZX_ASSIGN_OR_RETURN(
      auto st, db_.Prepare("UPDATE campaign_attempts SET call_id = ?, state = ?, outcome = ?, "
                           "sip_code = ?, ended_ms = ?, talk_ms = ? WHERE attempt_id = ?"));
  return st.Bind(1, a.call_id)
      .Bind(2, a.state)
      .Bind(3, a.outcome)
      .Bind(4, static_cast<int64_t>(a.sip_code))
      .Bind(5, a.ended_ms)
      .Bind(6, a.talk_ms)
      .Bind(7, a.attempt_id)
      .Run();
}

Result<std::vector<AttemptRow>> CampaignStore::OpenAttempts() {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kAttemptColumns +
                                           " FROM campaign_attempts WHERE state = 'dialing' "
                                           "ORDER BY started_ms"));
  return All<AttemptRow>(st, RowToAttempt);
}

Result<std::vector<AttemptRow>> CampaignStore::AttemptsOf(const std::string& campaign_id,
                                                          int64_t seq) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kAttemptColumns +
                                           " FROM campaign_attempts WHERE campaign_id = ? AND "
                                           "seq = ? ORDER BY n"));
  st.Bind(1, campaign_id).Bind(2, seq);
  return All<AttemptRow>(st, RowToAttempt);
}

Result<int64_t> CampaignStore::OpenCount(const std::string& campaign_id) {
  std::string sql = "SELECT COUNT(*) FROM campaign_attempts WHERE state = 'dialing'";
  if (!campaign_id.empty()) sql += " AND campaign_id = ?";
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(sql));
  if (!campaign_id.empty()) st.Bind(1, campaign_id);
  return One(st);
}

Result<int64_t> CampaignStore::CallsToNumberSince(const std::string& phone_index,
                                                  int64_t since_ms) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT COUNT(*) FROM campaign_attempts WHERE "
                                           "phone_index = ? AND started_ms >= ?"));
  st.Bind(1, phone_index).Bind(2, since_ms);
  return One(st);
}

Result<int64_t> CampaignStore::Unfinished(const std::string& campaign_id) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT COUNT(*) FROM campaign_targets WHERE "
                                           "campaign_id = ? AND state <> 'done'"));
  st.Bind(1, campaign_id);
  return One(st);
}

Result<CampaignFigures> CampaignStore::Figures(const std::string& campaign_id) {
  CampaignFigures f;
  {
    ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT state, outcome, sms, COUNT(*), "
                                             "SUM(attempts), SUM(reached) FROM "
                                             "campaign_targets WHERE campaign_id = ? GROUP BY "
                                             "state, outcome, sms"));
    st.Bind(1, campaign_id);
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool has, st.Step());
      if (!has) break;
      const std::string state = st.Text(0), outcome = st.Text(1), sms = st.Text(2);
      const int64_t n = st.Int(3);
      f.targets += n;
      f.attempts += st.Int(4);
      f.reached += st.Int(5);
      if (state == "waiting") f.waiting += n;
      if (state == "calling") f.calling += n;
      if (state == "done") {
        f.done += n;
        f.outcomes[outcome] += n;
      }
      if (outcome == "confirmed") f.confirmed += n;
      if (sms == "sent") f.sms_fallbacks += n;
      if (sms == "failed" || sms == "rejected") f.sms_failed += n;
    }
  }
  {
    ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT COUNT(*), COALESCE(SUM(talk_ms), 0) FROM "
                                             "campaign_attempts WHERE campaign_id = ? AND "
                                             "talk_ms > 0"));
    ZX_ASSIGN_OR_RETURN(bool has, st.Bind(1, campaign_id).Step());
    if (has) {
      f.answered_calls = st.Int(0);
      if (f.answered_calls > 0) f.average_call_ms = st.Int(1) / f.answered_calls;
    }
  }
  if (f.targets > 0) {
    f.success_rate = static_cast<double>(f.confirmed) / static_cast<double>(f.targets);
    f.reach_rate = static_cast<double>(f.reached) / static_cast<double>(f.targets);
    f.attempts_per_target = static_cast<double>(f.attempts) / static_cast<double>(f.targets);
  }
  return f;
}

std::vector<security::EncryptedColumn> CampaignEncryptedColumns() {
  std::vector<security::EncryptedColumn> out;
  for (const char* column : {"phone_enc", "identity_enc", "notice_enc", "sms_enc"})
    out.push_back({"campaign_targets", "target_key", column});
  return out;
}

std::vector<security::RetentionRule> CampaignRetentionRules() {
  return {{"campaign_targets",
           "updated_ms",
           security::RetentionCategory::kPersonal,
           "",
           {"phone_enc", "identity_enc", "notice_enc", "sms_enc"},
           "the target's masked number, attempts and outcome"}};
}

}  // namespace zx::campaigns
