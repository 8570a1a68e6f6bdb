#include "app/commands.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "tickets/calendar.h"

namespace zx::app {
namespace {

struct Args {
  std::string from, tier, date;
};

int Run(const CommonFlags& flags, const Args& args, bool deadline) {
  auto answer = [&]() -> Result<std::string> {
    ZX_ASSIGN_OR_RETURN(Config config, LoadAppConfig(flags));
    ZX_ASSIGN_OR_RETURN(
        auto calendar, tickets::WorkCalendar::Load(
                           (std::filesystem::path(config.knowledge.kb_dir) / "calendar").string()));
    return deadline ? tickets::AnswerDeadline(calendar, args.from, args.tier)
                    : tickets::AnswerDay(calendar, args.date);
  }();
  if (!answer.ok()) {
    std::cerr << "zhixian calendar: " << answer.status().message() << "\n";
    return 2;
  }
  std::cout << *answer << "\n";
  return 0;
}

}  // namespace

ParsedCommand AddCalendarCommand(CLI::App& cli, CommonFlags& flags, const CommonOptions& common) {
  auto args = std::make_shared<Args>();
  auto* calendar = cli.add_subcommand("calendar", "working days and SLA deadlines (China time)");
  calendar->require_subcommand(1);
  auto* deadline = calendar->add_subcommand("deadline", "the deadline of an order dispatched at");
  common(deadline);
  deadline->add_option("--from", args->from, "dispatch time \"YYYY-MM-DD HH:MM\"");
  deadline->add_option("--tier", args->tier, "SLA tier: 2h, 24h, 7d or 15d");
  auto* day = calendar->add_subcommand("day", "工作日 or 休息日");
  common(day);
  day->add_option("date", args->date, "YYYY-MM-DD");
  return [&flags, args, deadline, day]() -> std::optional<int> {
    if (deadline->parsed()) return Run(flags, *args, true);
    if (day->parsed()) return Run(flags, *args, false);
    return std::nullopt;
  };
}

}  // namespace zx::app
