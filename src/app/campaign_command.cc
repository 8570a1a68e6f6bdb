#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"
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
    auto report = campaigns::ImportTargetFile(*request);
    if (!report.ok()) std::cerr << "zhixian campaign import: " << report.status().message() << "\n";
    if (!report.ok()) return 2;
    std::cout << http::CampaignImportOutput(*report, command->count("--json") > 0);
    return 0;
  };
}

}  // namespace zx::app
