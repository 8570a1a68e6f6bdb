// The sub-commands of the zhixian binary. Each returns the process exit code: 0 done,
// 1 a runtime failure, 2 bad usage or configuration (the message says which key or flag).
#pragma once

#include <string>

#include "app/context.h"

namespace CLI {
class App;
}

namespace zx::app {

int RunAsk(const CommonFlags& flags, bool json, const std::string& question);
int RunChat(const CommonFlags& flags, bool json);
int RunServe(const CommonFlags& flags, const std::string& http_addr, const std::string& sip_addr);
std::function<std::optional<int>(const Config&)> AddCampaignCommand(
    CLI::App& cli, const std::function<void(CLI::App*)>& common);  // campaign_command.cc

}  // namespace zx::app
