#include "base/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace zx {
namespace {

[[noreturn]] void Fatal(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

bool ValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void CheckNames(const std::string& name, const std::vector<std::string>& label_names) {
  if (!ValidName(name, true)) Fatal("invalid metric name '" + name + "'");
  for (const auto& l : label_names)
    if (!ValidName(l, false) || l.rfind("__", 0) == 0 || l == "le")
      Fatal("metric " + name + ": invalid label name '" + l + "'");
}

void CheckArity(const std::string& name, size_t expected, size_t got) {
  if (expected != got)
    Fatal("metric " + name + ": " + std::to_string(got) + " label values for " +
          std::to_string(expected) + " labels");
}

// Shortest text that reads back as the same double; Prometheus spells infinities +Inf/-Inf.
std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

// {a="x",b="y"} followed by `extra` (already formatted, e.g. le="0.5"); empty when no labels.
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra = {}) {
  if (names.empty() && extra.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
    out += "=\"";
    AppendEscaped(out, values[i], true);
    out += '"';
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

}  // namespace

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds->size() + 1)) {
  for (size_t i = 0; i <= bounds_->size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // Upper bounds are inclusive: the first bucket whose bound is >= value.
  auto it = std::lower_bound(bounds_->begin(), bounds_->end(), value);
  buckets_[it - bounds_->begin()].fetch_add(1, std::memory_order_relaxed);
  double old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + value, std::memory_order_relaxed)) {
  }
}

uint64_t Histogram::Count() const {
  uint64_t n = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) n += buckets_[i].load(std::memory_order_relaxed);
  return n;
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_->size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

Counter& CounterFamily::With(std::initializer_list<std::string_view> label_values) {
  CheckArity(name_, label_names_.size(), label_values.size());
  return series_.Get(label_values);
}

Gauge& GaugeFamily::With(std::initializer_list<std::string_view> label_values) {
  CheckArity(name_, label_names_.size(), label_values.size());
  return series_.Get(label_values);
}

HistogramFamily::HistogramFamily(std::string name, std::vector<std::string> label_names,
                                 std::vector<double> bounds)
    : name_(std::move(name)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

Histogram& HistogramFamily::With(std::initializer_list<std::string_view> label_values) {
  CheckArity(name_, label_names_.size(), label_values.size());
  return series_.Get(label_values, &bounds_);
}

CounterFamily& Metrics::AddCounter(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names) {
  CheckNames(name, label_names);
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (!it->second.counter || it->second.counter->label_names_ != label_names)
      Fatal("metric " + name + " is already registered as another kind or with other labels");
    return *it->second.counter;
  }
  Family& f = families_[name];
  f.help = help;
  f.counter = std::make_unique<CounterFamily>(name, std::move(label_names));
  return *f.counter;
}

GaugeFamily& Metrics::AddGauge(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names) {
  CheckNames(name, label_names);
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (!it->second.gauge || it->second.gauge->label_names_ != label_names)
      Fatal("metric " + name + " is already registered as another kind or with other labels");
    return *it->second.gauge;
  }
  Family& f = families_[name];
  f.help = help;
  f.gauge = std::make_unique<GaugeFamily>(name, std::move(label_names));
  return *f.gauge;
}

HistogramFamily& Metrics::AddHistogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names,
                                       std::vector<double> bounds) {
  CheckNames(name, label_names);
  for (size_t i = 0; i < bounds.size(); ++i)
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
      Fatal("metric " + name + ": bucket bounds must be finite and strictly increasing");
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    const auto& h = it->second.histogram;
    if (!h || h->label_names_ != label_names || h->bounds_ != bounds)
      Fatal("metric " + name + " is already registered as another kind or with other labels");
    return *h;
  }
  Family& f = families_[name];
  f.help = help;
  f.histogram = std::make_unique<HistogramFamily>(name, std::move(label_names), std::move(bounds));
  return *f.histogram;
}

std::string Metrics::RenderText() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + ' ';
    AppendEscaped(out, family.help, false);
    out += "\n# TYPE " + name +
           (family.counter ? " counter\n"
            : family.gauge ? " gauge\n"
                           : " histogram\n");
    if (family.counter) {
      const CounterFamily& c = *family.counter;
      for (const auto* node : c.series_.Sorted())
        out += name + LabelText(c.label_names_, node->values) + ' ' +
               std::to_string(node->series.Value()) + '\n';
      continue;
    }
    if (family.gauge) {
      const GaugeFamily& g = *family.gauge;
      for (const auto* node : g.series_.Sorted())
        out += name + LabelText(g.label_names_, node->values) + ' ' +
               FormatDouble(node->series.Value()) + '\n';
      continue;
    }
    const HistogramFamily& h = *family.histogram;
    for (const auto* node : h.series_.Sorted()) {
      std::vector<uint64_t> counts = node->series.CumulativeCounts();
      for (size_t i = 0; i < counts.size(); ++i) {
        std::string le = "le=\"" +
                         (i < h.bounds_.size() ? FormatDouble(h.bounds_[i]) : std::string("+Inf")) +
                         '"';
        out += name + "_bucket" + LabelText(h.label_names_, node->values, le) + ' ' +
               std::to_string(counts[i]) + '\n';
      }
      std::string labels = LabelText(h.label_names_, node->values);
      out += name + "_sum" + labels + ' ' + FormatDouble(node->series.Sum()) + '\n';
      out += name + "_count" + labels + ' ' + std::to_string(counts.back()) + '\n';
    }
  }
  return out;
}

}  // namespace zx
