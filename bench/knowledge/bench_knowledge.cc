// Answer quality and speed of the text assistant, each against a baseline measured in the same
// run: SQLite FTS5 with the trigram tokenizer over the same knowledge base (every phrasing,
// title and keyword as a document; the best-ranked document's topic wins).
//
//   build/bench/knowledge/bench_knowledge [dev-questions.tsv] [kb-dir]
//
// The development questions are never used for training: the engine is built from kb/ only.
#include <sqlite3.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "knowledge/engine.h"
#include "knowledge/loader.h"
#include "text/normalizer.h"

namespace {

using zx::knowledge::KnowledgeBase;
using Clock = std::chrono::steady_clock;

struct Question {
  std::string topic, text;
};

std::vector<Question> ReadQuestions(const std::string& path) {
  std::vector<Question> out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

// Splits UTF-8 text into code points.
std::vector<std::string> Chars(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

class Fts5Baseline {
 public:
  explicit Fts5Baseline(const KnowledgeBase& kb) {
    sqlite3_open(":memory:", &db_);
    sqlite3_exec(db_,
                 "CREATE VIRTUAL TABLE docs USING fts5(topic UNINDEXED, body, "
                 "tokenize='trigram')",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* ins;
    sqlite3_prepare_v2(db_, "INSERT INTO docs VALUES (?1, ?2)", -1, &ins, nullptr);
    auto add = [&](const std::string& topic, const std::string& body) {
      sqlite3_bind_text(ins, 1, topic.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 2, body.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    };
    for (const auto& e : kb.entries) {
      for (const auto& p : e.phrasings) add(e.id, p);
      std::string about = e.title;
      for (const auto* l : {&e.keywords, &e.synonyms, &e.colloquial})
        for (const auto& w : *l) about += " " + w;
      add(e.id, about);
    }
    sqlite3_finalize(ins);
    sqlite3_prepare_v2(db_,
                       "SELECT topic FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs) "
                       "LIMIT 1",
                       -1, &query_, nullptr);
  }
  ~Fts5Baseline() {
    sqlite3_finalize(query_);
    sqlite3_close(db_);
  }
  // FTS5's plain use: the question as the query string (with the trigram tokenizer, a
  // substring search for the whole question).
  std::string TopPlain(const std::string& question) {
    std::string q = question;
    for (char& c : q)
      if (c == '"') c = ' ';
    return Run("\"" + q + "\"");
  }

  // The best document's topic, or "" when nothing matches.
  std::string Top(const std::string& question) {
    auto chars = Chars(question);
    std::string match;
    for (size_t i = 0; i + 3 <= chars.size(); ++i) {
      std::string tri = chars[i] + chars[i + 1] + chars[i + 2];
      if (tri.find('"') != std::string::npos) continue;
      match += (match.empty() ? "\"" : " OR \"") + tri + "\"";
    }
    if (match.empty()) return "";
    return Run(match);
  }

 private:
  std::string Run(const std::string& match) {
    sqlite3_bind_text(query_, 1, match.c_str(), -1, SQLITE_TRANSIENT);
    std::string topic;
    if (sqlite3_step(query_) == SQLITE_ROW)
      topic = reinterpret_cast<const char*>(sqlite3_column_text(query_, 0));
    sqlite3_reset(query_);
    return topic;
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* query_ = nullptr;
};

// CPU time of this thread, in microseconds: unlike wall time it does not count waiting for a
// core, so it stays meaningful on a busy machine.
double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
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
  Fts5Baseline baseline(*kb);
  auto work = std::filesystem::temp_directory_path() / "zx-bench-knowledge";
  zx::knowledge::EngineOptions options;
  options.work_dir = work.string();
  options.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
  auto t0 = Clock::now();
  auto engine = zx::knowledge::KnowledgeEngine::Build(*kb, options);
  double build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!engine.ok()) {
    std::cerr << engine.status().ToString() << "\n";
    return 1;
  }
  const auto& entries = (*engine)->knowledge_base().entries;

  // Accuracy.
  int top1 = 0, answered = 0, answered_right = 0, confident_wrong = 0, fts_right = 0,
      plain_right = 0;
  constexpr double kHighConfidence = 0.8;
  std::map<std::string, int> misses;
  for (const auto& q : questions) {
    auto ranked = (*engine)->Rank(q.text);
    std::string best = ranked.empty() ? "" : entries[ranked[0].topic].id;
    top1 += best == q.topic;
    auto a = (*engine)->Ask(q.text);
    if (a.topic) {
      ++answered;
      answered_right += *a.topic == q.topic;
      if (*a.topic != q.topic && a.confidence >= kHighConfidence) ++confident_wrong;
    }
    if (best != q.topic && std::getenv("ZX_BENCH_VERBOSE"))
      std::cerr << "miss: " << q.topic << " -> " << best << " ("
                << (ranked.empty() ? 0 : ranked[0].confidence) << ") " << q.text << "\n";
    fts_right += baseline.Top(q.text) == q.topic;
    plain_right += baseline.TopPlain(q.text) == q.topic;
  }
  double n = static_cast<double>(questions.size());

  // Latency, in process, over several rounds of the same questions.
  std::vector<double> ours, theirs, ours_cpu, theirs_cpu;
  for (int round = 0; round < 20; ++round) {
    for (const auto& q : questions) {
      auto s = Clock::now();
      double c = ThreadCpuMicros();
      auto a = (*engine)->Ask(q.text);
      ours_cpu.push_back(ThreadCpuMicros() - c);
      ours.push_back(std::chrono::duration<double, std::micro>(Clock::now() - s).count());
      s = Clock::now();
      c = ThreadCpuMicros();
      auto b = baseline.Top(q.text);
      theirs_cpu.push_back(ThreadCpuMicros() - c);
      theirs.push_back(std::chrono::duration<double, std::micro>(Clock::now() - s).count());
    }
  }
  std::filesystem::remove_all(work);

  std::printf(
      "knowledge benchmark: %zu development questions, %zu topics, engine built in %.2f s\n",
      questions.size(), entries.size(), build_s);
  std::printf("%-34s %10s %10s %8s\n", "measure", "zhixian", "fts5-tri", "ratio");
  std::printf("%-34s %9.1f%% %9.1f%% %8.2f\n", "top-1 topic accuracy", 100 * top1 / n,
              100 * fts_right / n, fts_right ? static_cast<double>(top1) / fts_right : 0.0);
  std::printf("%-34s %9.1f%% %9.1f%% %8s\n", "  vs fts5 with the question as query", 100 * top1 / n,
              100 * plain_right / n, "-");
  std::printf("%-34s %9.1f%%\n", "answered (not asked back)", 100 * answered / n);
  std::printf("%-34s %9.1f%%\n", "right when answered",
              answered ? 100.0 * answered_right / answered : 0.0);
  std::printf("%-34s %9.1f%%\n", "wrong at confidence >= 0.8", 100 * confident_wrong / n);
  std::printf("%-34s %9.1f%%\n", "wrong answers (not asked back)",
              100 * (answered - answered_right) / n);
  double p50 = Percentile(ours, 0.5), p99 = Percentile(ours, 0.99);
  double b50 = Percentile(theirs, 0.5), b99 = Percentile(theirs, 0.99);
  std::printf("%-34s %8.0fus %8.0fus %8.2f\n", "answer latency p50", p50, b50, p50 / b50);
  std::printf("%-34s %8.0fus %8.0fus %8.2f\n", "answer latency p99", p99, b99, p99 / b99);
  double c50 = Percentile(ours_cpu, 0.5), c99 = Percentile(ours_cpu, 0.99);
  double d50 = Percentile(theirs_cpu, 0.5), d99 = Percentile(theirs_cpu, 0.99);
  std::printf("%-34s %8.0fus %8.0fus %8.2f\n", "answer cpu time p50", c50, d50, c50 / d50);
  std::printf("%-34s %8.0fus %8.0fus %8.2f\n", "answer cpu time p99", c99, d99, c99 / d99);
  return 0;
}
