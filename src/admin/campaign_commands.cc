#include "admin/campaign_commands.h"

#include <ostream>
#include <vector>

#include "base/progress.h"
#include "campaigns/campaign_cli.h"
#include "campaigns/target_import.h"
#include "http/campaign_json.h"

namespace zx::admin {

Result<int> CampaignImport(const CampaignArgs& a, const std::string& kb_dir, std::ostream& out) {
  campaigns::ImportRequest request{a.file, a.dnc, a.as_of, kb_dir + "/campaigns/scenarios.toml"};
  // The calls are planned as they come; the readable report shows the first 20.
  std::vector<campaigns::PlannedCall> first;
  request.on_call = [&first](campaigns::PlannedCall&& call) {
    if (first.size() < 20) first.push_back(std::move(call));
    return Status::Ok();
  };
  ProgressBar bar("导入 " + a.file, !a.json && ProgressBar::Wanted());
  request.on_progress = [&bar](const campaigns::ImportProgress& p) {
    p.done ? bar.Finish() : bar.Update(p.rows, p.bytes, p.total_bytes);
  };
  auto report = campaigns::ImportTargetFile(request);
  bar.Finish();
  ZX_RETURN_IF_ERROR(report.status());
  report->planned = std::move(first);
  out << http::CampaignImportOutput(*report, a.json);
  return 0;
}

Result<int> CampaignVerb(const CampaignArgs& a, campaigns::Campaigns& engine,
                         security::AuditLog& audit, const std::string& os_user, std::ostream& out) {
  campaigns::CampaignCli cli{engine, audit, "cli:" + os_user};
  if (a.verb == "create") {
    ZX_ASSIGN_OR_RETURN(auto made, CliCreate(cli, a.name, {a.file, "", a.dnc, a.as_of}));
    out << http::CampaignCreatedOutput(made, a.json);
  } else if (a.verb == "status" && a.id.empty()) {
    ZX_ASSIGN_OR_RETURN(auto list, engine.List());
    out << http::CampaignListOutput(list, a.json);
  } else if (a.verb != "status" && a.verb != "report") {
    ZX_ASSIGN_OR_RETURN(auto c, CliControl(cli, a.verb, a.id));
    out << http::CampaignListOutput({c}, a.json);
  } else if (!a.export_file.empty()) {
    ZX_ASSIGN_OR_RETURN(int64_t rows, CliExport(cli, a.id, a.export_file));
    out << "wrote " << rows << " targets to " << a.export_file << "\n";
  } else {
    ZX_ASSIGN_OR_RETURN(auto c, engine.Get(a.id));
    ZX_ASSIGN_OR_RETURN(auto figures, engine.Figures(a.id));
    out << http::CampaignReportOutput(c, figures, a.json);
  }
  return 0;
}

}  // namespace zx::admin
