// `zhixian demo seed [--days N] [--seed N] [--if-fresh]`: synthetic activity for a newcomer's
// dashboard (demo/seed.h) in a fresh data directory, under the key file serve uses.
#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>

#include "app/commands.h"
#include "demo/seed.h"
#include "security/key_file.h"

namespace zx::app {
namespace {

// `if_fresh`: a data directory that holds data already is left as it is, and that is no error
// (scripts/run.sh seeds a newcomer's first start only).
int RunDemoSeed(const CommonFlags& flags, const demo::SeedOptions& options, bool if_fresh) {
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    std::cerr << "zhixian demo seed: " << config.status().message() << "\n";
    return 2;
  }
  // Personal fields are sealed under the key file serve reads, made now when it is missing.
  if (Status s = security::PrepareDefaultKeyFile(config->security.key_file, config->data.dir,
                                                 SystemClock::Instance());
      !s.ok()) {
    std::cerr << "zhixian demo seed: " << s.message() << "\n";
    return 1;
  }
  auto ctx = OpenApp(flags);
  if (!ctx.ok()) {
    std::cerr << "zhixian demo seed: " << ctx.status().message() << "\n";
    return 1;
  }
  auto cipher = security::LoadFieldCipher((*ctx)->config.security.key_file, config->data.dir);
  if (!cipher.ok() || !*cipher) {
    std::cerr << "zhixian demo seed: a key file is needed (security.key_file): "
              << (cipher.ok() ? "none configured" : cipher.status().message()) << "\n";
    return 2;
  }
  demo::SeedInputs in;
  in.db = (*ctx)->db.get();
  in.knowledge = (*ctx)->engine->Snapshots();
  in.kb_dir = config->knowledge.kb_dir;
  in.dialogue = dialogue::DialogueOptionsFor(in.kb_dir, config->dialogue);
  in.calendar = (*ctx)->sla.get();
  in.autofill = (*ctx)->autofill.get();
  in.cipher = *cipher;
  in.now_ms = SystemClock::Instance().NowUnixMillis();
  std::cerr << "seeding " << options.days << " days of demo activity...\n";
  auto r = demo::Seed(in, options);
  if (!r.ok() && if_fresh && r.status().code() == Code::kFailedPrecondition) {
    std::cerr << "not seeded: " << r.status().message() << "\n";
    return 0;
  }
  if (!r.ok()) {
    std::cerr << "zhixian demo seed: " << r.status().message() << "\n";
    return r.status().code() == Code::kInvalidArgument ||
                   r.status().code() == Code::kFailedPrecondition
               ? 2
               : 1;
  }
  std::cout << "demo data (演示数据) seeded: " << r->conversations << " conversations ("
            << r->handed_over << " handed over, " << r->rated << " rated), " << r->orders
            << " work orders (" << r->accepted << " 签收, " << r->resolved << " 办结, "
            << r->returned << " 退单, " << r->extended << " 延期, " << r->visited << " 回访) over "
            << options.days << " days";
  if (!r->campaign_id.empty())
    std::cout << ", campaign " << r->campaign_id << " ("
              << (r->campaign_finished ? "finished" : "running") << ", " << r->campaign_confirmed
              << " of " << r->campaign_targets << " confirmed)";
  std::cout << "\n";
  return 0;
}

}  // namespace

ParsedCommand AddDemoCommand(CLI::App& cli, CommonFlags& flags, const CommonOptions& common) {
  auto* demo = cli.add_subcommand("demo", "demo data for a newcomer's console");
  demo->require_subcommand(1);
  auto* seed = demo->add_subcommand(
      "seed", "fill a fresh data directory with a few weeks of synthetic activity (演示数据)");
  auto options = std::make_shared<demo::SeedOptions>();
  seed->add_option("--days", options->days, "days of activity before today (1-90)")
      ->capture_default_str();
  seed->add_option("--seed", options->seed, "the random seed (the same seed, the same data)")
      ->capture_default_str();
  auto if_fresh = std::make_shared<bool>(false);
  seed->add_flag("--if-fresh", *if_fresh,
                 "leave a data directory that holds data as it is (exit 0), instead of an error");
  common(seed);
  return [seed, options, if_fresh, &flags]() -> std::optional<int> {
    if (!seed->parsed()) return std::nullopt;
    return RunDemoSeed(flags, *options, *if_fresh);
  };
}

}  // namespace zx::app
