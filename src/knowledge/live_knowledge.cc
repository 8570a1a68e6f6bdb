#include "knowledge/live_knowledge.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "base/china_date.h"
#include "base/log.h"

namespace zx::knowledge {
namespace {

namespace fs = std::filesystem;

constexpr char kDirPrefix[] = "engine-";
// A failed build is not tried again by Tick sooner than this: a broken knowledge base would
// otherwise cost a build every few seconds.
constexpr int64_t kRetryMs = 60'000;

int64_t MonotonicMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Monotonic().time_since_epoch())
      .count();
}

// Tells this process's directories from those of an earlier process that had the same pid
// (a container restarts its server as the same pid).
const std::string& ProcessNonce() {
  static const std::string nonce = [] {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx",
                  static_cast<unsigned long long>(
                      std::chrono::system_clock::now().time_since_epoch().count()));
    return std::string(buf);
  }();
  return nonce;
}

// engine-<pid>-<nonce>-<n>, unique within the process whatever the number of instances.
std::string NewDirName() {
  static std::atomic<uint64_t> counter{0};
  return kDirPrefix + std::to_string(::getpid()) + "-" + ProcessNonce() + "-" +
         std::to_string(++counter);
}

}  // namespace

LiveKnowledge::LiveKnowledge(Source source, EngineOptions options, const Clock& clock,
                             NextChange next_change)
    : source_(std::move(source)),
      options_(std::move(options)),
      clock_(clock),
      next_change_(std::move(next_change)),
      worker_("zx-kb-build") {}

Result<std::unique_ptr<LiveKnowledge>> LiveKnowledge::Open(Source source, EngineOptions options,
                                                           const Clock& clock,
                                                           NextChange next_change) {
  if (!source) return InvalidArgument("the knowledge engine needs a knowledge base source");
  // Models kept across restarts (classifier.h): a server started again after a kill or an
  // upgrade, or a command beside it, loads one instead of training for seconds.
  if (options.model_dir.empty())
    options.model_dir = (fs::path(options.work_dir) / "classifier-model").string();
  std::unique_ptr<LiveKnowledge> live(
      new LiveKnowledge(std::move(source), std::move(options), clock, std::move(next_change)));
  std::error_code ec;
  fs::create_directories(live->options_.work_dir, ec);
  if (ec)
    return Unavailable("cannot create index directory " + live->options_.work_dir + ": " +
                       ec.message());
  live->RemoveStaleDirectories();
  const std::string date = LocalDate(clock);
  ZX_ASSIGN_OR_RETURN(Built built, live->BuildFor(date));
  live->Install(std::move(built), date);
  return live;
}

LiveKnowledge::~LiveKnowledge() {
  stopping_ = true;  // a build still queued is skipped
  worker_.Stop();
}

std::string LiveKnowledge::LocalDate(const Clock& clock) {
  return ChinaDate(clock.NowUnixMillis());
}

Result<LiveKnowledge::Built> LiveKnowledge::BuildFor(const std::string& date) {
  ZX_ASSIGN_OR_RETURN(KnowledgeBase kb, source_(date));
  const std::string dir = (fs::path(options_.work_dir) / NewDirName()).string();
  // The classifier loads a model kept in options_.model_dir for the same training text (most
  // publishes change an answer, not a phrasing) instead of training again (classifier.h).
  // The directory goes with the engine: when the last request, turn or snapshot holding it
  // lets go, on that thread (a few milliseconds of unlinking).
  ZX_ASSIGN_OR_RETURN(std::shared_ptr<const KnowledgeEngine> engine,
                      KnowledgeEngine::BuildInOwnDirectory(std::move(kb), options_, dir));
  return Built{std::move(engine)};
}

void LiveKnowledge::Install(Built built, const std::string& date) {
  const size_t entries = built.engine->knowledge_base().entries.size();
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    engine_.swap(built.engine);  // the old one is released below, outside the lock
    generation = ++generation_;
    date_ = date;
    if (generation_gauge_) generation_gauge_->Set(static_cast<double>(generation));
  }
  log::Info("kb.swapped generation={} date={} entries={}", generation, date, entries);
}

void LiveKnowledge::RequestRebuild() {
  {
    std::lock_guard lock(mu_);
    if (queued_) return;  // the one waiting to start will read the newest knowledge base
    queued_ = true;
  }
  if (!worker_.Post([this] { Rebuild(); })) {
    std::lock_guard lock(mu_);
    queued_ = false;
  }
}

