// `zhixian serve`: the long-running server. Builds everything once, serves until SIGINT/SIGTERM.
#include <csignal>
#include <iostream>

#include "app/commands.h"
#include "base/log.h"
#include "http/knowledge_routes.h"
#include "http/server.h"
#include "http/system_routes.h"

namespace zx::app {
namespace {

// Blocks until SIGINT or SIGTERM arrives.
void WaitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  log::Info("serve.stopping signal={}", sig);
}

}  // namespace

int RunServe(const CommonFlags& flags, const std::string& http_addr, const std::string& sip_addr) {
  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto ctx = OpenApp(flags);
  if (!ctx.ok()) {
    std::cerr << "zhixian: " << ctx.status().message() << "\n";
    return ctx.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  Config& config = (*ctx)->config;
  if (!http_addr.empty()) config.server.http = http_addr;
  if (!sip_addr.empty()) config.server.sip = sip_addr;
  auto options = http::ServerOptionsFromConfig(config);
  if (!options.ok()) {
    std::cerr << "zhixian: " << options.status().message() << "\n";
    return 2;
  }

  Metrics metrics;
  auto router = std::make_shared<http::Router>();
  http::AddSystemRoutes(*router, metrics);
  http::AddKnowledgeRoutes(*router, *(*ctx)->engine, metrics);
  auto server = http::Server::Start(*options, router, metrics);
  if (!server.ok()) {
    std::cerr << "zhixian: " << server.status().message() << "\n";
    return 1;
  }
  log::Info("serve.ready http=http://{}:{} data={}", options->host, (*server)->port(),
            config.data.dir);
  WaitForStopSignal();
  (*server)->Stop();
  return 0;
}

}  // namespace zx::app
