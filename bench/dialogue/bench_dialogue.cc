// Dialogue turn latency, in process, over a mix of scripted conversations (calculators over
// several turns with corrections and follow-ups, FAQ questions with context follow-ups, turns with
// emotions, a handover), against a baseline measured in the same run: the bare knowledge engine's
// Ask on the same citizen lines. Also the time from End() to the seven-element summary being
// stored.
//
//   build-dlg/bench/dialogue/bench_dialogue [kb-dir] [rounds] [postgresql-url]
//
// The conversations are stored in an SQLite file (WAL), as `zhixian serve` does. Bars (issue 4):
// a dialogue turn p99 under 3 ms; the summary stored within 50 ms of the end.
//
// With a PostgreSQL URL (a server on this machine, e.g. scripts/pg_test_cluster.sh), the same
// mix then runs on a fresh SQLite file and on a fresh schema of that database, one after the
// other in this run, and the CPU time per turn is compared (issue 15's bar: PostgreSQL, node
// and database together, at most 2x SQLite): the node's is this process's CPU time (every
// thread), the database's that of every `postgres` process on the machine. Then turns per
// second (wall clock) with one node and with two running the mix at once on each engine.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "dialogue/service.h"
#include "knowledge/engine.h"
#include "knowledge/loader.h"
#include "storage/database.h"
#include "storage/testing/test_database.h"

