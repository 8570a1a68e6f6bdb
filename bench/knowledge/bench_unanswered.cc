// Unanswered questions (knowledge/answer_log.h), each against a baseline in the same run:
//   1. clustering quality: pairwise precision, recall and F1 of QuestionClusters on labelled
//      paraphrases (traditional/simplified, homophone typos, other words; an empty group is a
//      question that must stay alone), against exact-match grouping after normalisation (the
//      same text once t2s, width, case, punctuation and spaces are folded);
//   2. the cost of recording per answer (AnswerLog::Record, what the answering thread pays)
//      against KnowledgeEngine::Ask on the same questions, and the writer's cost per question
//      (mask, seal, cluster, write) off that thread.
//
//   build/bench/knowledge/bench_unanswered [labelled.tsv] [kb-dir]
//   (defaults: bench/knowledge/unanswered_questions.tsv, kb; run from the repository root)
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "knowledge/answer_log.h"
#include "knowledge/engine.h"
#include "knowledge/loader.h"
#include "knowledge/question_clusters.h"
#include "security/keys.h"
#include "storage/database.h"
#include "text/normalizer.h"

namespace {

using namespace zx;
using Steady = std::chrono::steady_clock;

struct Labelled {
  std::string group, text;
};

std::vector<Labelled> Read(const std::string& path) {
  std::vector<Labelled> out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  int alone = 0;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string group = line.substr(0, tab);
    if (group.empty()) group = "#alone" + std::to_string(alone++);
    out.push_back({group, line.substr(tab + 1)});
  }
  return out;
}

struct Scores {
  double precision = 0, recall = 0, f1 = 0;
  size_t clusters = 0;
};

Scores Pairwise(const std::vector<Labelled>& qs, const std::vector<std::string>& cluster) {
  long tp = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < qs.size(); ++i)
    for (size_t j = i + 1; j < qs.size(); ++j) {
      bool same = qs[i].group == qs[j].group, together = cluster[i] == cluster[j];
      tp += same && together;
      fp += !same && together;
      fn += same && !together;
    }
  Scores s;
  s.precision = tp + fp ? static_cast<double>(tp) / (tp + fp) : 1;
  s.recall = tp + fn ? static_cast<double>(tp) / (tp + fn) : 1;
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
  s.clusters = std::set<std::string>(cluster.begin(), cluster.end()).size();
  return s;
}

// Letters and digits of the normalised text: what exact matching compares.
std::string Folded(const text::Normalizer& n, const std::string& s) {
  std::string norm = n.Normalize(s), out;
  for (size_t i = 0; i < norm.size();) {
    unsigned char c = norm[i];
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (len > 1 || std::isalnum(c)) out += norm.substr(i, len);
    i += len;
  }
  return out;
}

