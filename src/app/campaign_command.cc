#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"
#include "app/security_context.h"
#include "base/terminal.h"
#include "campaigns/campaign_cli.h"
#include "campaigns/target_import.h"
#include "http/campaign_json.h"
#include "security/key_file.h"

namespace zx::app {
namespace {

struct Args {
  std::string verb, id, name, file, dnc, as_of, export_file;
  bool json = false;
};

// create, start|pause|resume|cancel, status, report over the engine of the database and the key
// file (campaigns/campaign_cli.h); the serving process acts on a change within a second.
Result<int> Run(const Config& config, const Args& a) {
  const Clock& clock = SystemClock::Instance();
  ZX_RETURN_IF_ERROR(
      security::PrepareDefaultKeyFile(config.security.key_file, config.data.dir, clock));
  ZX_ASSIGN_OR_RETURN(auto db, OpenAppDatabase(config));
  ZX_ASSIGN_OR_RETURN(auto sec, OpenSecurity(*db, config, clock));
  // [campaigns] (the standing do-not-call list): config.campaigns once Config has the section.
  ZX_ASSIGN_OR_RETURN(auto desk,
                      campaigns::OpenCampaignDesk(*db, sec->cipher, config.knowledge.kb_dir,
                                                  campaigns::CampaignConfig{}, clock));
  campaigns::Campaigns* engine = desk->engine.get();
  campaigns::CampaignCli cli{*engine, *sec->audit, "cli:" + OsUserName()};
  if (a.verb == "create") {
    ZX_ASSIGN_OR_RETURN(auto made, CliCreate(cli, a.name, {a.file, "", a.dnc, a.as_of}));
    std::cout << http::CampaignCreatedOutput(made, a.json);
  } else if (a.verb == "status" && a.id.empty()) {
    ZX_ASSIGN_OR_RETURN(auto list, engine->List());
    std::cout << http::CampaignListOutput(list, a.json);
  } else if (a.verb != "status" && a.verb != "report") {
    ZX_ASSIGN_OR_RETURN(auto c, CliControl(cli, a.verb, a.id));
    std::cout << http::CampaignListOutput({c}, a.json);
  } else if (!a.export_file.empty()) {
    ZX_ASSIGN_OR_RETURN(int64_t rows, CliExport(cli, a.id, a.export_file));
    std::cout << "wrote " << rows << " targets to " << a.export_file << "\n";
  } else {
    ZX_ASSIGN_OR_RETURN(auto c, engine->Get(a.id));
    ZX_ASSIGN_OR_RETURN(auto figures, engine->Figures(a.id));
    std::cout << http::CampaignReportOutput(c, figures, a.json);
  }
  return 0;
}

}  // namespace

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
  auto args = std::make_shared<Args>();
  std::vector<CLI::App*> verbs;
  for (const char* verb : {"create", "start", "pause", "resume", "cancel", "status", "report"}) {
    auto* sub =
        verbs.emplace_back(campaign->add_subcommand(verb, std::string(verb) + " a campaign"));
    common(sub);
    sub->add_flag("--json", args->json, "JSON instead of text");
    if (std::string_view(verb) == "create") {
      sub->add_option("--name", args->name, "the campaign's name")->required();
      sub->add_option("file", args->file, "the target file (CSV or XLSX)")->required();
      sub->add_option("--dnc", args->dnc, "do-not-call list for this file");
      sub->add_option("--as-of", args->as_of, "campaign date YYYY-MM-DD (default today)");
    } else {
      sub->add_option("id", args->id, "the campaign (CP...)")
          ->required(std::string_view(verb) != "status");
    }
    if (std::string_view(verb) == "report")
      sub->add_option("--export", args->export_file, "write the targets to FILE.xlsx or .csv");
  }
  return [command, request, verbs, args](const Config& config) -> std::optional<int> {
    for (auto* sub : verbs) {
      if (!sub->parsed()) continue;
      args->verb = sub->get_name();
      Result<int> code = Run(config, *args);
      if (code.ok()) return *code;
      std::cerr << "zhixian campaign " << args->verb << ": " << code.status().message() << "\n";
      return code.status().code() == Code::kInvalidArgument ? 2 : 1;
    }
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
