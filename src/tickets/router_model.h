// The router learned from a deployment's own history (docs/tickets.md, "Routing learned from
// history"): given past orders as (text, label) pairs, whatever labels they hold, it learns
// which label a new message gets, with a confidence and the next alternatives. The label is
// the order's `category`; the dispatch catalogue maps it to a department where it can.
//
// How: the text is normalised (traditional -> simplified, full-width -> half-width, the
// publisher's masked place codes such as A市 or K4县 reduced to 市/县), then represented by its
// character 1-3-grams and its words and word bigrams (the segmenter), weighted by sublinear
// TF-IDF and scaled to unit length; one linear SVM per label (tickets/linear_svm.h) scores it,
// and a softmax with a temperature fitted on cross-validated scores turns the scores into
// confidences. Training is deterministic (fixed seeds).
//
// Thread-safety: RouterText and a trained or loaded RouterModel are immutable; Predict is const
// and may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace zx::text {
class Normalizer;
class Segmenter;
}  // namespace zx::text

namespace zx::tickets {

// What the router's text preparation needs from the machine.
struct RouterTextOptions {
  std::string friso_ini = "/etc/friso/friso.ini";
  std::string jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";  // may be missing
};

// Which features a model uses and how it is trained; saved with the model. The defaults were
// chosen by 5-fold cross-validation inside the benchmark's 80% part (docs/tickets.md).
struct RouterOptions {
  int char_min_n = 1;
  int char_max_n = 3;
  bool words = true;  // segmenter words and word bigrams besides the character n-grams
  // > 0: the word block and the character block are each scaled to unit length, the words
  // then weighted by this, and the whole scaled to unit length again (the characters, being
  // far more numerous, would otherwise drown the words); 0: one block.
  double word_weight = 0;
  int min_df = 3;        // a feature must occur in this many training messages
  double c = 4;          // SVM regularisation (larger: fits the history more closely)
  bool balanced = true;  // class-balanced SVMs (tickets/linear_svm.h); training only
  double nb_alpha = 0;   // NB feature scaling (tickets/linear_svm.h); training only, not saved
  int folds = 5;         // cross-validation in Train: the estimate and the calibration (>= 2)
  uint64_t seed = 20240601;
};

// Normalisation and features. Create loads OpenCC and the segmenter's lexicons (about a second).
class RouterText {
 public:
  static Result<std::shared_ptr<const RouterText>> Create(const RouterTextOptions& options = {});
  ~RouterText();

  // The message as the router reads it: masked place codes reduced, then normalised.
  std::string Prepare(std::string_view raw) const;
  // The features of a message (duplicates kept: their counts are the term frequencies).
  std::vector<std::string> Features(std::string_view raw, const RouterOptions& options) const;

 private:
  RouterText() = default;
  std::unique_ptr<text::Normalizer> normalizer_;
  std::unique_ptr<text::Segmenter> segmenter_;
};

struct LabeledText {
  std::string text;
  std::string label;
};

struct RouteChoice {
  std::string label;
  double confidence = 0;  // in [0, 1]; the choices of one prediction sum to at most 1
};

struct RoutePrediction {
  std::string label;
  double confidence = 0;
  std::vector<RouteChoice> alternatives;  // the next most likely labels, best first
};

struct ClassScore {
  std::string label;
  int support = 0;  // messages of this label in the gold set
  double precision = 0, recall = 0, f1 = 0;
};

struct RoutingScore {
  double macro_f1 = 0;
  double accuracy = 0;
  std::vector<ClassScore> classes;  // in label order
};

// Per-class and macro-averaged F1 of `predicted` against `gold` (indices into `labels`).
RoutingScore ScoreRouting(const std::vector<int>& gold, const std::vector<int>& predicted,
                          const std::vector<std::string>& labels);

// Assigns each item a fold in [0, k) so that every label is spread evenly over the folds; the
// same labels, k and seed give the same folds.
std::vector<int> StratifiedFolds(const std::vector<int>& labels, int k, uint64_t seed);

struct RouterTrainReport {
  size_t examples = 0;
  std::vector<std::pair<std::string, int>> label_counts;  // label order
  std::optional<RoutingScore> cross_validated;            // out-of-fold predictions
  double temperature = 1;                                 // softmax scale of the SVM scores
  size_t features = 0;
};

class RouterModel {
 public:
  // The file a deployment's router lives in: <data_dir>/tickets/router.model.
  static std::string PathIn(const std::string& data_dir);

  // Trains on `examples`. kInvalidArgument when there are fewer than two labels, or a label has
  // fewer examples than `options.folds` (the message names it). `report` may be null.
  static Result<std::unique_ptr<RouterModel>> Train(const std::vector<LabeledText>& examples,
                                                    std::shared_ptr<const RouterText> text,
                                                    const RouterOptions& options,
                                                    RouterTrainReport* report = nullptr);

  // Reads a model written by Save. kNotFound when the file does not exist; kDataLoss naming the
  // file and what is wrong when it is not a router model, is of another version, is truncated
  // or fails its checksum.
  static Result<std::unique_ptr<RouterModel>> Load(const std::string& path,
                                                   std::shared_ptr<const RouterText> text);
  // Writes the model atomically (base/file.h ReplaceFile), creating the directory.
  Status Save(const std::string& path) const;

  // The file format (docs/tickets.md): magic "ZXROUTER", u32 version, the options, the labels,
  // the features with their idf, the weights, and an FNV-1a 64 checksum of all before it.
  std::string Serialize() const;
  static Result<std::unique_ptr<RouterModel>> Parse(std::string_view bytes,
                                                    std::shared_ptr<const RouterText> text,
                                                    const std::string& name);

  RoutePrediction Predict(std::string_view text, size_t alternatives = 2) const;
  // The index of the best label (for evaluation).
  int PredictIndex(std::string_view text) const;

  const std::vector<std::string>& labels() const { return labels_; }
  const RouterOptions& options() const { return options_; }
  size_t features() const { return idf_.size(); }

  ~RouterModel();

 private:
  struct Impl;
  RouterModel();
  std::vector<double> Scores(std::string_view text) const;

  std::shared_ptr<const RouterText> text_;
  RouterOptions options_;
  std::vector<std::string> labels_;
  double temperature_ = 1;
  std::vector<float> idf_;
  std::vector<uint8_t> is_word_;  // per feature: a word or word bigram
  std::unique_ptr<Impl> impl_;    // feature lookup and the SVM
};

}  // namespace zx::tickets
