// `zhixian drain`: the operator's side of taking one node out of a cluster gently
// (docs/deployment.md, "Draining a node").
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "app/commands.h"
#include "base/pid_file.h"

namespace zx::app {
namespace {

// Asks the node of this data directory to drain (SIGUSR1, base/stop_signal.h): it answers
// OPTIONS and /healthz 503 so that Kamailio and the HTTP balancer send new work elsewhere, gives
// its cluster jobs up, lets its calls finish and then stops. Waits for that, up to `wait_s`
// (0: as long as it takes).
int RunDrain(const CommonFlags& flags, int wait_s) {
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    std::cerr << "zhixian drain: " << config.status().message() << "\n";
    return 2;
  }
  const std::string path = (std::filesystem::path(config->data.dir) / kServePidFile).string();
  auto pid = RunningPid(path);
  if (!pid.ok()) {
    std::cerr << "zhixian drain: " << pid.status().message() << "\n";
    return 1;
  }
  if (kill(*pid, SIGUSR1) != 0) {
    std::cerr << "zhixian drain: cannot signal pid " << *pid << ": " << std::strerror(errno)
              << " (run it as the user the node runs as)\n";
    return 1;
  }
  std::cout << "draining zhixian serve (pid " << *pid
            << "): no new calls or requests; waiting for the calls in progress to end\n"
            << std::flush;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  while (RunningPid(path).ok()) {
    if (wait_s > 0 && std::chrono::steady_clock::now() >= deadline) {
      std::cerr << "zhixian drain: still draining after " << wait_s
                << " s (calls in progress); it stops when they end, or at once with kill -TERM "
                << *pid << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cout << "drained: the node stopped\n";
  return 0;
}

}  // namespace

ParsedCommand AddNodeCommands(CLI::App& cli, CommonFlags& flags, const CommonOptions& common) {
  auto wait_s = std::make_shared<int>(0);
  auto* drain = cli.add_subcommand(
      "drain", "stop the node of this data directory gently: no new calls, current ones finish");
  common(drain);
  drain->add_option("--wait", *wait_s, "give up waiting after this many seconds (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  return [drain, &flags, wait_s]() -> std::optional<int> {
    if (drain->parsed()) return RunDrain(flags, *wait_s);
    return std::nullopt;
  };
}

}  // namespace zx::app
