#include "base/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace zx {
namespace {

TEST(Metrics, CounterRendersHelpTypeAndLabels) {
  Metrics m;
  auto& requests = m.AddCounter("zx_requests_total", "Requests served.", {"method", "status"});
  requests.With({"GET", "200"}).Inc();
  requests.With({"GET", "200"}).Inc(2);
  requests.With({"POST", "400"}).Inc();
  EXPECT_EQ(requests.With({"GET", "200"}).Value(), 3u);
  EXPECT_EQ(m.RenderText(),
            "# HELP zx_requests_total Requests served.\n"
            "# TYPE zx_requests_total counter\n"
            "zx_requests_total{method=\"GET\",status=\"200\"} 3\n"
            "zx_requests_total{method=\"POST\",status=\"400\"} 1\n");
}

TEST(Metrics, CounterWithoutLabels) {
  Metrics m;
  m.AddCounter("zx_started_total", "Starts.").With({}).Inc();
  EXPECT_EQ(m.RenderText(),
            "# HELP zx_started_total Starts.\n# TYPE zx_started_total counter\n"
            "zx_started_total 1\n");
}

TEST(Metrics, GaugeIsSetNotAdded) {
  Metrics m;
  auto& rate = m.AddGauge("zx_rate", "A rate.", {"rate"});
  rate.With({"on_time"}).Set(0.5);
  rate.With({"on_time"}).Set(0.875);
  EXPECT_EQ(m.RenderText(),
            "# HELP zx_rate A rate.\n# TYPE zx_rate gauge\nzx_rate{rate=\"on_time\"} 0.875\n");
  EXPECT_EQ(&m.AddGauge("zx_rate", "A rate.", {"rate"}), &rate);
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Metrics m;
  m.AddCounter("zx_e_total", "a\\b\nc", {"v"}).With({"say \"hi\"\\\n医保"}).Inc();
  std::string text = m.RenderText();
  EXPECT_NE(text.find("# HELP zx_e_total a\\\\b\\nc\n"), std::string::npos) << text;
  EXPECT_NE(text.find("zx_e_total{v=\"say \\\"hi\\\"\\\\\\n医保\"} 1\n"), std::string::npos)
      << text;
}

TEST(Metrics, HistogramIsCumulativeWithSumAndCount) {
  Metrics m;
  auto& h = m.AddHistogram("zx_latency_seconds", "Latency.", {"route"}, {0.1, 0.5, 1});
  auto& s = h.With({"/a"});
  s.Observe(0.05);
  s.Observe(0.1);  // bounds are inclusive
  s.Observe(0.7);
  s.Observe(3);
  EXPECT_EQ(s.Count(), 4u);
  EXPECT_DOUBLE_EQ(s.Sum(), 3.85);
  EXPECT_EQ(m.RenderText(),
            "# HELP zx_latency_seconds Latency.\n"
            "# TYPE zx_latency_seconds histogram\n"
            "zx_latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
            "zx_latency_seconds_bucket{route=\"/a\",le=\"0.5\"} 2\n"
            "zx_latency_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"
            "zx_latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
            "zx_latency_seconds_sum{route=\"/a\"} 3.85\n"
            "zx_latency_seconds_count{route=\"/a\"} 4\n");
}

TEST(Metrics, FamiliesSortedAndReRegistrationReturnsTheSame) {
  Metrics m;
  auto& b = m.AddCounter("zx_b_total", "B.", {"x"});
  auto& a = m.AddHistogram("zx_a_seconds", "A.", {});
  EXPECT_EQ(&b, &m.AddCounter("zx_b_total", "B.", {"x"}));
  EXPECT_EQ(&a, &m.AddHistogram("zx_a_seconds", "A.", {}));
  std::string text = m.RenderText();
  EXPECT_LT(text.find("zx_a_seconds"), text.find("zx_b_total")) << text;
  EXPECT_EQ(text.find("zx_b_total{"), std::string::npos) << "untouched series are absent";
}

TEST(MetricsDeathTest, MisuseStopsWithTheName) {
  Metrics m;
  m.AddCounter("zx_x_total", "X.", {"a"});
  EXPECT_DEATH(m.AddHistogram("zx_x_total", "X.", {"a"}), "zx_x_total");
  EXPECT_DEATH(m.AddCounter("zx_x_total", "X.", {"a"}).With({"1", "2"}), "2 label values");
  EXPECT_DEATH(m.AddCounter("bad name", "X."), "invalid metric name");
  EXPECT_DEATH(m.AddHistogram("zx_h", "H.", {}, {1, 0.5}), "strictly increasing");
}

TEST(Metrics, ConcurrentIncrementsAndCreationAreExact) {
  Metrics m;
  auto& c = m.AddCounter("zx_c_total", "C.", {"k"});
  auto& h = m.AddHistogram("zx_h_seconds", "H.", {"k"}, {0.5});
  constexpr int kThreads = 8, kIters = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIters; ++i) {
        std::string key = std::to_string(i % 100);  // 100 series, created concurrently
        c.With({key}).Inc();
        h.With({key}).Observe(t % 2 ? 1.0 : 0.25);
      }
    });
  for (auto& t : threads) t.join();
  uint64_t total = 0, observed = 0;
  double sum = 0;
  for (int k = 0; k < 100; ++k) {
    total += c.With({std::to_string(k)}).Value();
    observed += h.With({std::to_string(k)}).Count();
    sum += h.With({std::to_string(k)}).Sum();
  }
  EXPECT_EQ(total, uint64_t{kThreads} * kIters);
  EXPECT_EQ(observed, uint64_t{kThreads} * kIters);
  EXPECT_DOUBLE_EQ(sum, kThreads / 2 * kIters * 1.25);
}

}  // namespace
}  // namespace zx
