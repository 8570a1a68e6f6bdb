#include "tickets/linear_svm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace zx::tickets {

namespace {

// Dual coordinate descent for one binary L2-loss SVM (LIBLINEAR's solver 1 without shrinking):
// minimises 1/2 a'Qa - e'a with Q = yy'xx' + I/(2C), a >= 0. `w` has dimensions + 1 entries,
// the last for the bias feature.
void TrainBinary(const std::vector<SparseVector>& x, const std::vector<double>& sq_norms,
                 const std::vector<int8_t>& y, const std::vector<double>& scale,
                 const SvmOptions& o, std::mt19937_64& rng, std::vector<double>& w) {
  const size_t n = x.size();
  const size_t bias_index = w.size() - 1;
  size_t positives = 0;
  for (int8_t v : y) positives += v > 0 ? 1 : 0;
  double c_pos = o.c, c_neg = o.c;
  if (o.balanced && positives > 0 && positives < n) {
    c_pos = o.c * static_cast<double>(n) / (2.0 * static_cast<double>(positives));
    c_neg = o.c * static_cast<double>(n) / (2.0 * static_cast<double>(n - positives));
  }
  const double diag_pos = 0.5 / c_pos, diag_neg = 0.5 / c_neg;
  std::vector<double> alpha(n, 0.0);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  for (int epoch = 0; epoch < o.max_epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double pg_max = -std::numeric_limits<double>::infinity();
    double pg_min = std::numeric_limits<double>::infinity();
    for (size_t i : order) {
      const double yi = y[i];
      const double diag = yi > 0 ? diag_pos : diag_neg;
      double dot = w[bias_index] * o.bias;
      for (const auto& [f, v] : x[i]) dot += w[f] * v * scale[f];
      const double g = yi * dot - 1.0 + diag * alpha[i];
      double pg = g;
      if (alpha[i] == 0.0) pg = std::min(g, 0.0);
      pg_max = std::max(pg_max, pg);
      pg_min = std::min(pg_min, pg);
      if (std::fabs(pg) < 1e-12) continue;
      const double old = alpha[i];
      alpha[i] = std::max(old - g / (sq_norms[i] + diag), 0.0);
      const double step = (alpha[i] - old) * yi;
      for (const auto& [f, v] : x[i]) w[f] += step * v * scale[f];
      w[bias_index] += step * o.bias;
    }
    if (pg_max - pg_min < o.tolerance) break;
  }
}

}  // namespace

LinearSvm LinearSvm::Train(const std::vector<SparseVector>& x, const std::vector<int>& y,
                           uint32_t dimensions, uint32_t classes, const SvmOptions& options) {
  LinearSvm m;
  m.dimensions = dimensions;
  m.classes = classes;
  m.weights.assign(static_cast<size_t>(dimensions) * classes, 0.0f);
  m.biases.assign(classes, 0.0f);
  std::vector<double> sq_norms(x.size());
  std::vector<double> scale(dimensions, 1.0);
  std::mt19937_64 rng(options.seed);
  std::vector<int8_t> yb(x.size());
  std::vector<double> w;
  for (uint32_t c = 0; c < classes; ++c) {
    for (size_t i = 0; i < x.size(); ++i) yb[i] = y[i] == static_cast<int>(c) ? 1 : -1;
    if (options.nb_alpha > 0) {
      std::vector<double> pos(dimensions, options.nb_alpha), neg(dimensions, options.nb_alpha);
      for (size_t i = 0; i < x.size(); ++i) {
        auto& side = yb[i] > 0 ? pos : neg;
        for (const auto& [f, v] : x[i]) side[f] += v;
      }
      double pos_sum = 0, neg_sum = 0;
      for (uint32_t f = 0; f < dimensions; ++f) {
        pos_sum += pos[f];
        neg_sum += neg[f];
      }
      for (uint32_t f = 0; f < dimensions; ++f) {
        scale[f] = std::fabs(std::log((pos[f] / pos_sum) / (neg[f] / neg_sum)));
      }
    }
    for (size_t i = 0; i < x.size(); ++i) {
      double s = options.bias * options.bias;
      for (const auto& [f, v] : x[i]) s += static_cast<double>(v) * v * scale[f] * scale[f];
      sq_norms[i] = s;
    }
    w.assign(static_cast<size_t>(dimensions) + 1, 0.0);
    TrainBinary(x, sq_norms, yb, scale, options, rng, w);
    for (uint32_t f = 0; f < dimensions; ++f) {
      m.weights[static_cast<size_t>(f) * classes + c] = static_cast<float>(w[f] * scale[f]);
    }
    m.biases[c] = static_cast<float>(w[dimensions] * options.bias);
  }
  return m;
}

std::vector<double> LinearSvm::Scores(const SparseVector& v) const {
  std::vector<double> s(biases.begin(), biases.end());
  for (const auto& [f, value] : v) {
    if (f >= dimensions) continue;
    const float* row = &weights[static_cast<size_t>(f) * classes];
    for (uint32_t c = 0; c < classes; ++c) s[c] += static_cast<double>(row[c]) * value;
  }
  return s;
}

}  // namespace zx::tickets
