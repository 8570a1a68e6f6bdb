#include "admin/campaign_commands.h"

#include <charconv>
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

namespace {

Status Option(const char* name, const std::string& why) {
  return InvalidArgument(std::string("--") + name + " " + why);
}

Result<int> WholeNumber(const char* name, const std::string& text) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size())
    return Option(name, "must be a whole number");
  return n;
}

// The options of `campaign create` as the engine takes them (it checks them against the
// configuration, CampaignRulesFrom); an option left out takes the configuration's.
Result<campaigns::CampaignRulesInput> RulesOf(const CampaignArgs& a) {
  campaigns::CampaignRulesInput in;
  if (!a.hours.empty()) in.hours = a.hours;
  if (!a.working_days_only.empty()) {
    const std::string& w = a.working_days_only;
    if (w != "1" && w != "0" && w != "true" && w != "false")
      return Option("working-days-only", "must be 1 or 0");
    in.working_days_only = w == "1" || w == "true";
  }
  if (!a.max_attempts.empty()) {
    ZX_ASSIGN_OR_RETURN(in.max_attempts, WholeNumber("max-attempts", a.max_attempts));
  }
  if (!a.retry_after_min.empty()) {
    std::vector<int> waits;
    size_t start = 0;
    while (start <= a.retry_after_min.size()) {
      size_t comma = a.retry_after_min.find(',', start);
      if (comma == std::string::npos) comma = a.retry_after_min.size();
      ZX_ASSIGN_OR_RETURN(
          int m, WholeNumber("retry-after-min", a.retry_after_min.substr(start, comma - start)));
      waits.push_back(m);
      start = comma + 1;
    }
    in.retry_after_min = std::move(waits);
  }
  if (!a.concurrent.empty()) {
    ZX_ASSIGN_OR_RETURN(in.concurrent, WholeNumber("concurrent", a.concurrent));
  }
  if (!a.pace.empty()) {
    double pace = 0;
    auto [end, ec] = std::from_chars(a.pace.data(), a.pace.data() + a.pace.size(), pace);
    if (ec != std::errc() || end != a.pace.data() + a.pace.size())
      return Option("pace", "must be calls a second such as 0.5");
    in.pace_per_s = pace;
  }
  return in;
}

}  // namespace

Result<int> CampaignVerb(const CampaignArgs& a, campaigns::Campaigns& engine,
                         security::AuditLog& audit, const std::string& os_user, std::ostream& out) {
  campaigns::CampaignCli cli{engine, audit, "cli:" + os_user};
  if (a.verb == "create") {
    ZX_ASSIGN_OR_RETURN(campaigns::CampaignRulesInput rules, RulesOf(a));
    ZX_ASSIGN_OR_RETURN(auto made, CliCreate(cli, a.name, {a.file, "", a.dnc, a.as_of}, rules));
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
