// What `zhixian campaign create|start|pause|resume|cancel|report --export` does to a campaign,
// as the command line does it for other commands (admin/commands.h): each action appends its
// audit entry (actor "cli:<os user>", role "system", remote "cli", the policy-table permission
// it exercises), then acts. app parses the command line, opens the engine over the database
// and the key file, and prints; a serving process's engine acts on a state changed here within
// policy.check_every (it reads the state from the database at each Tick).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "campaigns/campaign_engine.h"
#include "security/audit.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "tickets/sla_calendar.h"

namespace zx::campaigns {

// The engine as a command opens it: the holiday calendar (KB/calendar), the scenarios
// (KB/campaigns/scenarios.toml), notice calls without a gateway (a command dials nobody; the
// engine is never ticked here, and the calls a running server holds open are left alone:
// NoticeCallOptions::close_unfinished is off) and the engine over them, destroyed in the right
// order.
struct CampaignDesk {
  std::unique_ptr<tickets::SlaCalendar> sla;
  ScenarioTable scenarios;
  std::unique_ptr<NoticeCalls> calls;
  std::unique_ptr<Campaigns> engine;
};
// Errors name the file or key at fault; kFailedPrecondition without a cipher (no key file).
Result<std::unique_ptr<CampaignDesk>> OpenCampaignDesk(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
    const std::string& kb_dir, const CampaignConfig& config, const Clock& clock);

struct CampaignCli {
  Campaigns& campaigns;
  security::AuditLog& audit;
  std::string actor;  // "cli:<os user>"
};

// A new campaign (draft) from a target file, under its own `rules` when not empty (the engine's
// errors naming the field); audited "campaign.create" with the campaign id.
Result<CampaignCreated> CliCreate(CampaignCli& cli, const std::string& name,
                                  const CampaignFile& file, const CampaignRulesInput& rules = {});
// `verb` start, pause, resume or cancel: audited "campaign.<verb>" (with the state found) before
// the move; the engine's errors as they are (kNotFound, kFailedPrecondition naming the state).
Result<Campaign> CliControl(CampaignCli& cli, std::string_view verb, const std::string& id);
// Writes the targets of campaign `id` (CampaignTargetsTable) to `path`, XLSX or CSV by its
// extension (kInvalidArgument for another); audited "campaign.export" (report.export) with the
// rows. Returns the rows written (at most `max_rows`).
Result<int64_t> CliExport(CampaignCli& cli, const std::string& id, const std::string& path,
                          int64_t max_rows = 1000000);

}  // namespace zx::campaigns
