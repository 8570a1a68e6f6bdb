// Instructions per answer, by stage, for callgrind (repeatable, unlike time on a shared machine):
// builds the engine from kb/, asks every development question once to warm up, then once more
// inside AskAll, the only function callgrind collects.
//
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*AskAll*'
//       --callgrind-out-file=answer.cg build/bench/knowledge/bench_answer_cost DEV.tsv kb
//   callgrind_annotate --inclusive=yes answer.cg | head -40
//
// Without valgrind it prints the CPU time per answer (p50/p99 over 20 rounds).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "knowledge/engine.h"
#include "knowledge/loader.h"

namespace {

std::vector<std::string> ReadQuestions(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    auto end = line.find('\t', tab + 1);
    out.push_back(line.substr(tab + 1, end == std::string::npos ? end : end - tab - 1));
  }
  return out;
}

double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// What callgrind measures: one answer to every question.
__attribute__((noinline)) size_t AskAll(const zx::knowledge::KnowledgeEngine& engine,
                                        const std::vector<std::string>& questions) {
  size_t n = 0;
  for (const auto& q : questions) n += engine.Ask(q).text.size();
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dev = argc > 1 ? argv[1] : "../shared/spec/dev-questions.tsv";
  std::string kb_dir = argc > 2 ? argv[2] : "kb";
  auto questions = ReadQuestions(dev);
  auto kb = zx::knowledge::LoadKnowledgeBase(kb_dir);
  if (questions.empty() || !kb.ok()) {
    std::cerr << "usage: bench_answer_cost DEV.tsv KB_DIR\n";
    return 2;
  }
  zx::knowledge::EngineOptions options;
  // Kept between runs: the classifier is then loaded, not trained again.
  options.work_dir = (std::filesystem::temp_directory_path() / "zx-bench-answer-cost").string();
  options.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
  auto engine = zx::knowledge::KnowledgeEngine::Build(std::move(kb).value(), options);
  if (!engine.ok()) {
    std::cerr << engine.status().ToString() << "\n";
    return 1;
  }
  size_t warm = AskAll(**engine, questions);
  size_t measured = AskAll(**engine, questions);
  if (warm != measured) return 1;
  if (std::getenv("ZX_BENCH_ROUNDS") != nullptr || argc > 3) {
    std::vector<double> cpu;
    for (int round = 0; round < 20; ++round)
      for (const auto& q : questions) {
        double c = ThreadCpuMicros();
        (void)(*engine)->Ask(q);
        cpu.push_back(ThreadCpuMicros() - c);
      }
    std::sort(cpu.begin(), cpu.end());
    std::printf("%zu questions x 20: cpu per answer p50 %.0f us, p99 %.0f us\n", questions.size(),
                cpu[cpu.size() / 2], cpu[cpu.size() * 99 / 100]);
  } else {
    std::printf("%zu questions answered\n", questions.size());
  }
  return 0;
}
