#include <CLI/CLI.hpp>
#include <iostream>

#include "admin/campaign_commands.h"
#include "app/commands.h"
#include "app/security_context.h"
#include "base/terminal.h"
#include "campaigns/campaign_cli.h"
#include "security/key_file.h"

namespace zx::app {
namespace {

// import checks a file alone; the others work on the engine over the database and the key file.
Result<int> Run(const Config& config, const admin::CampaignArgs& a) {
  if (a.verb == "import") return admin::CampaignImport(a, config.knowledge.kb_dir, std::cout);
  const Clock& clock = SystemClock::Instance();
  ZX_RETURN_IF_ERROR(
      security::PrepareDefaultKeyFile(config.security.key_file, config.data.dir, clock));
  ZX_ASSIGN_OR_RETURN(auto db, OpenAppDatabase(config));
  ZX_ASSIGN_OR_RETURN(auto sec, OpenSecurity(*db, config, clock));
  ZX_ASSIGN_OR_RETURN(auto desk,
                      campaigns::OpenCampaignDesk(*db, sec->cipher, config.knowledge.kb_dir,
                                                  config.campaigns, clock));
  return admin::CampaignVerb(a, *desk->engine, *sec->audit, OsUserName(), std::cout);
}

}  // namespace

std::function<std::optional<int>(const Config&)> AddCampaignCommand(CLI::App& cli,
                                                                    const CommonOptions& common) {
  auto* campaign =
      cli.add_subcommand("campaign", "outbound notice campaigns")->require_subcommand(1);
  auto args = std::make_shared<admin::CampaignArgs>();
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
    if (verb == "create") {
      sub->add_option("--name", args->name, "the campaign's name")->required();
      // The campaign's own rules, inside the configuration's [campaigns] (left out: those).
      sub->add_option("--hours", args->hours, "its calling windows, e.g. 10:00-11:30,14:00-16:00");
      sub->add_option("--working-days-only", args->working_days_only, "1 or 0");
      sub->add_option("--max-attempts", args->max_attempts, "attempts that find nobody");
      sub->add_option("--retry-after-min", args->retry_after_min, "minutes between, e.g. 30,120");
      sub->add_option("--concurrent", args->concurrent, "its calls at once");
      sub->add_option("--pace", args->pace, "its calls started a second at most");
    }
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
