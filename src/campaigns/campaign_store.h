// CampaignStore: the tables of campaigns (campaigns/campaign_engine.h), the one place that holds
// their SQL. Portable SQL (`?` placeholders, ON CONFLICT, times as integers from the Clock), so a
// PostgreSQL driver runs it unchanged.
//
//   campaigns           one row a campaign: its state, the import's counts, its own rules
//   campaign_targets    one row a call to plan: masked and sealed fields, state, attempts, outcome
//   campaign_notices    (campaign, person, scenario) planned: a file added again plans no notice
//                       twice
//   campaign_attempts   one row an attempt, written before it is dialled
//
// Sealed columns (FieldCipher output made by the engine, row key "<campaign>:<seq>"): the
// number and the words of a target. The blind indexes of the number and the ID number are
// HMACs, useless without the key file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "campaigns/campaign_engine.h"
#include "security/reencrypt.h"
#include "security/retention.h"
#include "storage/database.h"

namespace zx::campaigns {

// A target as stored, sealed fields included (the engine opens them).
struct TargetRecordRow {
  std::string campaign_id;
  int64_t seq = 0;
  std::string person_index, phone_index, phone_masked, salutation, scenarios;
  std::string phone_enc, identity_enc, notice_enc, sms_enc;
  std::string wrong_party, later;  // fixed words, not personal
  std::string state = "waiting";   // waiting | calling | done
  std::string outcome;
  int attempts = 0;
  int failures = 0;  // attempts that found nobody (retried up to max_attempts)
  int reached = 0;
  int64_t next_ms = 0;
  std::string sms;
  int64_t updated_ms = 0;
  std::string mode;  // "" a notice; "verdict" a survey question (Campaigns::AddVerdictTarget)
};

struct AttemptRow {
  std::string attempt_id, campaign_id;
  int64_t seq = 0;
  int n = 0;
  std::string phone_index, call_id, state = "dialing", outcome;
  int sip_code = 0;
  int64_t started_ms = 0, ended_ms = 0, talk_ms = 0;
  std::string node;  // the node that dials it (storage::NodeName)
};

class CampaignStore {
 public:
  explicit CampaignStore(storage::Database& db) : db_(db) {}
  Status Migrate();
  storage::Database& db() { return db_; }

  // "CP2026-1130-001" for day "20261130", counted in the database.
  Result<std::string> NextCampaignId(const std::string& day);
  Status InsertCampaign(const Campaign& c);
  Status UpdateCampaign(const Campaign& c);
  Result<std::optional<Campaign>> FindCampaign(const std::string& id);
  Result<std::vector<Campaign>> ListCampaigns(int64_t limit);
  Result<std::vector<std::string>> RunningCampaigns();
  // A campaign's own rules (c.own_rules, c.rules; none: the configuration's again), alone.
  Status UpdateCampaignRules(const Campaign& c);
  // Campaigns not finished or cancelled that have their own rules, rules read.
  Result<std::vector<Campaign>> CampaignsWithOwnRules();

  // Reserves `count` target numbers of a campaign; returns the first.
  Result<int64_t> ReserveSeqs(const std::string& campaign_id, int64_t count);
  // True when the notice was not planned before (and is now).
  Result<bool> PlanNotice(const std::string& campaign_id, const std::string& person_index,
                          const std::string& scenario, int64_t seq);
  Status InsertTarget(const TargetRecordRow& t);
  Result<std::optional<TargetRecordRow>> FindTarget(const std::string& campaign_id, int64_t seq);
  Status UpdateTarget(const TargetRecordRow& t);
  // Claims for `node` until `until_ms` up to `limit` waiting targets of a campaign due by
  // `now_ms` that no other node's claim holds (one statement; rows another node is claiming at
  // the same moment are skipped), oldest plan first. A claim that runs out (its node died
  // before dialling) lets any node claim the target again.
  Result<std::vector<TargetRecordRow>> ClaimDue(const std::string& campaign_id, int64_t now_ms,
                                                int64_t limit, const std::string& node,
                                                int64_t until_ms);
  // Writes attempt `a` (by node a.node) and marks `t` calling with a.n attempts, in one
  // transaction; false (nothing written) when `t` is no longer waiting under a.node's claim.
  Result<bool> BeginAttempt(const AttemptRow& a, const TargetRecordRow& t);
  // Gives the targets of a campaign not yet final the outcome `outcome` (waiting only).
  Status CloseWaiting(const std::string& campaign_id, const std::string& outcome, int64_t now_ms);
  Result<TargetPage> Targets(const std::string& campaign_id, const TargetQuery& q);
  // Targets waiting for an SMS to be sent (sms = "due").
  Result<std::vector<TargetRecordRow>> SmsDue(int64_t limit);

  Status InsertAttempt(const AttemptRow& a);
  Status UpdateAttempt(const AttemptRow& a);
  Result<std::vector<AttemptRow>> OpenAttempts();
  Result<std::vector<AttemptRow>> AttemptsOf(const std::string& campaign_id, int64_t seq);
  // Calls in progress: all, and of one campaign.
  Result<int64_t> OpenCount(const std::string& campaign_id = "");
  // Attempts to a number (blind index) started at or after `since_ms`.
  Result<int64_t> CallsToNumberSince(const std::string& phone_index, int64_t since_ms);
  // Targets still waiting or calling in a campaign.
  Result<int64_t> Unfinished(const std::string& campaign_id);

  Result<CampaignFigures> Figures(const std::string& campaign_id);

 private:
  static void BindRules(storage::Statement& st, int at, const Campaign& c);
  storage::Database& db_;
};

// The sealed columns of campaign targets (re-encrypted by `zhixian keys reencrypt`), and their
// retention (cleared after retention.personal_days of the campaign's end, keeping the counts).
std::vector<security::EncryptedColumn> CampaignEncryptedColumns();
std::vector<security::RetentionRule> CampaignRetentionRules();

}  // namespace zx::campaigns