namespace {

using Steady = std::chrono::steady_clock;

struct Conversation {
  const char* kind;  // calculator | faq | emotion
  std::vector<std::string> lines;
};

// The mix: what a hotline hears in a day, in small.
const std::vector<Conversation>& Mix() {
  static const std::vector<Conversation> mix = {
      {"calculator",
       {"三级医院住院两万，甲类一万五", "乙类四千", "那要是临时外出备案了呢", "不对，是二级医院",
        "谢谢"}},
      {"calculator", {"住院费用医保能报销多少？", "三级的", "15000", "4000"}},
      {"calculator",
       {"被公司辞退了，经济补偿怎么算", "我月工资6000", "干了三年七个月", "那违法辞退呢？"}},
      {"calculator",
       {"加班费怎么算？", "4350", "工作日加了10小时，周末加了8小时，国庆节加了8小时"}},
      {"calculator", {"延迟退休以后我哪年退休", "八零年一月", "男的"}},
      {"calculator", {"灵活就业人员交养老保险一个月要交多少", "3000", "那按最高档呢"}},
      {"calculator", {"失业保险交了三年，失业金能领几个月？", "那要是交了十年呢"}},
      {"calculator", {"工伤鉴定为七级伤残，我工资5000，一次性伤残补助金有多少", "那要是十级呢"}},
      {"faq", {"领失业金需要什么条件", "那怎么申请呢？", "好的，谢谢"}},
      {"faq", {"居住证需要什么条件", "那失业金呢？", "没听清，你再说一遍"}},
      {"faq", {"社保卡丢了怎么办", "公积金怎么提取", "小区门口垃圾好几天没人清运，在东城区"}},
      {"faq", {"异地就医备案怎么办", "新生儿怎么参加医保", "个人所得税专项附加扣除怎么确认"}},
      {"emotion", {"我很着急，社保卡丢了怎么办", "我很失望，上次说好的也没办", "唉，低保怎么申请"}},
      {"emotion", {"我很生气，补办社保卡要多久", "对处理结果不太满意", "太好了，谢谢你"}},
      {"emotion", {"有点害怕，社保卡丢了会不会被人冒用", "我都第三次打电话了，你们到底管不管！"}},
      {"emotion", {"我要转人工", "我的问题是社保卡丢了，麻烦尽快"}},
  };
  return mix;
}

double Us(Steady::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// CPU time of the calling thread, in microseconds: what the turn itself costs, without the time
// spent waiting for a core on a busy machine.
double ThreadCpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// One measured call: wall and CPU microseconds.
struct Sample {
  double wall = 0, cpu = 0;
};
template <typename F>
Sample Measure(F&& f) {
  double c0 = ThreadCpuUs();
  auto t0 = Steady::now();
  f();
  Sample s{Us(Steady::now() - t0), 0};
  s.cpu = ThreadCpuUs() - c0;
  return s;
}

struct Series {
  std::vector<double> wall, cpu;
  void Add(const Sample& s) {
    wall.push_back(s.wall);
    cpu.push_back(s.cpu);
  }
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// CPU time of this process (every thread), in microseconds.
double ProcessCpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// CPU time of every process named `postgres` on this machine, in microseconds (/proc).
double PostgresCpuUs() {
  double ticks = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    if (stat.substr(open + 1, close - open - 1) != "postgres") continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    // After the name: state is field 3; utime and stime are fields 14 and 15.
    for (int f = 3; f <= 15 && rest >> field; ++f)
      if (f == 14 || f == 15) ticks += std::atof(field.c_str());
  }
  return ticks * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The mix, `rounds` times, on `svc`: every line said, every conversation ended. The number of
// turns, or -1 on an error.
int RunMix(zx::dialogue::DialogueService& svc, int rounds) {
  int turns = 0;
  for (int round = 0; round < rounds; ++round)
    for (const auto& c : Mix()) {
      auto started = svc.Start("bench");
      if (!started.ok()) return -1;
      bool ended = false;
      for (const auto& line : c.lines) {
        auto r = svc.Say(started->id, line);
        if (!r.ok()) return -1;
        ended |= r->done;
        ++turns;
      }
      if (!ended && !svc.End(started->id).ok()) return -1;
    }
  return turns;
}

// CPU per turn of the mix on SQLite and on PostgreSQL, in this run (see the top).
int CompareEngines(const std::string& pg_url, const zx::knowledge::KnowledgeEngine& eng,
                   const zx::dialogue::DialogueOptions& o, const std::filesystem::path& work,
                   int rounds) {
  std::string schema = "bench" + std::to_string(getpid());
  {
    auto admin = zx::storage::OpenDatabase(pg_url);
    if (!admin.ok() || !(*admin)->Exec("CREATE SCHEMA " + schema).ok()) {
      std::cerr << "cannot make schema " << schema << " in " << pg_url << "\n";
      return 1;
    }
  }
  const std::string pg_schema_url = zx::storage::testing::PostgresSchemaUrl(pg_url, schema);
  struct Run {
    const char* name;
    std::string where;
    double node_us = 0, db_us = 0;
    int turns = 0;
  };
  std::vector<Run> runs = {{"SQLite", (work / "engines.db").string()},
                           {"PostgreSQL", pg_schema_url}};
  for (Run& run : runs) {
    auto db = zx::storage::OpenDatabase(run.where);
    if (!db.ok()) {
      std::cerr << run.name << ": " << db.status().ToString() << "\n";
      return 1;
    }
    auto svc = zx::dialogue::DialogueService::Create(**db, eng, eng.knowledge_base(), o,
                                                     zx::SystemClock::Instance());
    if (!svc.ok() || RunMix(**svc, 1) < 0) {  // warm-up, not counted
      std::cerr << run.name << ": the warm-up failed\n";
      return 1;
    }
    double node0 = ProcessCpuUs(), db0 = PostgresCpuUs();
    run.turns = RunMix(**svc, rounds);
    run.node_us = ProcessCpuUs() - node0;
    run.db_us = PostgresCpuUs() - db0;
    if (run.turns <= 0) {
      std::cerr << run.name << ": a turn failed\n";
      return 1;
    }
  }
  std::printf("\nengines: the mix x %d rounds on each, CPU per turn (us)\n", rounds);
  std::printf("%-12s %7s %10s %10s %10s\n", "engine", "turns", "node", "database", "total");
  for (const Run& run : runs)
    std::printf("%-12s %7d %10.0f %10.0f %10.0f\n", run.name, run.turns, run.node_us / run.turns,
                run.db_us / run.turns, (run.node_us + run.db_us) / run.turns);
  const double sqlite = (runs[0].node_us + runs[0].db_us) / runs[0].turns;
  const double pg = (runs[1].node_us + runs[1].db_us) / runs[1].turns;
  std::printf("ratio PostgreSQL / SQLite (total CPU per turn): %.2f; bar <= 2: %s\n", pg / sqlite,
              pg / sqlite <= 2 ? "pass" : "FAIL");

  // Turns per second with one node and with two on the same database, each node its own
  // connections and dialogue service running the mix in a thread of its own: where the one
  // write lock (and this machine's cores) let two nodes go.
  std::printf("\nthroughput: the mix x %d rounds per node, wall clock\n", rounds);
  std::printf("%-12s %6s %10s %9s\n", "engine", "nodes", "turns/s", "vs base");
  double base = 0;
  for (const Run& run : runs) {
    for (int nodes : {1, 2}) {
      std::vector<std::unique_ptr<zx::storage::Database>> dbs;
      std::vector<std::unique_ptr<zx::dialogue::DialogueService>> services;
      for (int i = 0; i < nodes; ++i) {
        auto db = zx::storage::OpenDatabase(run.where);
        if (!db.ok()) return 1;
        auto svc = zx::dialogue::DialogueService::Create(**db, eng, eng.knowledge_base(), o,
                                                         zx::SystemClock::Instance());
        if (!svc.ok()) return 1;
        dbs.push_back(std::move(*db));
        services.push_back(std::move(*svc));
      }
      std::vector<int> turns(nodes);
      const auto start = std::chrono::steady_clock::now();
      std::vector<std::thread> threads;
      for (int i = 0; i < nodes; ++i)
        threads.emplace_back([&, i] { turns[i] = RunMix(*services[i], rounds); });
      for (auto& t : threads) t.join();
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      int total = 0;
      for (int n : turns) {
        if (n <= 0) {
          std::cerr << run.name << ": a turn failed with " << nodes << " nodes\n";
          return 1;
        }
        total += n;
      }
      const double per_s = total / s;
      if (base == 0) base = per_s;
      std::printf("%-12s %6d %10.0f %9.2f\n", run.name, nodes, per_s, per_s / base);
    }
  }
  auto admin = zx::storage::OpenDatabase(pg_url);
  if (admin.ok()) (void)(*admin)->Exec("DROP SCHEMA " + schema + " CASCADE");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string kb_dir = argc > 1 ? argv[1] : "kb";
  int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 30;
  const std::string pg_url = argc > 3 ? argv[3] : "";

  auto kb = zx::knowledge::LoadKnowledgeBase(kb_dir);
  if (!kb.ok()) {
    std::cerr << kb.status().ToString() << "\n";
    return 2;
  }
  auto work =
      std::filesystem::temp_directory_path() / ("zx-bench-dialogue-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  zx::knowledge::EngineOptions eo;
  eo.work_dir = (work / "index").string();
  eo.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
  auto engine = zx::knowledge::KnowledgeEngine::Build(std::move(kb).value(), eo);
  if (!engine.ok()) {
    std::cerr << engine.status().ToString() << "\n";
    return 1;
  }
  auto db = zx::storage::Database::Open((work / "zhixian.db").string());
  if (!db.ok()) {
    std::cerr << db.status().ToString() << "\n";
    return 1;
  }
  zx::dialogue::DialogueOptions o;
  o.flows_dir = kb_dir + "/flows";
  o.emotions_file = kb_dir + "/emotions.toml";
  o.risks_file = kb_dir + "/risks.toml";
  o.rules_file = kb_dir + "/dialogue.toml";
  o.districts_file = kb_dir + "/districts.tsv";
  auto service = zx::dialogue::DialogueService::Create(**db, **engine, (*engine)->knowledge_base(),
                                                       o, zx::SystemClock::Instance());
  if (!service.ok()) {
    std::cerr << service.status().ToString() << "\n";
    return 1;
  }
  auto& svc = **service;
  const auto& eng = **engine;

  std::map<std::string, Series> turn_by_kind, ask_by_kind;
  Series turns, asks, summaries;
  std::map<std::string, std::vector<double>> cpu_by_line;
  int handoffs = 0, errors = 0;
  // Round 0 warms caches and is not counted.
  for (int round = 0; round <= rounds; ++round) {
    for (const auto& c : Mix()) {
      auto started = svc.Start("bench");
      if (!started.ok()) {
        ++errors;
        continue;
      }
      const std::string id = started->id;
      bool ended = false;
      for (const auto& line : c.lines) {
        zx::Result<zx::dialogue::Reply> r = zx::Internal("not run");
        Sample ours = Measure([&] { r = svc.Say(id, line); });
        Sample base = Measure([&] { (void)eng.Ask(line); });
        if (!r.ok()) {
          ++errors;
          continue;
        }
        if (round == 0) continue;
        turns.Add(ours);
        asks.Add(base);
        turn_by_kind[c.kind].Add(ours);
        cpu_by_line[line].push_back(ours.cpu);
        ask_by_kind[c.kind].Add(base);
        handoffs += r->handoff;
        ended |= r->done;
      }
      if (ended) continue;  // goodbye: the summary was stored within the turn
      zx::Result<zx::dialogue::Summary> s = zx::Internal("not run");
      Sample end = Measure([&] { s = svc.End(id); });
      // End() returns once the summary is stored; check that it is there.
      auto v = svc.Get(id);
      if (!s.ok() || !v.ok() || !v->summary) {
        ++errors;
        continue;
      }
      if (round > 0) summaries.Add(end);
    }
  }

  std::printf(
      "dialogue benchmark: %zu conversations x %d rounds, %zu turns, %zu summaries, "
      "SQLite file database (WAL)\n",
      Mix().size(), rounds, turns.wall.size(), summaries.wall.size());
  std::printf("%-32s %11s %11s %8s\n", "measure", "dialogue", "ask-only", "ratio");
  auto row = [](const std::string& name, const std::vector<double>& ours,
                const std::vector<double>& base, double p) {
    double a = Percentile(ours, p), b = Percentile(base, p);
    std::printf("%-32s %9.0fus %9.0fus %8.2f\n", name.c_str(), a, b, b > 0 ? a / b : 0.0);
  };
  row("turn p50 (wall)", turns.wall, asks.wall, 0.5);
  row("turn p99 (wall)", turns.wall, asks.wall, 0.99);
  row("turn p50 (cpu)", turns.cpu, asks.cpu, 0.5);
  row("turn p99 (cpu)", turns.cpu, asks.cpu, 0.99);
  for (auto& [kind, v] : turn_by_kind) {
    row("  " + kind + " p50 (wall)", v.wall, ask_by_kind[kind].wall, 0.5);
    row("  " + kind + " p99 (wall)", v.wall, ask_by_kind[kind].wall, 0.99);
  }
  auto single = [](const std::string& name, const std::vector<double>& v, double p) {
    std::printf("%-32s %9.0fus\n", name.c_str(), Percentile(v, p));
  };
  single("End() to summary stored p50", summaries.wall, 0.5);
  single("End() to summary stored p99", summaries.wall, 0.99);
  single("  same, cpu p99", summaries.cpu, 0.99);
  double t99 = Percentile(turns.wall, 0.99), s99 = Percentile(summaries.wall, 0.99);
  double c99 = Percentile(turns.cpu, 0.99);
  std::printf(
      "bars: turn p99 < 3 ms: wall %.2f ms %s, cpu %.2f ms %s; "
      "summary p99 < 50 ms: %.2f ms %s\n",
      t99 / 1000, t99 < 3000 ? "pass" : "FAIL", c99 / 1000, c99 < 3000 ? "pass" : "FAIL",
      s99 / 1000, s99 < 50000 ? "pass" : "FAIL");
  std::printf("handoffs %d, errors %d\n", handoffs, errors);
  // Where the time goes: the citizen lines with the highest median CPU time per turn.
  std::vector<std::pair<double, std::string>> slowest;
  for (const auto& [line, v] : cpu_by_line) slowest.push_back({Percentile(v, 0.5), line});
  std::sort(slowest.rbegin(), slowest.rend());
  std::printf("slowest lines (median cpu):");
  for (size_t i = 0; i < std::min<size_t>(3, slowest.size()); ++i)
    std::printf(" %.0fus %s;", slowest[i].first, slowest[i].second.c_str());
  std::printf("\n");
  int compared = pg_url.empty() ? 0 : CompareEngines(pg_url, eng, o, work, rounds);
  std::filesystem::remove_all(work);
  return errors || compared ? 1 : 0;
}
