#include "campaigns/campaign_cli.h"

#include <fstream>

#include "campaigns/campaign_text.h"
#include "security/action_audit.h"
#include "text/table_writer.h"
#include "tickets/calendar.h"

namespace zx::campaigns {
namespace {

// `details` is a JSON object written by the caller (no JSON library in this module's headers).
Status Audit(CampaignCli& cli, std::string_view permission, std::string action,
             const std::string& id, std::string details) {
  security::AuditEvent e{cli.actor, "system", std::move(action), "campaign", id,
                         "",        "cli",    std::move(details)};
  return security::AppendPermittedAction(cli.audit, std::move(e), permission);
}

// A JSON string of text the engine made (ids, states, file names): quotes and controls escaped.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Result<std::unique_ptr<CampaignDesk>> OpenCampaignDesk(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
    const std::string& kb_dir, const CampaignConfig& config, const Clock& clock) {
  auto desk = std::make_unique<CampaignDesk>();
  ZX_ASSIGN_OR_RETURN(auto calendar, tickets::WorkCalendar::Load(kb_dir + "/calendar"));
  desk->sla = tickets::MakeSlaCalendar(std::move(calendar));
  ZX_ASSIGN_OR_RETURN(desk->scenarios, ScenarioTable::Load(kb_dir + "/campaigns/scenarios.toml"));
  ZX_ASSIGN_OR_RETURN(CampaignPolicy policy, CampaignPolicyFrom(config));
  // Next to a running server: its open calls are its own, never closed from here.
  NoticeCallOptions calls;
  calls.close_unfinished = false;
  ZX_ASSIGN_OR_RETURN(desk->calls, NoticeCalls::Open(db, cipher, clock, calls));
  ZX_ASSIGN_OR_RETURN(desk->engine,
                      Campaigns::Open(db, std::move(cipher), *desk->calls, nullptr, desk->scenarios,
                                      *desk->sla, clock, std::move(policy)));
  return desk;
}

Result<CampaignCreated> CliCreate(CampaignCli& cli, const std::string& name,
                                  const CampaignFile& file, const CampaignRulesInput& rules) {
  ZX_ASSIGN_OR_RETURN(CampaignCreated made, cli.campaigns.Create(name, file, cli.actor, rules));
  std::string own;
  if (made.campaign.own_rules)
    own = ", \"rules\": {\"hours\": " + Quoted(FormatPeriods(made.campaign.rules.periods)) +
          ", \"max_attempts\": " + std::to_string(made.campaign.rules.max_attempts) + "}";
  ZX_RETURN_IF_ERROR(Audit(cli, "campaign.manage", "campaign.create", made.campaign.id,
                           "{\"file\": " + Quoted(made.campaign.file) +
                               ", \"records\": " + std::to_string(made.report.records) +
                               ", \"added\": " + std::to_string(made.added) + own + "}"));
  return made;
}

Result<Campaign> CliControl(CampaignCli& cli, std::string_view verb, const std::string& id) {
  if (verb != "start" && verb != "pause" && verb != "resume" && verb != "cancel")
    return InvalidArgument("a campaign can be started, paused, resumed or cancelled");
  ZX_ASSIGN_OR_RETURN(Campaign before, cli.campaigns.Get(id));
  ZX_RETURN_IF_ERROR(Audit(cli, "campaign.manage", "campaign." + std::string(verb), id,
                           "{\"from\": " + Quoted(CampaignStateName(before.state)) + "}"));
  if (verb == "start") return cli.campaigns.Start(id, cli.actor);
  if (verb == "pause") return cli.campaigns.Pause(id, cli.actor);
  if (verb == "resume") return cli.campaigns.Resume(id, cli.actor);
  return cli.campaigns.Cancel(id, cli.actor);
}

Result<int64_t> CliExport(CampaignCli& cli, const std::string& id, const std::string& path,
                          int64_t max_rows) {
  bool csv = EndsWith(path, ".csv"), xlsx = EndsWith(path, ".xlsx");
  if (!csv && !xlsx) return InvalidArgument("--export " + path + ": name a .xlsx or .csv file");
  ZX_RETURN_IF_ERROR(cli.campaigns.Get(id).status());
  int64_t total = 0;
  ZX_ASSIGN_OR_RETURN(std::vector<TargetView> rows,
                      AllTargets(cli.campaigns, id, max_rows, &total));
  ZX_RETURN_IF_ERROR(Audit(cli, "report.export", "campaign.export", id,
                           "{\"format\": " + Quoted(csv ? "csv" : "xlsx") +
                               ", \"rows\": " + std::to_string(rows.size()) +
                               ", \"total\": " + std::to_string(total) + "}"));
  text::SheetTable table = CampaignTargetsTable(rows);
  std::string bytes;
  if (csv) {
    bytes = text::WriteCsv(table);
  } else {
    ZX_ASSIGN_OR_RETURN(bytes, text::WriteXlsx({table}));
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Unavailable("--export " + path + ": cannot write the file");
  return static_cast<int64_t>(rows.size());
}

}  // namespace zx::campaigns
