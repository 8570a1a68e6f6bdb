// http_bench_server: the HTTP server with the FakeAssistant, to measure the HTTP layer alone
// (bench/http/run.sh --fake). Loopback only.
//
//   http_bench_server [PORT] [THREADS]   prints "listening PORT", serves until SIGINT/SIGTERM
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "base/log.h"
#include "base/metrics.h"
#include "http/knowledge_routes.h"
#include "http/server.h"
#include "http/system_routes.h"
#include "knowledge/testing/fake_assistant.h"

int main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  zx::log::Init("warn");
  zx::Metrics metrics;
  zx::knowledge::testing::FakeAssistant assistant;
  auto router = std::make_shared<zx::http::Router>();
  zx::http::AddSystemRoutes(*router, metrics);
  zx::http::AddKnowledgeRoutes(*router, assistant, metrics);
  zx::http::ServerOptions options;
  options.port = static_cast<uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
  options.threads = argc > 2 ? std::atoi(argv[2]) : 2;
  auto server = zx::http::Server::Start(options, router, metrics);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("listening %u\n", (*server)->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Stop();
  return 0;
}
