// `zhixian ask` and `zhixian chat`: the text assistant on the command line (README.md,
// api/openapi.yaml).
#include <iostream>

#include "app/commands.h"
#include "base/log.h"
#include "dialogue/conversation.h"
#include "http/dialogue_json.h"
#include "http/knowledge_json.h"

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
    std::cout << http::ToJson(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
    return;
  }
  std::cout << a.text << "\n";
  if (a.topic)
    std::cout << "  [" << *a.topic << ", " << static_cast<int>(a.confidence * 100) << "%]\n";
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
  auto conversation = dialogue::Conversation::Start(*ctx->dialogue, "cli");
  if (!conversation.ok()) {
    std::cerr << "zhixian: " << conversation.status().message() << "\n";
    return 1;
  }
  auto dump = [](const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  if (!json) std::cout << conversation->greeting() << "\n> " << std::flush;
  std::string line;
  while (!conversation->done() && std::getline(std::cin, line)) {
    auto reply = conversation->Say(line);
    if (!reply.ok()) {
      // A turn the service refuses (empty, too long, invalid UTF-8) is reported, not fatal.
      nlohmann::json err = {
          {"error",
           {{"code", CodeName(reply.status().code())}, {"message", reply.status().message()}}}};
      std::cout << (json ? dump(err) : "（" + reply.status().message() + "）") << "\n"
                << (json ? "" : "> ") << std::flush;
      continue;
    }
    if (json) {
      std::cout << dump(http::ToJson(*reply)) << "\n" << std::flush;
    } else {
      std::cout << reply->text << "\n";
      for (const auto& step : reply->steps) std::cout << "  · " << step << "\n";
      std::cout << (reply->done ? "" : "> ") << std::flush;
    }
  }
  auto summary = conversation->End();
  if (!summary.ok()) {
    std::cerr << "zhixian: " << summary.status().message() << "\n";
    return 1;
  }
  nlohmann::json out = {{"summary", http::ToJson(*summary)}};
  std::cout << (json ? dump(out) : out.dump(2)) << "\n";
  return 0;
}

}  // namespace zx::app
