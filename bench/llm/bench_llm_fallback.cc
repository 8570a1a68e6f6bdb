// With every engine failing, answers must arrive as fast as without engines (issue 17: p99
// within 1 ms). Measures Ask over the dev questions three ways in one run:
//   baseline   the knowledge engine alone (no [llm])
//   refused    answers on, two real HTTP engines on loopback ports nobody listens on: each
//              request first meets refused connections until the breakers open
//   open       the same once both breakers are open (every later request)
// and prints p50/p99 of each and the p99 differences against the baseline.
//
//   build/bench/llm/bench_llm_fallback [DEV_TSV] [KB_DIR]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "knowledge/engine.h"
#include "knowledge/loader.h"
#include "knowledge/written_assistant.h"
#include "llm/grounded.h"
#include "llm/http_chat_client.h"
#include "llm/router.h"

namespace {

using Steady = std::chrono::steady_clock;

std::vector<std::string> ReadQuestions(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (tab != std::string::npos) out.push_back(line.substr(tab + 1));
  }
  return out;
}

struct Latency {
  double p50 = 0, p99 = 0;
};

Latency Measure(const zx::knowledge::Assistant& a, const std::vector<std::string>& questions,
                int rounds) {
  std::vector<double> us;
  for (int r = 0; r < rounds; ++r)
    for (const std::string& q : questions) {
      auto t0 = Steady::now();
      zx::knowledge::Answer answer = a.Ask(q);
      us.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
      if (answer.text.empty()) std::abort();
    }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

class Writer final : public zx::knowledge::AnswerWriter {
 public:
  explicit Writer(const zx::llm::GroundedWriter& w) : w_(w) {}
  std::optional<zx::knowledge::WrittenText> Write(std::string_view q, std::string_view title,
                                                  std::string_view evidence, bool) const override {
    auto w = w_.Write({std::string(q), {{std::string(title), std::string(evidence)}}, false});
    if (!w.ok) return std::nullopt;
    return zx::knowledge::WrittenText{w.text, w.engine};
  }

 private:
  const zx::llm::GroundedWriter& w_;
};

// A loopback port with nobody listening: bound by us, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    std::abort();
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dev = argc > 1 ? argv[1] : "../shared/spec/dev-questions.tsv";
  std::string kb_dir = argc > 2 ? argv[2] : "kb";
  auto questions = ReadQuestions(dev);
  if (questions.empty()) {
    std::cerr << "no questions in " << dev << "\n";
    return 2;
  }
  auto kb = zx::knowledge::LoadKnowledgeBase(kb_dir);
  if (!kb.ok()) {
    std::cerr << kb.status().ToString() << "\n";
    return 2;
  }
  zx::knowledge::EngineOptions options;
  options.work_dir = (std::filesystem::temp_directory_path() / "zx-bench-llm").string();
  options.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
  auto engine = zx::knowledge::KnowledgeEngine::Build(*kb, options);
  if (!engine.ok()) {
    std::cerr << engine.status().ToString() << "\n";
    return 1;
  }

  zx::Metrics metrics;
  std::vector<zx::llm::EngineRouter::Engine> engines;
  for (int i = 0; i < 2; ++i) {
    zx::llm::EngineConfig c;
    c.name = i == 0 ? "first" : "second";
    c.base_url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/v1";
    c.model = "none";
    auto client = zx::llm::MakeHttpChatClient(c, "", zx::SystemClock::Instance());
    if (!client.ok()) return 1;
    engines.push_back({c, std::move(client).value()});
  }
  zx::llm::RouterOptions ro;  // the defaults: 3 failures open a breaker for 30 s
  zx::llm::EngineRouter router(std::move(engines), ro, zx::SystemClock::Instance(), metrics);
  zx::llm::GroundedWriter grounded(router, {"first", "second"}, zx::llm::GroundingRules::Defaults(),
                                   {"只依据资料回答。", ""}, "answers", metrics);
  Writer writer(grounded);
  zx::knowledge::WrittenAssistant written(**engine, writer);

  Measure(**engine, questions, 1);  // warm
  Latency base = Measure(**engine, questions, 3);
  Latency refused = Measure(written, questions, 1);  // opens the breakers on the way
  Latency open = Measure(written, questions, 3);
  Latency base2 = Measure(**engine, questions, 3);
  std::printf("questions %zu (x3 rounds)\n", questions.size());
  std::printf("baseline (no engines)        p50 %8.1f us  p99 %8.1f us\n", base.p50, base.p99);
  std::printf("baseline again               p50 %8.1f us  p99 %8.1f us\n", base2.p50, base2.p99);
  std::printf("engines refusing, breakers   p50 %8.1f us  p99 %8.1f us  (first round: %s)\n",
              refused.p50, refused.p99, "connections refused until the breakers open");
  std::printf("every engine out (open)      p50 %8.1f us  p99 %8.1f us\n", open.p50, open.p99);
  double diff = open.p99 - std::max(base.p99, base2.p99);
  std::printf("p99 difference, engines out vs none: %+.1f us (bar: within 1000 us) -> %s\n", diff,
              diff <= 1000 ? "OK" : "OVER");
  std::printf("router state: first=%s second=%s\n", router.State("first").c_str(),
              router.State("second").c_str());
  return diff <= 1000 ? 0 : 1;
}
