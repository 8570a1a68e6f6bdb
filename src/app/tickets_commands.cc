#include "app/commands.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/security_context.h"
#include "base/terminal.h"
#include "http/ticket_json.h"
#include "tickets/autofill.h"
#include "tickets/learn.h"

namespace zx::app {
namespace {

// The knowledge ranker's guess as auto-fill takes it: the top topic, only when it is a complaint.
std::optional<tickets::TopicGuess> RankerGuess(const knowledge::KnowledgeEngine& engine,
                                               std::string_view text) {
  auto ranked = engine.Rank(text);
  if (ranked.empty()) return std::nullopt;
  const knowledge::Entry& top = engine.knowledge_base().entries[ranked.front().topic];
  if (top.kind != "complaint") return std::nullopt;
  return tickets::TopicGuess{top.id, ranked.front().confidence};
}

// `draft` prints what each line would make; `create` saves it too (adding "id" and
// "merged_into").
int Run(const CommonFlags& flags, bool json, bool create) {
  auto ctx = OpenApp(flags);
  if (!ctx.ok()) {
    std::cerr << "zhixian: " << ctx.status().message() << "\n";
    return ctx.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  // Every order made is in the audit log, as one made over the API is.
  std::unique_ptr<SecurityContext> security;
  if (create) {
    auto opened = OpenSecurity(*(*ctx)->db, (*ctx)->config, SystemClock::Instance());
    if (!opened.ok()) {
      std::cerr << "zhixian: " << opened.status().message() << "\n";
      return 1;
    }
    security = std::move(opened).value();
  }
  const std::string actor = "cli:" + OsUserName();
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    tickets::IntakeRequest request;
    request.text = line;
    request.channel = "api";
    request.topic = RankerGuess(*(*ctx)->engine->Current(), line);
    const tickets::Draft d = (*ctx)->intake->MakeDraft(request);
    nlohmann::json out = http::TicketDraftJson(d);
    if (create) {
      auto order = (*ctx)->intake->Create(request, actor);
      if (!order.ok()) {
        std::cerr << "zhixian: " << order.status().message() << "\n";
        return 1;
      }
      out["id"] = order->id;
      out["merged_into"] =
          order->merged_into.empty() ? nlohmann::json(nullptr) : nlohmann::json(order->merged_into);
      security::AuditEvent event;
      event.actor = actor;
      event.action = "ticket.create";
      event.object_type = "ticket";
      event.object_id = order->id;
      event.details_json = nlohmann::json{
          {"channel", request.channel},
          {"departments", order->Departments()},
          {"district", order->district},
          {"merged_into",
           order->merged_into}}.dump();
      if (auto recorded = security->audit->Append(event); !recorded.ok()) {
        std::cerr << "zhixian: " << recorded.status().message() << "\n";
        return 1;
      }
    }
    if (json) {
      std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cout << d.Describe() << "\n";
      if (create) std::cout << "  工单: " << out["id"].get<std::string>() << "\n";
    }
    std::cout.flush();
  }
  return 0;
}

}  // namespace

ParsedCommand AddTicketsCommands(CLI::App& cli, CommonFlags& flags, const CommonOptions& common) {
  auto json = std::make_shared<bool>(false);
  auto* tickets = cli.add_subcommand("tickets", "work orders");
  tickets->require_subcommand(1);
  auto* draft = tickets->add_subcommand(
      "draft", "the work order each stdin line would create (auto-fill), not saved");
  auto* create = tickets->add_subcommand(
      "create", "creates the work order of each stdin line (auto-fill, 并单, dispatch)");
  for (auto* sub : {draft, create}) {
    common(sub);
    sub->add_flag("--json", *json, "one JSON object per complaint");
  }
  auto learning = std::make_shared<tickets::LearnRequest>();
  auto* learn = tickets->add_subcommand(
      "learn", "learn routing from past orders (TSV, CSV or XLSX with a header row)");
  common(learn);
  learn->add_option("--history", learning->history, "the file of past orders")->required();
  learn->add_option("--text-column", learning->columns.text_column,
                    "column of the message (default text)");
  learn->add_option("--label-column", learning->columns.label_column,
                    "column of the label it was filed under (default label)");
  return [&flags, draft, create, json, learn, learning]() -> std::optional<int> {
    if (draft->parsed()) return Run(flags, *json, false);
    if (create->parsed()) return Run(flags, *json, true);
    if (!learn->parsed()) return std::nullopt;
    Status learned = [&]() -> Status {
      ZX_ASSIGN_OR_RETURN(Config config, LoadAppConfig(flags));
      learning->jieba_dict = config.knowledge.jieba_dict;
      learning->data_dir = config.data.dir;
      return tickets::LearnRouting(*learning, std::cout);
    }();
    if (learned.ok()) return 0;
    std::cerr << "zhixian: " << learned.message() << "\n";
    return learned.code() == Code::kInvalidArgument ? 2 : 1;
  };
}

}  // namespace zx::app
