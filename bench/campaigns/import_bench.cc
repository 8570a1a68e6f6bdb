// One import of a target file, planned to the end (campaigns/target_import.h with an on_call
// sink that counts the calls, as the campaign engine would store them), timed, with the peak
// resident memory of the process. Prints one JSON line; import_bench.py compares it with the
// baselines. With --digest 1, "calls_digest" folds every field of every planned call, in order,
// and "report_digest" the report (its lists, counts and scenarios): two builds that plan the
// same calls and report the same lines print the same digests (to check that a change to the
// import changed neither). Usage: campaign_import_bench FILE [--dnc FILE] [--as-of YYYY-MM-DD]
//   [--max-listed N] (the report's lists cut at N entries; counted all the same)
//   [--partitions N] [--threads N] (ImportOptions) [--digest 1] (digests of the calls and the
//   report)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

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

// FNV-1a over the planned calls, field by field (each field's length too, so that fields
// cannot run into each other).
class Digest {
 public:
  void Add(std::string_view s) {
    Add(static_cast<uint64_t>(s.size()));
    for (char c : s) Byte(static_cast<unsigned char>(c));
  }
  void Add(uint64_t v) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<unsigned char>(v >> (8 * i)));
  }
  template <typename T>
  void Add(const std::optional<T>& v) {
    Add(uint64_t{v.has_value()});
    if (v) Add(static_cast<uint64_t>(*v));
  }
  void Add(const std::optional<zx::tickets::Date>& d) {
    Add(uint64_t{d.has_value()});
    if (d) Add(static_cast<uint64_t>(d->year * 10000 + d->month * 100 + d->day));
  }
  void Add(const zx::campaigns::PlannedCall& call) {
    using Views = std::initializer_list<std::string_view>;  // not copies of the strings
    for (std::string_view s : Views{call.id_number, call.name, call.gender, call.phone}) Add(s);
    Add(static_cast<uint64_t>(call.notices.size()));
    for (const zx::campaigns::TargetRecord& r : call.notices) {
      Add(static_cast<uint64_t>(r.line));
      for (std::string_view s :
           Views{r.name, r.gender, r.phone, r.id_number, r.scenario, r.days_overdue, r.amount_due,
                 r.deadline, r.previous_place, r.missing_materials, r.application_no}) {
        Add(s);
      }
      Add(r.days);
      Add(r.amount_fen);
      Add(r.due_by);
    }
  }
  // Everything of the report but its timings: its lists (whole unless --max-listed cut them),
  // counts and notices by scenario.
  void Add(const zx::campaigns::ImportReport& r) {
    for (size_t n :
         {r.records, r.accepted, r.people, r.calls, r.counts.rejected, r.counts.exact_duplicates,
          r.counts.normalized_duplicates, r.counts.merged, r.counts.dnc_suppressed}) {
      Add(static_cast<uint64_t>(n));
    }
    Add(static_cast<uint64_t>(r.rejected.size()));
    for (const auto& x : r.rejected) {
      Add(static_cast<uint64_t>(x.line));
      Add(std::string_view(zx::campaigns::ReasonCode(x.reason)));
      Add(x.field);
    }
    for (const auto* list : {&r.exact_duplicates, &r.normalized_duplicates}) {
      Add(static_cast<uint64_t>(list->size()));
      for (const auto& d : *list) {
        Add(static_cast<uint64_t>(d.line));
        Add(static_cast<uint64_t>(d.duplicate_of));
      }
    }
    for (const auto& [scenario, n] : r.notices_by_scenario) {
      Add(scenario);
      Add(static_cast<uint64_t>(n));
    }
    for (const auto* groups : {&r.merged, &r.dnc_suppressed}) {
      Add(static_cast<uint64_t>(groups->size()));
      for (const auto& g : *groups) {
        Add(static_cast<uint64_t>(g.lines.size()));
        for (size_t line : g.lines) Add(static_cast<uint64_t>(line));
      }
    }
  }
  uint64_t value() const { return h_; }

 private:
  void Byte(unsigned char c) { h_ = (h_ ^ c) * 0x100000001b3ull; }
  uint64_t h_ = 0xcbf29ce484222325ull;
};

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
  bool digest_calls = false;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--dnc") request.dnc_file = argv[i + 1];
    if (flag == "--as-of") request.as_of = argv[i + 1];
    if (flag == "--max-listed") request.max_listed = std::stoul(argv[i + 1]);
    if (flag == "--partitions") request.partitions = std::stoul(argv[i + 1]);
    if (flag == "--threads") request.threads = std::stoi(argv[i + 1]);
    if (flag == "--digest") digest_calls = std::string(argv[i + 1]) != "0";
  }
  size_t notices = 0, fen = 0;
  Digest digest;
  auto start = std::chrono::steady_clock::now();
  double first_call = 0;  // seconds until the first call: the first pass, about
  request.on_call = [&](zx::campaigns::PlannedCall&& call) {
    if (first_call == 0) {
      first_call = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    notices += call.notices.size();
    for (const auto& n : call.notices) fen += static_cast<size_t>(n.amount_fen.value_or(0));
    if (digest_calls) digest.Add(call);
    return zx::Status::Ok();
  };
  start = std::chrono::steady_clock::now();
  auto report = zx::campaigns::ImportTargetFile(request);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", report.status().message().c_str());
    return 2;
  }
  Digest report_digest;
  if (digest_calls) report_digest.Add(*report);
  std::printf(
      "{\"seconds\": %.4f, \"first_pass_seconds\": %.4f, \"cpu_seconds\": %.3f, "
      "\"main_thread_cpu_seconds\": %.3f, \"records\": %zu, \"accepted\": %zu, \"rejected\": %zu, "
      "\"exact_duplicates\": %zu, \"normalized_duplicates\": %zu, \"people\": %zu, "
      "\"merged\": %zu, \"calls\": %zu, \"planned_notices\": %zu, \"amount_fen\": %zu, "
      "\"format\": \"%s\", \"peak_rss_kb\": %ld, \"calls_digest\": \"%016llx\", "
      "\"report_digest\": \"%016llx\"}\n",
      seconds, first_call, CpuSeconds(RUSAGE_SELF), CpuSeconds(RUSAGE_THREAD), report->records,
      report->accepted, report->counts.rejected, report->counts.exact_duplicates,
      report->counts.normalized_duplicates, report->people, report->counts.merged, report->calls,
      notices, fen, report->format.c_str(), PeakRssKb(),
      static_cast<unsigned long long>(digest.value()),
      static_cast<unsigned long long>(report_digest.value()));
  return 0;
}
