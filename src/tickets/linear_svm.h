// One-vs-rest linear support vector machines over sparse vectors: L2-regularised squared-hinge
// loss solved by dual coordinate descent (Hsieh et al. 2008, the LIBLINEAR solver behind
// scikit-learn's LinearSVC), with a bias feature. Used by the router (tickets/router_model.h)
// and by the routing benchmark's TF-IDF baseline, so that both are trained the same way.
// Training is deterministic: the order of the coordinates comes from `seed`.
// A trained model is immutable; Scores is const and thread-safe.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace zx::tickets {

// (feature index, value) pairs, indices ascending and unique.
using SparseVector = std::vector<std::pair<uint32_t, float>>;

struct SvmOptions {
  double c = 1.0;            // inverse regularisation strength
  double bias = 1.0;         // value of the constant feature (0: no bias)
  int max_epochs = 200;      // passes over the data per class
  double tolerance = 0.05;   // stop when the projected-gradient spread falls below it
  uint64_t seed = 20240601;  // order of the coordinates
  // Naive-Bayes feature scaling (Wang & Manning 2012, "NBSVM"): class c's machine sees each
  // feature multiplied by its log-count ratio between c and the rest (smoothed by `nb_alpha`),
  // so that features typical of c count more; the ratio is folded into the weights after
  // training, so scoring is unchanged. 0: off.
  double nb_alpha = 0;
  // Each class's machine weighs its positives and negatives so that both sides count alike
  // (C scaled by n / (2 n_side)), which helps the small labels of a macro-averaged score.
  bool balanced = false;
};

struct LinearSvm {
  uint32_t dimensions = 0;
  uint32_t classes = 0;
  // Feature-major, so that scoring a sparse vector reads memory in order:
  // weights[f * classes + c]; biases[c] is the weight of the bias feature times its value.
  std::vector<float> weights;
  std::vector<float> biases;

  // Trains one binary machine per class in [0, classes): class c against the rest.
  static LinearSvm Train(const std::vector<SparseVector>& x, const std::vector<int>& y,
                         uint32_t dimensions, uint32_t classes, const SvmOptions& options);
  // The decision value of each class for `v` (features >= dimensions are ignored).
  std::vector<double> Scores(const SparseVector& v) const;
};

}  // namespace zx::tickets
