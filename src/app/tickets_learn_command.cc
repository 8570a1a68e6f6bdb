#include "app/tickets_learn_command.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "tickets/history.h"
#include "tickets/router_model.h"

namespace zx::app {

namespace {

struct LearnFlags {
  std::string history;
  tickets::HistoryOptions columns;
};

int RunLearn(const CommonFlags& flags, const LearnFlags& learn) {
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    std::cerr << "zhixian: " << config.status().message() << "\n";
    return 2;
  }
  auto started = std::chrono::steady_clock::now();
  auto history = tickets::ReadHistory(learn.history, learn.columns);
  if (!history.ok()) {
    std::cerr << "zhixian: " << history.status().message() << "\n";
    return 2;
  }
  std::cout << "history " << learn.history << ": " << history->rows_read << " rows read, "
            << history->examples.size() << " used, " << history->skipped.size() << " skipped\n";
  for (const auto& p : history->skipped) std::cout << "  skipped " << p.message << "\n";
  for (const auto& w : history->warnings) std::cout << "  warning " << w << "\n";

  tickets::RouterTextOptions text_options;
  text_options.jieba_dict = config->knowledge.jieba_dict;
  auto text = tickets::RouterText::Create(text_options);
  if (!text.ok()) {
    std::cerr << "zhixian: " << text.status().message() << "\n";
    return 2;
  }
  tickets::RouterTrainReport report;
  auto model = tickets::RouterModel::Train(history->examples, *text, {}, &report);
  if (!model.ok()) {
    std::cerr << "zhixian: " << learn.history << ": " << model.status().message() << "\n";
    return 2;
  }
  std::cout << "labels (" << report.label_counts.size() << "):";
  for (const auto& [label, n] : report.label_counts) std::cout << " " << label << " " << n << ";";
  std::cout << "\n";
  if (report.cross_validated) {
    char line[160];
    std::snprintf(line, sizeof line, "cross-validated (%d-fold) macro-F1 %.3f, accuracy %.3f\n",
                  (*model)->options().folds, report.cross_validated->macro_f1,
                  report.cross_validated->accuracy);
    std::cout << line;
  }
  std::string path = tickets::RouterModel::PathIn(config->data.dir);
  if (Status s = (*model)->Save(path); !s.ok()) {
    std::cerr << "zhixian: " << s.message() << "\n";
    return 1;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char line[200];
  std::snprintf(line, sizeof line, "model saved: %s (%zu features) in %.1f s\n", path.c_str(),
                report.features, seconds);
  std::cout << line;
  return 0;
}

}  // namespace

std::function<std::optional<int>()> AddTicketsLearnCommand(
    CLI::App& cli, CommonFlags& flags, const std::function<void(CLI::App*)>& common) {
  CLI::App* tickets = nullptr;
  try {
    tickets = cli.get_subcommand("tickets");
  } catch (const CLI::OptionNotFound&) {
    tickets = cli.add_subcommand("tickets", "work orders");
    tickets->require_subcommand(1);
  }
  auto learn_flags = std::make_shared<LearnFlags>();
  auto* learn = tickets->add_subcommand(
      "learn", "learn routing from past orders (TSV, CSV or XLSX with a header row)");
  common(learn);
  learn->add_option("--history", learn_flags->history, "the file of past orders")->required();
  learn->add_option("--text-column", learn_flags->columns.text_column,
                    "column of the message (default text)");
  learn->add_option("--label-column", learn_flags->columns.label_column,
                    "column of the label it was filed under (default label)");
  return [learn, learn_flags, &flags]() -> std::optional<int> {
    if (!learn->parsed()) return std::nullopt;
    return RunLearn(flags, *learn_flags);
  };
}

}  // namespace zx::app
