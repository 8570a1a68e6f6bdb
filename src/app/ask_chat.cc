// `zhixian ask` and `zhixian chat`: the text assistant on the command line (DESIGN.md contracts).
#include <iostream>

#include "app/commands.h"
#include "base/log.h"
#include "dialogue/conversation.h"

namespace zx::app {
namespace {

std::unique_ptr<AppContext> OpenOrReport(const CommonFlags& flags, int& exit_code) {
  auto ctx = OpenApp(flags);
  if (!ctx.ok()) {
    std::cerr << "zhixian: " << ctx.status().message() << "\n";
    exit_code = ctx.status().code() == Code::kInvalidArgument ? 2 : 1;
    return nullptr;
  }
  return std::move(ctx).value();
}

void PrintAnswer(const knowledge::Answer& a, bool json) {
  if (json) {
    std::cout << knowledge::ToJson(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
    return;
  }
  std::cout << a.text << "\n";
  if (a.topic) std::cout << "  [" << *a.topic << ", " << static_cast<int>(a.confidence * 100) << "%]\n";
}

}  // namespace

int RunAsk(const CommonFlags& flags, bool json, const std::string& question) {
  int code = 0;
  auto ctx = OpenOrReport(flags, code);
  if (!ctx) return code;
  if (!question.empty()) {
    PrintAnswer(ctx->engine->Ask(question), json);
  } else {
    std::string line;
    while (std::getline(std::cin, line)) {
      PrintAnswer(ctx->engine->Ask(line), json);
      std::cout.flush();
    }
  }
  return 0;
}

int RunChat(const CommonFlags& flags, bool json) {
  int code = 0;
  auto ctx = OpenOrReport(flags, code);
  if (!ctx) return code;
  dialogue::Conversation conversation(*ctx->engine, ctx->engine->knowledge_base());
  auto dump = [](const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string line;
  if (!json) std::cout << "您好，这里是示例市12345热线智能助手，请问有什么可以帮您？\n> " << std::flush;
  while (!conversation.done() && std::getline(std::cin, line)) {
    auto reply = conversation.Say(line);
    if (json) {
      std::cout << dump(dialogue::ToJson(reply)) << "\n" << std::flush;
    } else {
      std::cout << reply.text << "\n" << (reply.done ? "" : "> ") << std::flush;
    }
  }
  nlohmann::json summary = {{"summary", conversation.Summary()}};
  std::cout << (json ? dump(summary) : summary.dump(2)) << "\n";
  return 0;
}

}  // namespace zx::app
