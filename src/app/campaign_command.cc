#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"
#include "app/security_context.h"
#include "base/progress.h"
#include "base/terminal.h"
#include "campaigns/campaign_cli.h"
#include "http/campaign_json.h"
#include "security/key_file.h"

namespace zx::app {
namespace {

struct Args {
  std::string verb, id, name, file, dnc, as_of, export_file;
  bool json = false;
};

// import checks a file alone; the others work on the engine over the database and the key file
// (campaigns/campaign_cli.h); a serving process acts on a change within a second.
Result<int> Run(const Config& config, const Args& a) {
  const std::string& kb = config.knowledge.kb_dir;
  if (a.verb == "import") {
    campaigns::ImportRequest request{a.file, a.dnc, a.as_of, kb + "/campaigns/scenarios.toml"};
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
    std::cout << http::CampaignImportOutput(*report, a.json);
    return 0;
  }
  const Clock& clock = SystemClock::Instance();
  ZX_RETURN_IF_ERROR(
      security::PrepareDefaultKeyFile(config.security.key_file, config.data.dir, clock));
  ZX_ASSIGN_OR_RETURN(auto db, OpenAppDatabase(config));
  ZX_ASSIGN_OR_RETURN(auto sec, OpenSecurity(*db, config, clock));
  ZX_ASSIGN_OR_RETURN(auto desk,
                      campaigns::OpenCampaignDesk(*db, sec->cipher, kb, config.campaigns, clock));
  campaigns::Campaigns& engine = *desk->engine;
  campaigns::CampaignCli cli{engine, *sec->audit, "cli:" + OsUserName()};
  if (a.verb == "create") {
    ZX_ASSIGN_OR_RETURN(auto made, CliCreate(cli, a.name, {a.file, "", a.dnc, a.as_of}));
    std::cout << http::CampaignCreatedOutput(made, a.json);
  } else if (a.verb == "status" && a.id.empty()) {
    ZX_ASSIGN_OR_RETURN(auto list, engine.List());
    std::cout << http::CampaignListOutput(list, a.json);
  } else if (a.verb != "status" && a.verb != "report") {
    ZX_ASSIGN_OR_RETURN(auto c, CliControl(cli, a.verb, a.id));
    std::cout << http::CampaignListOutput({c}, a.json);
  } else if (!a.export_file.empty()) {
    ZX_ASSIGN_OR_RETURN(int64_t rows, CliExport(cli, a.id, a.export_file));
    std::cout << "wrote " << rows << " targets to " << a.export_file << "\n";
  } else {
    ZX_ASSIGN_OR_RETURN(auto c, engine.Get(a.id));
    ZX_ASSIGN_OR_RETURN(auto figures, engine.Figures(a.id));
    std::cout << http::CampaignReportOutput(c, figures, a.json);
  }
  return 0;
}

}  // namespace

std::function<std::optional<int>(const Config&)> AddCampaignCommand(CLI::App& cli,
                                                                    const CommonOptions& common) {
  auto* campaign =
      cli.add_subcommand("campaign", "outbound notice campaigns")->require_subcommand(1);
  auto args = std::make_shared<Args>();
  std::vector<CLI::App*> verbs;
  for (std::string_view verb :
       {"import", "create", "start", "pause", "resume", "cancel", "status", "report"}) {
    auto* sub = verbs.emplace_back(campaign->add_subcommand(
        std::string(verb),
        verb == "import" ? "check a target file" : std::string(verb) + " a campaign"));
    common(sub);
    sub->add_flag("--json", args->json, "JSON instead of text");
    if (verb == "import" || verb == "create") {
      sub->add_option("file", args->file, "the target file (CSV or XLSX)")->required();
      sub->add_option("--dnc", args->dnc, "do-not-call list, one number a line");
      sub->add_option("--as-of", args->as_of, "campaign date YYYY-MM-DD (default today)");
    } else {
      sub->add_option("id", args->id, "the campaign (CP...)")->required(verb != "status");
    }
    if (verb == "create") sub->add_option("--name", args->name, "the campaign's name")->required();
    if (verb == "report")
      sub->add_option("--export", args->export_file, "write the targets to FILE.xlsx or .csv");
  }
  return [verbs, args](const Config& config) -> std::optional<int> {
    for (auto* sub : verbs) {
      if (!sub->parsed()) continue;
      args->verb = sub->get_name();
      Result<int> code = Run(config, *args);
      if (code.ok()) return *code;
      std::cerr << "zhixian campaign " << args->verb << ": " << code.status().message() << "\n";
      // A file import cannot read is bad usage (DESIGN.md); so is any invalid argument.
      return code.status().code() == Code::kInvalidArgument || args->verb == "import" ? 2 : 1;
    }
    return std::nullopt;
  };
}

}  // namespace zx::app
