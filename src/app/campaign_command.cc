#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"
#include "base/progress.h"
#include "campaigns/target_import.h"
#include "http/campaign_json.h"

namespace zx::app {

std::function<std::optional<int>(const Config&)> AddCampaignCommand(CLI::App& cli,
                                                                    const CommonOptions& common) {
  auto* campaign = cli.add_subcommand("campaign", "outbound notice campaigns");
  auto* command = campaign->require_subcommand(1)->add_subcommand("import", "check a target file");
  common(command);
  auto request = std::make_shared<campaigns::ImportRequest>();
  command->add_option("file", request->file, "the target file (CSV or XLSX)")->required();
  command->add_option("--dnc", request->dnc_file, "do-not-call list, one number a line");
  command->add_option("--as-of", request->as_of, "campaign date YYYY-MM-DD (default today)");
  command->add_flag("--json")->description("the report as one JSON object");
  return [command, request](const Config& config) -> std::optional<int> {
    if (!command->parsed()) return std::nullopt;
    request->scenarios_file = config.knowledge.kb_dir + "/campaigns/scenarios.toml";
    const bool json = command->count("--json") > 0;
    // The calls are planned as they come; the readable report shows the first 20.
    std::vector<campaigns::PlannedCall> first;
    request->on_call = [&first](campaigns::PlannedCall&& call) {
      if (first.size() < 20) first.push_back(std::move(call));
      return Status::Ok();
    };
    ProgressBar bar("导入 " + request->file, !json && ProgressBar::Wanted());
    request->on_progress = [&bar](const campaigns::ImportProgress& p) {
      p.done ? bar.Finish() : bar.Update(p.rows, p.bytes, p.total_bytes);
    };
    auto report = campaigns::ImportTargetFile(*request);
    bar.Finish();
    if (!report.ok()) std::cerr << "zhixian campaign import: " << report.status().message() << "\n";
    if (!report.ok()) return 2;
    report->planned = std::move(first);
    std::cout << http::CampaignImportOutput(*report, json);
    return 0;
  };
}

}  // namespace zx::app
