#include "app/tickets_learn_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "tickets/learn.h"

namespace zx::app {

std::function<std::optional<int>()> AddTicketsLearnCommand(
    CLI::App& cli, CommonFlags& flags, const std::function<void(CLI::App*)>& common) {
  CLI::App* tickets = nullptr;
  try {
    tickets = cli.get_subcommand("tickets");
  } catch (const CLI::OptionNotFound&) {
    tickets = cli.add_subcommand("tickets", "work orders");
    tickets->require_subcommand(1);
  }
  auto request = std::make_shared<tickets::LearnRequest>();
  auto* learn = tickets->add_subcommand(
      "learn", "learn routing from past orders (TSV, CSV or XLSX with a header row)");
  common(learn);
  learn->add_option("--history", request->history, "the file of past orders")->required();
  learn->add_option("--text-column", request->columns.text_column,
                    "column of the message (default text)");
  learn->add_option("--label-column", request->columns.label_column,
                    "column of the label it was filed under (default label)");
  return [learn, request, &flags]() -> std::optional<int> {
    if (!learn->parsed()) return std::nullopt;
    Status learned = [&]() -> Status {
      ZX_ASSIGN_OR_RETURN(Config config, LoadAppConfig(flags));
      request->jieba_dict = config.knowledge.jieba_dict;
      request->data_dir = config.data.dir;
      return tickets::LearnRouting(*request, std::cout);
    }();
    if (learned.ok()) return 0;
    std::cerr << "zhixian: " << learned.message() << "\n";
    return learned.code() == Code::kInvalidArgument ? 2 : 1;
  };
}

}  // namespace zx::app
