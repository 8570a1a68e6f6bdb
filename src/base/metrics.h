// Metrics: a registry of counters and histograms with labels, rendered in the Prometheus text
// exposition format (version 0.0.4) for `GET /metrics`.
//
//   Metrics metrics;
//   auto& requests = metrics.AddCounter("zhixian_http_requests_total", "HTTP requests",
//                                       {"method", "route", "status"});
//   requests.With({"GET", "/healthz", "200"}).Inc();
//   auto& latency = metrics.AddHistogram("zhixian_http_request_duration_seconds",
//                                        "time to answer", {"route"}, kLatencyBuckets);
//   latency.With({"/healthz"}).Observe(0.0004);
//   std::string text = metrics.RenderText();
//
// Thread-safety: everything is safe to call from any thread. The hot path (With on an existing
// series, Inc, Observe) takes no lock: a series is found in a lock-free, insert-only hash chain
// and updated with atomics; a mutex is held only to create a family or a new series and while
// rendering. Families and series are never removed, so references stay valid for the lifetime
// of the registry: callers may keep them.
//
// Misuse (the same name registered as another kind or with other labels, or a wrong number of
// label values) is a programming error: the process stops with a message naming the metric.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace zx {

// Seconds: 0.5 ms .. 10 s; suits request handling on one machine.
inline const std::vector<double> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,    0.25,  0.5,    1,     2.5,  5,     10};
// Probabilities: 0.1 .. 1.
inline const std::vector<double> kProbabilityBuckets = {0.1, 0.2, 0.3, 0.4, 0.5,
                                                        0.6, 0.7, 0.8, 0.9, 1.0};

// A monotonically increasing count.
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (a rate computed from the database, a queue's length).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in buckets with fixed upper bounds (plus +Inf), with their sum.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double value);
  uint64_t Count() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }
  // Cumulative counts, one per bound and a last one for +Inf (== Count()).
  std::vector<uint64_t> CumulativeCounts() const;

 private:
  const std::vector<double>* bounds_;                 // owned by the family
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_->size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

namespace metrics_internal {

// The series of one family: label values -> T, found without locks, inserted under a mutex.
template <typename T>
class SeriesMap {
 public:
  struct Node {
    std::vector<std::string> values;
    size_t hash = 0;
    T series;
    Node* next = nullptr;  // immutable once published
    template <typename... Args>
    Node(std::vector<std::string> v, size_t h, Args&&... args)
        : values(std::move(v)), hash(h), series(std::forward<Args>(args)...) {}
  };

  // Finds the series for `values`, creating it with `args` on first use.
  template <typename... Args>
  T& Get(std::initializer_list<std::string_view> values, Args&&... args);
  // Every series, sorted by label values; for rendering.
  std::vector<const Node*> Sorted() const;

 private:
  static constexpr size_t kBuckets = 64;
  static size_t Hash(std::initializer_list<std::string_view> values);
  static bool Equal(const Node& node, size_t hash, std::initializer_list<std::string_view> values);

  std::array<std::atomic<Node*>, kBuckets> heads_{};
  mutable std::mutex mu_;                     // serialises inserts (and Sorted)
  std::vector<std::unique_ptr<Node>> owned_;  // guarded by mu_
};

template <typename T>
size_t SeriesMap<T>::Hash(std::initializer_list<std::string_view> values) {
  size_t h = 1469598103934665603ull;  // FNV-1a over the values, with a separator
  for (std::string_view v : values) {
    for (char c : v) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
  }
  return h;
}

template <typename T>
bool SeriesMap<T>::Equal(const Node& node, size_t hash,
                         std::initializer_list<std::string_view> values) {
  if (node.hash != hash || node.values.size() != values.size()) return false;
  size_t i = 0;
  for (std::string_view v : values)
    if (node.values[i++] != v) return false;
  return true;
}

template <typename T>
template <typename... Args>
T& SeriesMap<T>::Get(std::initializer_list<std::string_view> values, Args&&... args) {
  size_t hash = Hash(values);
  std::atomic<Node*>& head = heads_[hash % kBuckets];
  for (Node* n = head.load(std::memory_order_acquire); n; n = n->next)
    if (Equal(*n, hash, values)) return n->series;
  std::lock_guard lock(mu_);
  for (Node* n = head.load(std::memory_order_acquire); n; n = n->next)  // raced with another
    if (Equal(*n, hash, values)) return n->series;
  auto node = std::make_unique<Node>(std::vector<std::string>(values.begin(), values.end()), hash,
                                     std::forward<Args>(args)...);
  node->next = head.load(std::memory_order_relaxed);
  head.store(node.get(), std::memory_order_release);
  owned_.push_back(std::move(node));
  return owned_.back()->series;
}

template <typename T>
std::vector<const typename SeriesMap<T>::Node*> SeriesMap<T>::Sorted() const {
  std::vector<const Node*> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& n : owned_) out.push_back(n.get());
  }
  std::sort(out.begin(), out.end(),
            [](const Node* a, const Node* b) { return a->values < b->values; });
  return out;
}

}  // namespace metrics_internal

// All counters of one name, one per combination of label values.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::vector<std::string> label_names)
      : name_(std::move(name)), label_names_(std::move(label_names)) {}
  // The counter for these label values, in the order of the label names.
  Counter& With(std::initializer_list<std::string_view> label_values);

 private:
  friend class Metrics;
  std::string name_;
  std::vector<std::string> label_names_;
  metrics_internal::SeriesMap<Counter> series_;
};

// All gauges of one name, one per combination of label values.
class GaugeFamily {
 public:
  GaugeFamily(std::string name, std::vector<std::string> label_names)
      : name_(std::move(name)), label_names_(std::move(label_names)) {}
  Gauge& With(std::initializer_list<std::string_view> label_values);

 private:
  friend class Metrics;
  std::string name_;
  std::vector<std::string> label_names_;
  metrics_internal::SeriesMap<Gauge> series_;
};

// All histograms of one name, sharing the bucket bounds.
class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  Histogram& With(std::initializer_list<std::string_view> label_values);
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  friend class Metrics;
  std::string name_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  metrics_internal::SeriesMap<Histogram> series_;
};

class Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Declares a family, or returns the existing one of that name. Names follow Prometheus rules
  // ([a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total).
  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names = {});
  // `bounds` must be strictly increasing and finite; +Inf is implied.
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names,
                                std::vector<double> bounds = kLatencyBuckets);

  // Every family, sorted by name, in the text exposition format; series that were never
  // touched are absent, families without series print only HELP and TYPE.
  std::string RenderText() const;

 private:
  struct Family {
    std::string help;
    std::unique_ptr<CounterFamily> counter;  // exactly one of these three
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // guarded by mu_
};

}  // namespace zx
