// zhixian: one binary, sub-commands for serving, asking and chatting.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"
#include "app/config.h"
#include "base/log.h"
#include "text/pii.h"

int main(int argc, char** argv) {
  // Everything zhixian creates (database, index, recordings, logs) is for its own user only.
  ::umask(077);
  CLI::App cli{"zhixian 智线 — 政务服务热线智能平台 (government service hotline platform)"};
  cli.require_subcommand(1);
  std::string version = "zhixian " ZX_VERSION;
  if (std::string(ZX_GIT_DESCRIBE).size()) version += " (" ZX_GIT_DESCRIBE ")";
  cli.set_version_flag("--version", version);
  zx::app::CommonFlags flags;
  auto common = [&](CLI::App* sub) {
    sub->add_option("--data", flags.data_dir, "data directory (default ./var)");
    sub->add_option("--config", flags.config_file, "configuration file (TOML)");
    sub->add_option("--kb", flags.kb_dir, "knowledge base directory (default ./kb)");
  };

  bool json = false;
  std::string question;
  auto* ask = cli.add_subcommand("ask", "answer one question, or one per line of stdin");
  common(ask);
  ask->add_flag("--json", json, "one JSON object per question");
  ask->add_option("question", question, "the question (omit to read stdin)");
  ask->add_option("--as-of", flags.as_of, "answer as the knowledge base stood on YYYY-MM-DD");

  auto* chat = cli.add_subcommand("chat", "one conversation, one citizen turn per stdin line");
  common(chat);
  chat->add_flag("--json", json, "one JSON object per reply, then the summary");

  std::string http_addr, sip_addr;
  auto* serve = cli.add_subcommand("serve", "run the server (HTTP API, console, SIP)");
  common(serve);
  serve->add_option("--http", http_addr, "HTTP listen address HOST:PORT (default 127.0.0.1:8080)");
  serve->add_option("--sip", sip_addr, "SIP listen address HOST:PORT (default 127.0.0.1:5060)");

  auto* config_command = cli.add_subcommand("config", "check the configuration and list every key");
  common(config_command);
  config_command->footer(
      "Keys (config/zhixian.toml; key = default (range, environment variable)):\n" +
      zx::app::DescribeConfigKeys());

  auto* speech = cli.add_subcommand("speech", "replies as the telephone says them");
  auto* speech_prepare = speech->add_subcommand(
      "prepare", "each stdin line a reply; each output line what the synthesiser is given");
  common(speech_prepare);
  speech->require_subcommand(1);

  auto* llm = cli.add_subcommand("llm", "language models");
  auto* llm_check = llm->add_subcommand(
      "check",
      "each stdin line {\"answer\", \"sources\"}; each output line what the grounding "
      "checker found");
  common(llm_check);
  llm_check->add_flag("--json", json, "one JSON object per line");
  llm->require_subcommand(1);

  auto* doctor = cli.add_subcommand(
      "doctor", "check configuration, key file, database, knowledge base, SIP, ASR, console");
  common(doctor);

  // user, apikey, recordings, keys, audit, retention; calendar; tickets; campaign; drain,
  // migrate (commands.h).
  auto run_security_command = zx::app::AddSecurityCommands(cli, flags, common);
  auto run_calendar_command = zx::app::AddCalendarCommand(cli, flags, common);
  auto run_tickets_command = zx::app::AddTicketsCommands(cli, flags, common);
  auto run_campaign_command = zx::app::AddCampaignCommand(cli, common);
  auto run_node_command = zx::app::AddNodeCommands(cli, flags, common);
  auto run_demo_command = zx::app::AddDemoCommand(cli, flags, common);

  CLI11_PARSE(cli, argc, argv);

  // doctor reports a broken configuration itself, as one of its checks.
  if (doctor->parsed()) {
    zx::log::Init("error");
    return zx::app::RunDoctor(flags, std::cout);
  }
  // Logs go to stderr; the CLI commands keep stdout for their answers.
  auto config = zx::app::LoadAppConfig(flags);
  if (!config.ok()) {
    std::cerr << "zhixian: " << config.status().message() << "\n";
    return 2;
  }
  zx::log::Init(serve->parsed() ? config->log.level : "warn");
  // Every log line goes through the product's one masking function too.
  zx::log::SetMasker([](std::string_view line) { return zx::text::MaskText(line); });

  if (config_command->parsed()) {
    std::cout << "configuration OK ("
              << (flags.config_file.empty() ? "defaults" : flags.config_file) << ")\n"
              << zx::app::DescribeConfigKeys();
    return 0;
  }
  if (ask->parsed()) return zx::app::RunAsk(flags, json, question);
  if (chat->parsed()) return zx::app::RunChat(flags, json);
  if (speech_prepare->parsed()) return zx::app::RunSpeechPrepare(flags, std::cin, std::cout);
  if (llm_check->parsed()) return zx::app::RunLlmCheck(flags, json, std::cin, std::cout);
  if (auto code = run_security_command()) return *code;
  if (auto code = run_calendar_command()) return *code;
  if (auto code = run_campaign_command(*config)) return *code;
  if (auto code = run_tickets_command()) return *code;
  if (auto code = run_node_command()) return *code;
  if (auto code = run_demo_command()) return *code;
  return zx::app::RunServe(flags, http_addr, sip_addr);
}
