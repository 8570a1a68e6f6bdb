#include "tickets/router_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

#include "base/file.h"
#include "text/normalizer.h"
#include "text/segmenter.h"
#include "text/utf8.h"
#include "tickets/linear_svm.h"

namespace zx::tickets {

namespace {

constexpr char kMagic[8] = {'Z', 'X', 'R', 'O', 'U', 'T', 'E', 'R'};
constexpr uint32_t kVersion = 1;

// Prefixes that keep words and word bigrams apart from character n-grams (control characters
// never occur in the n-grams: they are dropped there).
constexpr char kWordPrefix = '\x01';
constexpr char kBigramPrefix = '\x02';

bool IsPlaceSuffix(std::string_view s, size_t i) {
  for (std::string_view suffix : {"市", "县", "区"}) {
    if (s.substr(i, suffix.size()) == suffix) return true;
  }
  return false;
}

// "A市", "K4县", "A3区" -> "市", "县", "区": the publisher's masks say nothing about the matter,
// and a deployment's own place names belong to the gazetteer, not to the router.
std::string StripMaskedPlaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] >= 'A' && s[i] <= 'Z') {
      size_t j = i + 1;
      while (j < s.size() && j - i <= 3 && s[j] >= '0' && s[j] <= '9') ++j;
      bool preceded_by_letter = !out.empty() && ((out.back() >= 'A' && out.back() <= 'Z') ||
                                                 (out.back() >= 'a' && out.back() <= 'z'));
      if (!preceded_by_letter && IsPlaceSuffix(s, j)) {
        i = j;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Little-endian writer and bounds-checked reader of the model file.
class Writer {
 public:
  void U32(uint32_t v) { Raw(&v, sizeof v); }
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void F64(double v) { Raw(&v, sizeof v); }
  void F32s(const std::vector<float>& v) { Raw(v.data(), v.size() * sizeof(float)); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void Raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Raw(void* p, size_t n) {
    if (in_.size() - pos_ < n) return false;
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool U32(uint32_t* v) { return Raw(v, sizeof *v); }
  bool U64(uint64_t* v) { return Raw(v, sizeof *v); }
  bool F64(double* v) { return Raw(v, sizeof *v); }
  bool F32s(std::vector<float>* v, size_t n) {
    if ((in_.size() - pos_) / sizeof(float) < n) return false;
    v->resize(n);
    return Raw(v->data(), n * sizeof(float));
  }
  bool Str(std::string* s) {
    uint32_t n = 0;
    if (!U32(&n) || in_.size() - pos_ < n) return false;
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

// A message as counts of terms of a dictionary shared by all the messages being trained on;
// which terms become features (min_df) and their idf are decided per training set, so that
// cross-validation never sees the held-out fold's vocabulary.
using TermCounts = std::vector<std::pair<uint32_t, uint32_t>>;

struct Fitted {
  std::vector<int32_t> term_to_feature;  // -1: not a feature
  std::vector<float> idf;                // per feature
  std::vector<uint8_t> is_word;          // per feature
  LinearSvm svm;
};

bool IsWordFeature(std::string_view f) {
  return !f.empty() && (f[0] == kWordPrefix || f[0] == kBigramPrefix);
}

// Sublinear term frequency times idf, scaled to unit length (per block, see
// RouterOptions::word_weight). `is_word` marks the word features.
SparseVector WeighFeatures(std::vector<std::pair<uint32_t, uint32_t>> counts,
                           const std::vector<float>& idf, const std::vector<uint8_t>& is_word,
                           double word_weight) {
  std::sort(counts.begin(), counts.end());
  SparseVector v;
  v.reserve(counts.size());
  double norm[2] = {0, 0};
  for (const auto& [f, count] : counts) {
    float value = static_cast<float>((1.0 + std::log(static_cast<double>(count))) * idf[f]);
    v.emplace_back(f, value);
    norm[word_weight > 0 && is_word[f] ? 1 : 0] += static_cast<double>(value) * value;
  }
  if (word_weight > 0) {
    double scale[2] = {norm[0] > 0 ? 1.0 / std::sqrt(norm[0]) : 0,
                       norm[1] > 0 ? word_weight / std::sqrt(norm[1]) : 0};
    double total = 0;
    for (auto& [f, value] : v) {
      value = static_cast<float>(value * scale[is_word[f] ? 1 : 0]);
      total += static_cast<double>(value) * value;
    }
    norm[0] = total;
  }
  if (norm[0] > 0) {
    float s = static_cast<float>(1.0 / std::sqrt(norm[0]));
    for (auto& [f, value] : v) value *= s;
  }
  return v;
}

SparseVector Weigh(const TermCounts& doc, const std::vector<int32_t>& term_to_feature,
                   const std::vector<float>& idf, const std::vector<uint8_t>& is_word,
                   double word_weight) {
  std::vector<std::pair<uint32_t, uint32_t>> counts;
  counts.reserve(doc.size());
  for (const auto& [term, count] : doc) {
    if (term >= term_to_feature.size()) continue;
    int32_t f = term_to_feature[term];
    if (f >= 0) counts.emplace_back(static_cast<uint32_t>(f), count);
  }
  return WeighFeatures(std::move(counts), idf, is_word, word_weight);
}

Fitted Fit(const std::vector<TermCounts>& docs, const std::vector<uint8_t>& term_is_word,
           const std::vector<int>& y, const std::vector<size_t>& rows, size_t terms,
           uint32_t classes, const RouterOptions& options) {
  std::vector<uint32_t> df(terms, 0);
  for (size_t r : rows) {
    for (const auto& [term, count] : docs[r]) ++df[term];
  }
  Fitted fit;
  fit.term_to_feature.assign(terms, -1);
  const double n = static_cast<double>(rows.size());
  for (size_t t = 0; t < terms; ++t) {
    if (df[t] < static_cast<uint32_t>(std::max(1, options.min_df))) continue;
    fit.term_to_feature[t] = static_cast<int32_t>(fit.idf.size());
    fit.idf.push_back(static_cast<float>(std::log((1.0 + n) / (1.0 + df[t])) + 1.0));
    fit.is_word.push_back(term_is_word[t]);
  }
  std::vector<SparseVector> x;
  std::vector<int> yy;
  x.reserve(rows.size());
  for (size_t r : rows) {
    x.push_back(Weigh(docs[r], fit.term_to_feature, fit.idf, fit.is_word, options.word_weight));
    yy.push_back(y[r]);
  }
  SvmOptions svm;
  svm.c = options.c;
  svm.nb_alpha = options.nb_alpha;
  svm.balanced = options.balanced;
  svm.seed = options.seed;
  fit.svm = LinearSvm::Train(x, yy, static_cast<uint32_t>(fit.idf.size()), classes, svm);
  return fit;
}

// Probabilities from SVM scores: softmax(temperature * score).
std::vector<double> Softmax(const std::vector<double>& scores, double temperature) {
  std::vector<double> p(scores.size());
  if (scores.empty()) return p;
  double top = *std::max_element(scores.begin(), scores.end());
  double sum = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    p[i] = std::exp(temperature * (scores[i] - top));
    sum += p[i];
  }
  for (double& v : p) v /= sum;
  return p;
}

// The temperature that minimises the negative log-likelihood of the out-of-fold labels.
double FitTemperature(const std::vector<std::vector<double>>& scores, const std::vector<int>& y) {
  double best_t = 1, best_nll = std::numeric_limits<double>::infinity();
  for (double t = 0.25; t <= 64; t *= 1.1) {
    double nll = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
      nll -= std::log(std::max(Softmax(scores[i], t)[y[i]], 1e-12));
    }
    if (nll < best_nll) {
      best_nll = nll;
      best_t = t;
    }
  }
  return best_t;
}

int ArgMax(const std::vector<double>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace

// ---- RouterText ----

RouterText::~RouterText() = default;

Result<std::shared_ptr<const RouterText>> RouterText::Create(const RouterTextOptions& options) {
  std::shared_ptr<RouterText> t(new RouterText());
  ZX_ASSIGN_OR_RETURN(t->normalizer_, text::Normalizer::Create());
  text::SegmenterOptions seg;
  seg.friso_ini = options.friso_ini;
  if (!options.jieba_dict.empty() && std::filesystem::exists(options.jieba_dict)) {
    seg.jieba_dict = options.jieba_dict;
  }
  ZX_ASSIGN_OR_RETURN(t->segmenter_, text::Segmenter::Create(seg));
  return std::shared_ptr<const RouterText>(std::move(t));
}

std::string RouterText::Prepare(std::string_view raw) const {
  return normalizer_->Normalize(StripMaskedPlaces(text::SanitizeUtf8(raw)));
}

std::vector<std::string> RouterText::Features(std::string_view raw,
                                              const RouterOptions& options) const {
  std::string prepared = Prepare(raw);
  std::vector<std::string> out;
  // Character n-grams over the code points, spaces and control characters left out.
  std::vector<std::string> chars;
  for (size_t i = 0; i < prepared.size();) {
    size_t len = 1;
    char32_t c = text::utf8::DecodeAt(prepared, i, &len);
    if (len == 0) len = 1;
    if (c > 0x20) chars.emplace_back(prepared.substr(i, len));
    i += len;
  }
  const size_t lo = static_cast<size_t>(std::max(1, options.char_min_n));
  const size_t hi = static_cast<size_t>(std::max(options.char_min_n, options.char_max_n));
  out.reserve(chars.size() * (hi - lo + 1) + chars.size());
  for (size_t i = 0; i < chars.size(); ++i) {
    std::string gram;
    for (size_t n = 1; n <= hi && i + n <= chars.size(); ++n) {
      gram += chars[i + n - 1];
      if (n >= lo) out.push_back(gram);
    }
  }
  if (options.words) {
    std::vector<std::string> words = segmenter_->Segment(prepared);
    for (size_t i = 0; i < words.size(); ++i) {
      out.push_back(kWordPrefix + words[i]);
      if (i + 1 < words.size()) out.push_back(kBigramPrefix + words[i] + ' ' + words[i + 1]);
    }
  }
  return out;
}

// ---- scores ----

RoutingScore ScoreRouting(const std::vector<int>& gold, const std::vector<int>& predicted,
                          const std::vector<std::string>& labels) {
  const size_t k = labels.size();
  std::vector<int> tp(k, 0), fp(k, 0), fn(k, 0), support(k, 0);
  int correct = 0;
  for (size_t i = 0; i < gold.size() && i < predicted.size(); ++i) {
    const int g = gold[i], p = predicted[i];
    if (g >= 0 && static_cast<size_t>(g) < k) ++support[g];
    if (g == p) {
      ++correct;
      if (g >= 0 && static_cast<size_t>(g) < k) ++tp[g];
    } else {
      if (g >= 0 && static_cast<size_t>(g) < k) ++fn[g];
      if (p >= 0 && static_cast<size_t>(p) < k) ++fp[p];
    }
  }
  RoutingScore s;
  double sum = 0;
  for (size_t c = 0; c < k; ++c) {
    ClassScore cs;
    cs.label = labels[c];
    cs.support = support[c];
    cs.precision = tp[c] + fp[c] ? static_cast<double>(tp[c]) / (tp[c] + fp[c]) : 0;
    cs.recall = tp[c] + fn[c] ? static_cast<double>(tp[c]) / (tp[c] + fn[c]) : 0;
    cs.f1 = cs.precision + cs.recall > 0 ? 2 * cs.precision * cs.recall / (cs.precision + cs.recall)
                                         : 0;
    sum += cs.f1;
    s.classes.push_back(cs);
  }
  s.macro_f1 = k ? sum / static_cast<double>(k) : 0;
  s.accuracy = gold.empty() ? 0 : static_cast<double>(correct) / static_cast<double>(gold.size());
  return s;
}

std::vector<int> StratifiedFolds(const std::vector<int>& labels, int k, uint64_t seed) {
  std::map<int, std::vector<size_t>> by_label;
  for (size_t i = 0; i < labels.size(); ++i) by_label[labels[i]].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<int> fold(labels.size(), 0);
  int next = 0;  // continue round-robin across labels so that fold sizes stay even
  for (auto& [label, rows] : by_label) {
    std::shuffle(rows.begin(), rows.end(), rng);
    for (size_t r : rows) {
      fold[r] = next;
      next = (next + 1) % std::max(1, k);
    }
  }
  return fold;
}

// ---- RouterModel ----

struct RouterModel::Impl {
  std::unordered_map<std::string, uint32_t> feature_index;
  LinearSvm svm;
};

RouterModel::RouterModel() : impl_(std::make_unique<Impl>()) {}
RouterModel::~RouterModel() = default;

std::string RouterModel::PathIn(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "tickets" / "router.model").string();
}

Result<std::unique_ptr<RouterModel>> RouterModel::Train(const std::vector<LabeledText>& examples,
                                                        std::shared_ptr<const RouterText> text,
                                                        const RouterOptions& options,
                                                        RouterTrainReport* report) {
  if (!text) return InvalidArgument("router: no text preparation given");
  const int folds = std::max(2, options.folds);
  // Labels in order of first appearance would depend on the file's order; sorted they do not.
  std::map<std::string, int> counts;
  for (const auto& e : examples) ++counts[e.label];
  if (counts.size() < 2) {
    return InvalidArgument("router: the history needs at least two labels, it has " +
                           std::to_string(counts.size()));
  }
  for (const auto& [label, n] : counts) {
    if (n < folds) {
      return InvalidArgument("router: label \"" + label + "\" has " + std::to_string(n) +
                             " examples, fewer than the " + std::to_string(folds) +
                             " needed (drop it or add examples)");
    }
  }
  auto model = std::unique_ptr<RouterModel>(new RouterModel());
  model->text_ = text;
  model->options_ = options;
  model->options_.folds = folds;
  std::map<std::string, int> label_index;
  for (const auto& [label, n] : counts) {
    label_index[label] = static_cast<int>(model->labels_.size());
    model->labels_.push_back(label);
  }
  const uint32_t classes = static_cast<uint32_t>(model->labels_.size());

  // Every message as term counts over one dictionary.
  std::unordered_map<std::string, uint32_t> dictionary;
  std::vector<std::string> terms;
  std::vector<TermCounts> docs;
  std::vector<uint8_t> term_is_word;
  std::vector<int> y;
  docs.reserve(examples.size());
  for (const auto& e : examples) {
    std::unordered_map<uint32_t, uint32_t> tf;
    for (auto& f : text->Features(e.text, options)) {
      auto [it, added] = dictionary.try_emplace(std::move(f), static_cast<uint32_t>(terms.size()));
      if (added) {
        terms.push_back(it->first);
        term_is_word.push_back(IsWordFeature(it->first) ? 1 : 0);
      }
      ++tf[it->second];
    }
    TermCounts doc(tf.begin(), tf.end());
    std::sort(doc.begin(), doc.end());
    docs.push_back(std::move(doc));
    y.push_back(label_index[e.label]);
  }

  // Out-of-fold scores: the estimate of how well it routes what it has not seen, and the data
  // the temperature of the confidences is fitted on.
  std::vector<int> fold = StratifiedFolds(y, folds, options.seed);
  std::vector<std::vector<double>> oof(docs.size());
  for (int k = 0; k < folds; ++k) {
    std::vector<size_t> train_rows;
    for (size_t i = 0; i < docs.size(); ++i) {
      if (fold[i] != k) train_rows.push_back(i);
    }
    Fitted fit = Fit(docs, term_is_word, y, train_rows, terms.size(), classes, options);
    for (size_t i = 0; i < docs.size(); ++i) {
      if (fold[i] == k) {
        oof[i] = fit.svm.Scores(
            Weigh(docs[i], fit.term_to_feature, fit.idf, fit.is_word, options.word_weight));
      }
    }
  }
  std::vector<int> predicted(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) predicted[i] = ArgMax(oof[i]);
  model->temperature_ = FitTemperature(oof, y);

  std::vector<size_t> all(docs.size());
  std::iota(all.begin(), all.end(), 0);
  Fitted fit = Fit(docs, term_is_word, y, all, terms.size(), classes, options);
  model->idf_ = std::move(fit.idf);
  model->is_word_ = std::move(fit.is_word);
  model->impl_->svm = std::move(fit.svm);
  for (size_t t = 0; t < terms.size(); ++t) {
    if (fit.term_to_feature[t] >= 0) {
      model->impl_->feature_index.emplace(terms[t], static_cast<uint32_t>(fit.term_to_feature[t]));
    }
  }
  if (report) {
    report->examples = examples.size();
    report->label_counts.assign(counts.begin(), counts.end());
    report->cross_validated = ScoreRouting(y, predicted, model->labels_);
    report->temperature = model->temperature_;
    report->features = model->idf_.size();
  }
  return model;
}

std::vector<double> RouterModel::Scores(std::string_view text) const {
  std::unordered_map<uint32_t, uint32_t> tf;
  for (const auto& f : text_->Features(text, options_)) {
    auto it = impl_->feature_index.find(f);
    if (it != impl_->feature_index.end()) ++tf[it->second];
  }
  return impl_->svm.Scores(
      WeighFeatures({tf.begin(), tf.end()}, idf_, is_word_, options_.word_weight));
}

int RouterModel::PredictIndex(std::string_view text) const { return ArgMax(Scores(text)); }

RoutePrediction RouterModel::Predict(std::string_view text, size_t alternatives) const {
  std::vector<double> p = Softmax(Scores(text), temperature_);
  std::vector<size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  RoutePrediction out;
  out.label = labels_[order[0]];
  out.confidence = p[order[0]];
  for (size_t i = 1; i < order.size() && i <= alternatives; ++i) {
    out.alternatives.push_back({labels_[order[i]], p[order[i]]});
  }
  return out;
}

// ---- file ----

std::string RouterModel::Serialize() const {
  Writer w;
  w.Raw(kMagic, sizeof kMagic);
  w.U32(kVersion);
  w.U32(static_cast<uint32_t>(options_.char_min_n));
  w.U32(static_cast<uint32_t>(options_.char_max_n));
  w.U32(options_.words ? 1 : 0);
  w.U32(static_cast<uint32_t>(options_.min_df));
  w.U32(static_cast<uint32_t>(options_.folds));
  w.U64(options_.seed);
  w.F64(options_.c);
  w.F64(options_.word_weight);
  w.F64(temperature_);
  w.U32(static_cast<uint32_t>(labels_.size()));
  for (const auto& l : labels_) w.Str(l);
  // Features in index order.
  std::vector<const std::string*> names(idf_.size(), nullptr);
  for (const auto& [name, index] : impl_->feature_index) names[index] = &name;
  w.U32(static_cast<uint32_t>(idf_.size()));
  for (size_t f = 0; f < idf_.size(); ++f) w.Str(names[f] ? *names[f] : std::string());
  w.F32s(idf_);
  w.F32s(impl_->svm.weights);
  w.F32s(impl_->svm.biases);
  w.U64(Fnv1a(w.out()));
  return std::move(w.out());
}

Result<std::unique_ptr<RouterModel>> RouterModel::Parse(std::string_view bytes,
                                                        std::shared_ptr<const RouterText> text,
                                                        const std::string& name) {
  auto corrupt = [&](const std::string& why) {
    return DataLoss(name + ": not a usable router model (" + why +
                    "); run `zhixian tickets learn --history FILE` again");
  };
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return corrupt("no ZXROUTER header");
  }
  if (bytes.size() < sizeof kMagic + 4 + 8) return corrupt("truncated");
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  Reader r(bytes.substr(0, bytes.size() - 8));
  char magic[8];
  uint32_t version = 0;
  r.Raw(magic, sizeof magic);
  r.U32(&version);
  if (version != kVersion) {
    return corrupt("format version " + std::to_string(version) + ", this build reads " +
                   std::to_string(kVersion));
  }
  if (Fnv1a(bytes.substr(0, bytes.size() - 8)) != stored) {
    return corrupt("checksum mismatch: the file is damaged or truncated");
  }
  auto model = std::unique_ptr<RouterModel>(new RouterModel());
  model->text_ = std::move(text);
  RouterOptions& o = model->options_;
  uint32_t min_n = 0, max_n = 0, words = 0, min_df = 0, folds = 0, nlabels = 0, nfeatures = 0;
  if (!r.U32(&min_n) || !r.U32(&max_n) || !r.U32(&words) || !r.U32(&min_df) || !r.U32(&folds) ||
      !r.U64(&o.seed) || !r.F64(&o.c) || !r.F64(&o.word_weight) || !r.F64(&model->temperature_) ||
      !r.U32(&nlabels)) {
    return corrupt("truncated options");
  }
  if (min_n < 1 || max_n < min_n || max_n > 8 || nlabels < 2 || nlabels > 100000) {
    return corrupt("options out of range");
  }
  o.char_min_n = static_cast<int>(min_n);
  o.char_max_n = static_cast<int>(max_n);
  o.words = words != 0;
  o.min_df = static_cast<int>(min_df);
  o.folds = static_cast<int>(folds);
  for (uint32_t i = 0; i < nlabels; ++i) {
    std::string l;
    if (!r.Str(&l)) return corrupt("truncated labels");
    model->labels_.push_back(std::move(l));
  }
  if (!r.U32(&nfeatures)) return corrupt("truncated feature count");
  for (uint32_t f = 0; f < nfeatures; ++f) {
    std::string feature;
    if (!r.Str(&feature)) return corrupt("truncated features");
    model->is_word_.push_back(IsWordFeature(feature) ? 1 : 0);
    model->impl_->feature_index.emplace(std::move(feature), f);
  }
  LinearSvm& svm = model->impl_->svm;
  svm.dimensions = nfeatures;
  svm.classes = nlabels;
  if (!r.F32s(&model->idf_, nfeatures) ||
      !r.F32s(&svm.weights, static_cast<size_t>(nfeatures) * nlabels) ||
      !r.F32s(&svm.biases, nlabels)) {
    return corrupt("truncated weights");
  }
  if (r.pos() != bytes.size() - 8) return corrupt("trailing bytes");
  return model;
}

Result<std::unique_ptr<RouterModel>> RouterModel::Load(const std::string& path,
                                                       std::shared_ptr<const RouterText> text) {
  ZX_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return Parse(bytes, std::move(text), path);
}

Status RouterModel::Save(const std::string& path) const {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable(path + ": cannot create its directory: " + ec.message());
  return ReplaceFile(path, Serialize());
}

}  // namespace zx::tickets
