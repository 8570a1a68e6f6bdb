// LiveKnowledge: the published knowledge engine, replaced without a restart. A publish (or a
// new day on which a scheduled version takes effect) rebuilds the index and the classifier on a
// background thread from the knowledge base its source gives for today's date, then swaps the
// new engine in atomically: requests in flight finish on the engine they started with, the next
// ones use the new one, none fails.
//
// Each engine builds into a directory of its own under the index directory
// ("engine-<pid>-<nonce>-<n>"), removed when the last reference to that engine goes (never
// while a request still uses it). A failed build keeps the engine in service, logs
// kb.rebuild_failed and counts zhixian_kb_rebuild_failures_total.
//
// Dates are "YYYY-MM-DD" in China Standard Time (UTC+8 all year) on the injectable Clock.
//
// Thread-safe: Current, Snapshot and Ask from any thread at any time; RequestRebuild and Tick
// from any thread (they only post work).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "base/worker.h"
#include "knowledge/engine.h"
#include "knowledge/snapshot.h"

namespace zx::knowledge {

class LiveKnowledge final : public Assistant {
 public:
  // The knowledge base citizens get on `date` (KnowledgeStore::AsOf).
  using Source = std::function<Result<KnowledgeBase>(std::string date)>;
  // The first date after `date` on which another version takes effect, "" when none
  // (KnowledgeStore::NextEffectiveAfter). Optional: without it every new day rebuilds.
  using NextChange = std::function<Result<std::string>(std::string date)>;

  // Builds the first engine, for today, before returning: start-up fails when it fails.
  // `options.work_dir` is the index directory; directories of engines left by processes that
  // are gone are removed.
  static Result<std::unique_ptr<LiveKnowledge>> Open(Source source, EngineOptions options,
                                                     const Clock& clock,
                                                     NextChange next_change = {});
  // Waits for a build in progress, then drops the engine (its directory goes with the last
  // reference).
  ~LiveKnowledge() override;

  // The engine in service. Holding it keeps it (and its files) alive.
  std::shared_ptr<const KnowledgeEngine> Current() const;
  // The engine in service as a snapshot (generation = this engine's).
  KnowledgeSnapshot Snapshot() const;
  // A source for the dialogue: each call, the snapshot in service. `this` must outlive it.
  SnapshotSource Snapshots() const;
  // Ask on the engine in service.
  Answer Ask(std::string_view question) const override;
  std::vector<TopicSuggestion> Suggest(std::string_view question, int n) const override;

  // Builds a new engine in the background and swaps it in. Requests while a build runs
  // coalesce into one more build after it; requests while one is waiting to start are that one.
  void RequestRebuild();
  // On a new day (today later than the date the engine in service stands for): rebuilds when a
  // version takes effect by today (NextChange asked once; without it, on every new day), else
  // just moves the engine's date on. Cheap: call it every few seconds. A build that failed is
  // tried again after a minute at the earliest.
  void Tick();
  // Tick every `period` on `worker` (the server's periodic jobs).
  void ScheduleOn(Worker& worker, std::chrono::milliseconds period = std::chrono::seconds(5));
  // Returns once every rebuild requested before has finished (tests, tools).
  void WaitIdle();
  // Exposes zhixian_kb_generation, zhixian_kb_rebuild_seconds (the last build's duration),
  // zhixian_kb_rebuilds_total and zhixian_kb_rebuild_failures_total. `metrics` must outlive
  // this object.
  void AttachMetrics(Metrics& metrics);

  // 1 for the first engine, one more for each engine swapped in since.
  uint64_t generation() const;
  // The date the engine in service stands for.
  std::string date() const;
  // Builds that failed since Open.
  uint64_t failures() const { return failures_.load(); }

  // Today's date in China Standard Time on `clock`.
  static std::string LocalDate(const Clock& clock);

 private:
  struct Built {
    std::shared_ptr<const KnowledgeEngine> engine;
  };
  LiveKnowledge(Source source, EngineOptions options, const Clock& clock, NextChange next_change);
  // Builds the engine for `date` in a new directory; does not swap it in.
  Result<Built> BuildFor(const std::string& date);
  // The background build: for today, swapped in on success.
  void Rebuild();
  void Install(Built built, const std::string& date);
  void RemoveStaleDirectories() const;

  const Source source_;
  const EngineOptions options_;
  const Clock& clock_;
  const NextChange next_change_;

  mutable std::mutex mu_;  // guards the fields below it
  std::shared_ptr<const KnowledgeEngine> engine_;
  uint64_t generation_ = 0;
  std::string date_;            // the date engine_ stands for
  bool queued_ = false;         // a rebuild is posted and has not started
  bool building_ = false;       // a rebuild runs
  int64_t retry_after_ms_ = 0;  // Tick: no new attempt before this (monotonic ms)
  Gauge* generation_gauge_ = nullptr;
  Gauge* seconds_gauge_ = nullptr;
  Counter* rebuilds_ = nullptr;
  Counter* failures_counter_ = nullptr;

  std::atomic<uint64_t> failures_{0};
  std::atomic<bool> stopping_{false};
  Worker worker_;  // last: stopped (and joined) before the members its tasks use go
};

}  // namespace zx::knowledge
