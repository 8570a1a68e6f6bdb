// Publishing without a restart (issue 14): how long a background rebuild takes from
// RequestRebuild to the swap, against a cold KnowledgeEngine::Build of the same knowledge base
// in the same run, and what a rebuild costs the questions answered meanwhile: the Ask latency
// (p50, p99) while rebuilds run, against the same askers with no rebuild.
//
//   build/bench/knowledge/bench_live [kb-dir] [rebuilds] [askers]
//
// The rebuilds alternate two kinds of publish: an answer edited (the classifier's training
// text is unchanged, so its model is reused) and a phrasing added (the classifier trains
// again). Questions are the knowledge base's own phrasings, asked round-robin without pause.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "knowledge/engine.h"
#include "knowledge/live_knowledge.h"
#include "knowledge/loader.h"

namespace {

using Steady = std::chrono::steady_clock;
using zx::knowledge::KnowledgeBase;

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Asks from `askers` threads until `done` is true; returns every latency in milliseconds, and
// counts answers that are empty.
std::vector<double> AskUntil(const zx::knowledge::Assistant& assistant,
                             const std::vector<std::string>& questions, int askers,
                             const std::function<bool()>& done, int& empty) {
  std::vector<std::vector<double>> per(askers);
  std::atomic<int> empties{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < askers; ++t)
    threads.emplace_back([&, t] {
      size_t i = static_cast<size_t>(t) * 7;
      while (!stop) {
        const auto start = Steady::now();
        zx::knowledge::Answer a = assistant.Ask(questions[i++ % questions.size()]);
        per[t].push_back(Seconds(Steady::now() - start) * 1000);
        if (a.text.empty()) ++empties;
      }
    });
  while (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
  empty += empties.load();
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const std::string kb_dir = argc > 1 ? argv[1] : "kb";
  const int rebuilds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  const int askers = argc > 3 ? std::max(1, std::atoi(argv[3])) : 2;
  auto kb = zx::knowledge::LoadKnowledgeBase(kb_dir);
  if (!kb.ok()) {
    std::fprintf(stderr, "bench_live: %s\n", kb.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> questions;
  for (const auto& e : kb->entries)
    for (const auto& p : e.phrasings) questions.push_back(p);
  const fs::path work = fs::temp_directory_path() / ("zx-bench-live-" + std::to_string(getpid()));
  zx::knowledge::EngineOptions options;
  options.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";

  // Baseline: cold builds, each in a fresh directory (as every rebuild's is).
  std::vector<double> cold;
  for (int i = 0; i < rebuilds; ++i) {
    options.work_dir = (work / ("cold-" + std::to_string(i))).string();
    const auto start = Steady::now();
    auto engine = zx::knowledge::KnowledgeEngine::Build(*kb, options);
    cold.push_back(Seconds(Steady::now() - start));
    if (!engine.ok()) {
      std::fprintf(stderr, "bench_live: %s\n", engine.status().ToString().c_str());
      return 1;
    }
  }

  // Publish n: an answer edited (n odd) or a phrasing added (n even), on top of the last.
  std::atomic<int> publish{0};
  auto source = [&](std::string) {
    KnowledgeBase edited = *kb;
    const int n = publish.load();
    for (int i = 1; i <= n; ++i) {
      if (i % 2)
        edited.entries[0].answer += "（修订" + std::to_string(i) + "）";
      else
        edited.entries[0].phrasings.push_back("第" + std::to_string(i) + "次新增的问法怎么办");
    }
    return edited;
  };
  options.work_dir = (work / "live").string();
  auto live = zx::knowledge::LiveKnowledge::Open(source, options, zx::SystemClock::Instance());
  if (!live.ok()) {
    std::fprintf(stderr, "bench_live: %s\n", live.status().ToString().c_str());
    return 1;
  }
  zx::knowledge::LiveKnowledge& k = **live;
  int empty = 0;

  // Latency without a rebuild, over as long as the rebuilds will take (the cold builds' sum).
  const auto quiet_until =
      Steady::now() + std::chrono::duration_cast<Steady::duration>(
                          std::chrono::duration<double>(std::max(1.0, cold[0] * rebuilds)));
  std::vector<double> quiet = AskUntil(
      k, questions, askers, [&] { return Steady::now() >= quiet_until; }, empty);

  // Rebuilds under the same load: each timed from the request to the swap.
  std::vector<double> swap_seconds, answer_edits, phrasing_edits, during;
  for (int i = 0; i < rebuilds; ++i) {
    const uint64_t before = k.generation();
    publish = i + 1;
    Steady::time_point requested;
    std::atomic<bool> asked{false};
    std::thread requester([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // askers running first
      requested = Steady::now();
      k.RequestRebuild();
      asked = true;
    });
    Steady::time_point swapped;
    auto lat = AskUntil(
        k, questions, askers,
        [&] {
          if (!asked || k.generation() == before) return false;
          swapped = Steady::now();
          return true;
        },
        empty);
    requester.join();
    swap_seconds.push_back(Seconds(swapped - requested));
    (publish % 2 ? answer_edits : phrasing_edits).push_back(swap_seconds.back());
    during.insert(during.end(), lat.begin(), lat.end());
  }
  k.WaitIdle();

  const double cold_med = Percentile(cold, 0.5), swap_med = Percentile(swap_seconds, 0.5);
  const double quiet_p50 = Percentile(quiet, 0.5), quiet_p99 = Percentile(quiet, 0.99);
  const double during_p50 = Percentile(during, 0.5), during_p99 = Percentile(during, 0.99);
  std::printf("knowledge base: %s, %zu entries, %zu questions; %d rebuilds, %d askers\n",
              kb_dir.c_str(), kb->entries.size(), questions.size(), rebuilds, askers);
  std::printf("cold KnowledgeEngine::Build (baseline): median %.3f s\n", cold_med);
  std::printf("RequestRebuild -> swap (under load):    median %.3f s  (max %.3f s)  ratio %.2fx\n",
              swap_med, *std::max_element(swap_seconds.begin(), swap_seconds.end()),
              swap_med / cold_med);
  for (const auto& [name, v] :
       {std::pair{"answer edited", &answer_edits}, std::pair{"phrasing added", &phrasing_edits}})
    if (!v->empty())
      std::printf("  %-15s %zu rebuilds, median %.3f s  ratio %.2fx\n", name, v->size(),
                  Percentile(*v, 0.5), Percentile(*v, 0.5) / cold_med);
  std::printf("Ask without a rebuild: %zu answers, p50 %.2f ms, p99 %.2f ms\n", quiet.size(),
              quiet_p50, quiet_p99);
  std::printf("Ask during rebuilds:   %zu answers, p50 %.2f ms, p99 %.2f ms  (p99 ratio %.2fx)\n",
              during.size(), during_p50, during_p99, during_p99 / quiet_p99);
  std::printf("empty answers: %d; generation %llu\n", empty,
              static_cast<unsigned long long>(k.generation()));
  live->reset();
  std::error_code ec;
  fs::remove_all(work, ec);
  return empty == 0 ? 0 : 1;
}
