// One import of a target file, planned to the end (campaigns/target_import.h with an on_call
// sink that counts the calls, as the campaign engine would store them), timed, with the peak
// resident memory of the process. Prints one JSON line; import_bench.py compares it with the
// baselines. Usage: campaign_import_bench FILE [--dnc FILE] [--as-of YYYY-MM-DD]
//   [--max-listed N] (the report's lists cut at N entries; counted all the same)
//   [--partitions N] [--threads N] (ImportOptions)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "campaigns/target_import.h"

namespace {

// VmHWM of /proc/self/status, in kB.
long PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// CPU seconds of this thread (the one that imports and receives the calls) and of the process.
double CpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: campaign_import_bench FILE [--dnc FILE] [--as-of DATE]\n");
    return 2;
  }
  zx::campaigns::ImportRequest request;
  request.file = argv[1];
  request.as_of = "2026-12-01";
  request.scenarios_file = std::string(ZX_SOURCE_DIR) + "/kb/campaigns/scenarios.toml";
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--dnc") request.dnc_file = argv[i + 1];
    if (flag == "--as-of") request.as_of = argv[i + 1];
    if (flag == "--max-listed") request.max_listed = std::stoul(argv[i + 1]);
    if (flag == "--partitions") request.partitions = std::stoul(argv[i + 1]);
    if (flag == "--threads") request.threads = std::stoi(argv[i + 1]);
  }
  size_t notices = 0, fen = 0;
  auto start = std::chrono::steady_clock::now();
  double first_call = 0;  // seconds until the first call: the first pass, about
  request.on_call = [&](zx::campaigns::PlannedCall&& call) {
    if (first_call == 0) {
      first_call = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    notices += call.notices.size();
    for (const auto& n : call.notices) fen += static_cast<size_t>(n.amount_fen.value_or(0));
    return zx::Status::Ok();
  };
  start = std::chrono::steady_clock::now();
  auto report = zx::campaigns::ImportTargetFile(request);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", report.status().message().c_str());
    return 2;
  }
  std::printf(
      "{\"seconds\": %.4f, \"first_pass_seconds\": %.4f, \"cpu_seconds\": %.3f, "
      "\"main_thread_cpu_seconds\": %.3f, \"records\": %zu, \"accepted\": %zu, \"rejected\": %zu, "
      "\"exact_duplicates\": %zu, \"normalized_duplicates\": %zu, \"people\": %zu, "
      "\"merged\": %zu, \"calls\": %zu, \"planned_notices\": %zu, \"amount_fen\": %zu, "
      "\"format\": \"%s\", \"peak_rss_kb\": %ld}\n",
      seconds, first_call, CpuSeconds(RUSAGE_SELF), CpuSeconds(RUSAGE_THREAD), report->records,
      report->accepted, report->counts.rejected, report->counts.exact_duplicates,
      report->counts.normalized_duplicates, report->people, report->counts.merged, report->calls,
      notices, fen, report->format.c_str(), PeakRssKb());
  return 0;
}
