#include "app/calendar_command.h"

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

int Fail(const std::string& message) {
  std::cerr << "zhixian calendar: " << message << "\n";
  return 2;
}

int Run(const CommonFlags& flags, const Args& args, bool deadline) {
  auto config = LoadAppConfig(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto calendar = tickets::WorkCalendar::Load(
      (std::filesystem::path(config->knowledge.kb_dir) / "calendar").string());
  if (!calendar.ok()) return Fail(calendar.status().message());
  if (deadline) {
    if (args.from.empty() || args.tier.empty())
      return Fail("deadline needs --from \"YYYY-MM-DD HH:MM\" and --tier 2h|24h|7d|15d");
    auto from = tickets::ParseChinaLocalMinute(args.from);
    if (!from.ok()) return Fail("--from: " + from.status().message());
    auto tier = tickets::ParseTier(args.tier);
    if (!tier) return Fail("--tier: \"" + args.tier + "\" is not one of 2h, 24h, 7d, 15d");
    auto due = calendar->Deadline(*from, *tier);
    if (!due.ok()) return Fail(due.status().message());
    std::cout << tickets::FormatDeadline(*due) << "\n";
    return 0;
  }
  if (args.date.empty()) return Fail("day needs a date YYYY-MM-DD");
  auto date = tickets::ParseDate(args.date);
  if (!date.ok()) return Fail(date.status().message());
  auto working = calendar->IsWorkingDay(*date);
  if (!working.ok()) return Fail(working.status().message());
  std::cout << (*working ? "工作日" : "休息日") << "\n";
  return 0;
}

}  // namespace

std::function<std::optional<int>()> AddCalendarCommand(
    CLI::App& cli, CommonFlags& flags, const std::function<void(CLI::App*)>& common) {
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