void Print(const char* name, const Scores& s) {
  std::printf("  %-34s P %.3f  R %.3f  F1 %.3f  clusters %zu\n", name, s.precision, s.recall, s.f1,
              s.clusters);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string labelled = argc > 1 ? argv[1] : "bench/knowledge/unanswered_questions.tsv";
  const std::string kb_dir = argc > 2 ? argv[2] : "kb";
  std::vector<Labelled> qs = Read(labelled);
  if (qs.empty()) {
    std::cerr << "no questions in " << labelled << "\n";
    return 2;
  }
  std::shared_ptr<const text::Normalizer> norm = text::Normalizer::Create().value();
  auto normalize = [norm](std::string_view s) { return norm->Normalize(s); };
  std::set<std::string> groups;
  for (const auto& q : qs) groups.insert(q.group);
  std::printf("clustering: %zu questions in %zu groups (%s)\n", qs.size(), groups.size(),
              labelled.c_str());

  // Baseline: exact match after normalisation.
  std::vector<std::string> exact;
  for (const auto& q : qs) exact.push_back(Folded(*norm, q.text));
  Scores base = Pairwise(qs, exact);
  Print("baseline exact after normalising", base);

  // The knowledge base's phrasings: the background of the IDF, as AnswerLog has it.
  auto kb = knowledge::LoadKnowledgeBase(kb_dir);
  if (!kb.ok()) {
    std::cerr << kb.status().ToString() << "\n";
    return 1;
  }
  const std::vector<std::string> background = knowledge::BackgroundQuestions(*kb);
  auto run = [&](knowledge::ClusterOptions o, bool with_background = true) {
    knowledge::QuestionClusters clusters(o, normalize);
    if (with_background)
      for (const auto& text : background) clusters.Observe(text);
    std::vector<std::string> placed;
    for (size_t i = 0; i < qs.size(); ++i)
      placed.push_back(clusters.Place(std::to_string(i), qs[i].text, "c" + std::to_string(i)));
    return Pairwise(qs, placed);
  };
  knowledge::ClusterOptions defaults;
  Scores ours = run(defaults);
  Print("QuestionClusters (defaults)", ours);
  Print("  ablation: no background IDF", run(defaults, false));
  knowledge::ClusterOptions plain = defaults;
  plain.pinyin_weight = 0;
  plain.unigram_weight = 0;
  Print("  ablation: bigrams only", run(plain));
  knowledge::ClusterOptions no_pinyin = defaults;
  no_pinyin.pinyin_weight = 0;
  Print("  ablation: no pinyin bigrams", run(no_pinyin));
  for (double t : {0.15, 0.25, 0.3, 0.4}) {
    knowledge::ClusterOptions o = defaults;
    o.threshold = t;
    char name[64];
    std::snprintf(name, sizeof name, "  threshold %.2f", t);
    Print(name, run(o));
  }
  std::printf("F1 ratio ours/baseline: %.2f\n\n", base.f1 > 0 ? ours.f1 / base.f1 : 0);

  // Cost of recording against the cost of answering.
  auto work = std::filesystem::temp_directory_path() / "zx-bench-unanswered";
  knowledge::EngineOptions eo;
  eo.work_dir = (work / "index").string();
  eo.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
  auto engine = knowledge::KnowledgeEngine::Build(std::move(kb).value(), eo);
  if (!engine.ok()) {
    std::cerr << engine.status().ToString() << "\n";
    return 1;
  }
  std::vector<knowledge::Answer> answers;
  const int rounds = 20;
  auto t0 = Steady::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& q : qs) {
      knowledge::Answer a = (*engine)->Ask(q.text);
      if (r == 0) answers.push_back(std::move(a));
    }
  double ask_ns =
      std::chrono::duration<double, std::nano>(Steady::now() - t0).count() / (rounds * qs.size());

  std::filesystem::create_directories(work);
  auto db = storage::Database::Open((work / "answers.db").string()).value();
  SystemClock& clock = SystemClock::Instance();
  auto cipher = std::make_shared<security::FieldCipher>(
      std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock)));
  knowledge::AnswerLogOptions lo;
  lo.flush_every = std::chrono::hours(1);  // flushed below, timed on its own
  lo.max_pending = rounds * qs.size();
  lo.normalize = normalize;
  lo.background = background;
  auto log = knowledge::AnswerLog::Open(*db, cipher, clock, lo).value();
  int unanswered = 0;
  t0 = Steady::now();
  for (int r = 0; r < rounds; ++r)
    for (size_t i = 0; i < qs.size(); ++i) {
      const knowledge::Answer& a = answers[i];
      knowledge::AskedQuestion q{qs[i].text, "api",        "",
                                 a.topic,    a.confidence, log->Judge(a.topic, a.confidence)};
      unanswered += q.unanswered.empty() ? 0 : 1;
      log->Record(std::move(q));
    }
  double record_ns =
      std::chrono::duration<double, std::nano>(Steady::now() - t0).count() / (rounds * qs.size());
  t0 = Steady::now();
  if (auto s = log->Flush(); !s.ok()) std::cerr << s.ToString() << "\n";
  double flush_us = std::chrono::duration<double, std::micro>(Steady::now() - t0).count() /
                    std::max(1, unanswered);
  std::printf("recording: %zu answers x %d rounds, %d unanswered\n", qs.size(), rounds, unanswered);
  std::printf("  KnowledgeEngine::Ask           %10.0f ns per question (baseline)\n", ask_ns);
  std::printf("  AnswerLog::Record              %10.0f ns per answer\n", record_ns);
  std::printf("  Record / Ask                   %10.4f\n", record_ns / ask_ns);
  std::printf("  writer (off the answer path)   %10.1f us per unanswered question\n", flush_us);
  log.reset();
  db.reset();
  std::filesystem::remove_all(work);
  return 0;
}