void LiveKnowledge::Rebuild() {
  {
    std::lock_guard lock(mu_);
    queued_ = false;
    building_ = true;
  }
  if (stopping_) {
    std::lock_guard lock(mu_);
    building_ = false;
    return;
  }
  const std::string date = LocalDate(clock_);
  const auto started = std::chrono::steady_clock::now();
  auto built = BuildFor(date);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!built.ok()) {
    ++failures_;
    std::lock_guard lock(mu_);
    building_ = false;
    if (failures_counter_) failures_counter_->Inc();
    log::Warn(
        "kb.rebuild_failed date={} error=\"{}\" fix=\"the engine in service keeps "
        "answering; correct the knowledge base and publish again\"",
        date, built.status().message());
    return;
  }
  Install(std::move(built).value(), date);
  std::lock_guard lock(mu_);
  building_ = false;
  if (seconds_gauge_) seconds_gauge_->Set(seconds);
  if (rebuilds_) rebuilds_->Inc();
}

void LiveKnowledge::Tick() {
  const std::string today = LocalDate(clock_);
  const int64_t now = MonotonicMs(clock_);
  std::string stands_for;
  {
    std::lock_guard lock(mu_);
    // "YYYY-MM-DD" compares as dates do.
    if (today <= date_ || queued_ || building_ || now < retry_after_ms_) return;
    retry_after_ms_ = now + kRetryMs;
    stands_for = date_;
  }
  if (next_change_) {
    auto next = next_change_(stands_for);
    if (next.ok() && (next->empty() || *next > today)) {
      // Nothing takes effect by today: the knowledge base as of today is the one in service.
      std::lock_guard lock(mu_);
      if (date_ == stands_for) date_ = today;
      retry_after_ms_ = 0;
      return;
    }
  }
  log::Info("kb.new_day date={} was={}", today, stands_for);
  RequestRebuild();
}

void LiveKnowledge::ScheduleOn(Worker& worker, std::chrono::milliseconds period) {
  worker.Every(
      period, [this] { Tick(); }, period);
}

void LiveKnowledge::WaitIdle() { worker_.Flush(); }

void LiveKnowledge::AttachMetrics(Metrics& metrics) {
  std::lock_guard lock(mu_);
  generation_gauge_ =
      &metrics.AddGauge("zhixian_kb_generation", "The knowledge engine in service (1 at start).")
           .With({});
  seconds_gauge_ = &metrics
                        .AddGauge("zhixian_kb_rebuild_seconds",
                                  "Seconds the last background rebuild of the engine took.")
                        .With({});
  rebuilds_ =
      &metrics.AddCounter("zhixian_kb_rebuilds_total", "Engines rebuilt and swapped in.").With({});
  failures_counter_ = &metrics
                           .AddCounter("zhixian_kb_rebuild_failures_total",
                                       "Rebuilds that failed (the engine in service stayed).")
                           .With({});
  generation_gauge_->Set(static_cast<double>(generation_));
}

std::shared_ptr<const KnowledgeEngine> LiveKnowledge::Current() const {
  std::lock_guard lock(mu_);
  return engine_;
}

KnowledgeSnapshot LiveKnowledge::Snapshot() const {
  std::shared_ptr<const KnowledgeEngine> engine;
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    engine = engine_;
    generation = generation_;
  }
  const KnowledgeBase* kb = &engine->knowledge_base();
  return KnowledgeSnapshot{engine, std::shared_ptr<const KnowledgeBase>(engine, kb), generation};
}

SnapshotSource LiveKnowledge::Snapshots() const {
  return [this] { return Snapshot(); };
}

Answer LiveKnowledge::Ask(std::string_view question) const { return Current()->Ask(question); }

std::vector<TopicSuggestion> LiveKnowledge::Suggest(std::string_view question, int n) const {
  return Current()->Suggest(question, n);
}

uint64_t LiveKnowledge::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

std::string LiveKnowledge::date() const {
  std::lock_guard lock(mu_);
  return date_;
}

void LiveKnowledge::RemoveStaleDirectories() const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.work_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kDirPrefix, 0) != 0) continue;
    // engine-<pid>-<nonce>-<n>: stale when its process is gone, or was an earlier one with
    // this process's pid; another live process's are left alone (`zhixian ask` beside the
    // server).
    char* rest = nullptr;
    const long pid = std::strtol(name.c_str() + sizeof kDirPrefix - 1, &rest, 10);
    if (pid <= 0 || !rest || *rest != '-') continue;
    const bool stale = pid == ::getpid()
                           ? std::string_view(rest + 1).substr(0, ProcessNonce().size() + 1) !=
                                 ProcessNonce() + "-"
                           : ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    if (!stale) continue;
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

}  // namespace zx::knowledge
