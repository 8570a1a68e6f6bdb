#include "knowledge/classifier.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace zx::knowledge {
namespace {

std::string Line(const std::string& label, const std::vector<std::string>& features) {
  std::string line = "__label__" + label;
  for (const auto& f : features) line += " " + f;
  return line;
}

// Part of the model cache key: change it whenever the training parameters below change.
// The bytes fastText's Dictionary::readWord splits words at ('\0' included).
constexpr std::string_view kFastTextSpaces(" \n\r\t\v\f\0", 7);

constexpr char kTrainingVersion[] = "softmax dim=32 epoch=40 lr=0.8 seed=7";

// Models kept in a model directory: a few, not one, so that processes sharing it whose
// knowledge bases differ (a draft published on one) do not take turns training.
constexpr size_t kModelsKept = 4;

bool IsModelFile(const std::filesystem::path& f) {
  return f.filename().string().rfind("classifier-", 0) == 0 && f.extension() == ".bin";
}

// The model kept in `model_dir` as `name`, linked (or copied) to `to`; false when none is.
bool TakeKeptModel(const std::string& model_dir, const std::string& name, const std::string& to) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path kept = fs::path(model_dir) / name;
  if (model_dir.empty() || !fs::exists(kept, ec)) return false;
  fs::create_hard_link(kept, to, ec);
  if (ec) fs::copy_file(kept, to, ec);
  return !ec;
}

// `model` joins `model_dir` as its newest: linked under a name of this process's and renamed
// over, so that another process reading the directory meanwhile finds a model whole or none.
// The oldest beyond kModelsKept go, and what a process killed between link and rename left.
void KeepModel(const std::string& model, const std::string& model_dir) {
  namespace fs = std::filesystem;
  if (model_dir.empty()) return;
  std::error_code ec;
  fs::create_directories(model_dir, ec);
  const fs::path target = fs::path(model_dir) / fs::path(model).filename();
  if (!fs::exists(target, ec)) {
    const fs::path partial =
        fs::path(model_dir) / ("partial-" + std::to_string(::getpid()) + "-" +
                               std::to_string(std::hash<std::string>{}(model)) + ".tmp");
    fs::create_hard_link(model, partial, ec);
    if (ec) fs::copy_file(model, partial, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::rename(partial, target, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(partial, ignored);
      return;
    }
  }
  fs::last_write_time(target, fs::file_time_type::clock::now(), ec);  // the newest used
  const auto now = fs::file_time_type::clock::now();
  std::vector<std::pair<fs::file_time_type, fs::path>> models;
  for (const auto& f : fs::directory_iterator(model_dir, ec)) {
    std::error_code time_ec;
    const auto at = fs::last_write_time(f.path(), time_ec);
    if (time_ec) continue;
    if (IsModelFile(f.path()))
      models.emplace_back(at, f.path());
    else if (f.path().extension() == ".tmp" && at < now - std::chrono::minutes(10))
      fs::remove(f.path(), time_ec);
  }
  std::sort(models.begin(), models.end(), std::greater<>());
  for (size_t i = kModelsKept; i < models.size(); ++i) fs::remove(models[i].second, ec);
}

}  // namespace

Result<std::unique_ptr<Classifier>> Classifier::Train(const KnowledgeBase& kb,
                                                      const Analyzer& analyzer,
                                                      const std::string& work_dir,
                                                      const std::string& model_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  // The training text; the model is named by its hash.
  std::string training;
  for (const auto& e : kb.entries) {
    for (const auto& p : e.phrasings) training += Line(e.id, analyzer.Analyze(p).features) + "\n";
    training += Line(e.id, analyzer.Analyze(e.title).features) + "\n";
    for (const auto* list : {&e.keywords, &e.synonyms, &e.colloquial})
      for (const auto& w : *list) training += Line(e.id, analyzer.Analyze(w).features) + "\n";
  }
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(training + kTrainingVersion));
  const std::string model_name = "classifier-" + std::string(hash) + ".bin";
  std::string model_file = (fs::path(work_dir) / model_name).string();
  std::string input = (fs::path(work_dir) / "classifier-train.txt").string();

  std::unique_ptr<Classifier> c(new Classifier());
  try {
    if (fs::exists(model_file) || TakeKeptModel(model_dir, model_name, model_file)) {
      c->model_.loadModel(model_file);
    } else {
      {
        std::ofstream out(input, std::ios::trunc | std::ios::binary);
        if (!out) return Unavailable("cannot write classifier training file " + input);
        out << training;
      }
      fasttext::Args args;
      args.input = input;
      args.model = fasttext::model_name::sup;
      args.loss = fasttext::loss_name::softmax;
      args.dim = 32;
      args.epoch = 40;
      args.lr = 0.8;
      args.wordNgrams = 1;
      args.minCount = 1;
      args.minn = 0;
      args.maxn = 0;
      args.bucket = 0;  // no hashed n-grams: the features already carry the bigrams
      args.thread = 1;  // deterministic
      args.seed = 7;
      args.verbose = 0;
      c->model_.train(args);
      fs::remove(input, ec);
      // Keep only the current model.
      for (const auto& f : fs::directory_iterator(work_dir, ec))
        if (f.path().filename().string().rfind("classifier-", 0) == 0) fs::remove(f.path(), ec);
      c->model_.saveModel(model_file);
    }
    KeepModel(model_file, model_dir);
  } catch (const std::exception& err) {
    return Internal(std::string("topic classifier: ") + err.what());
  }
  std::unordered_map<std::string, int> by_id;
  for (size_t i = 0; i < kb.entries.size(); ++i) by_id[kb.entries[i].id] = static_cast<int>(i);
  auto dict = c->model_.getDictionary();
  c->label_to_topic_.resize(dict->nlabels());
  for (int32_t l = 0; l < dict->nlabels(); ++l) {
    std::string label = dict->getLabel(l).substr(9);  // strip "__label__"
    c->label_to_topic_[l] = by_id.at(label);
  }
  c->topics_ = kb.entries.size();
  c->dict_ = dict;
  c->nwords_ = dict->nwords();
  c->eos_ = dict->getId(fasttext::Dictionary::EOS);
  c->input_ = c->model_.getInputMatrix();
  c->output_ = c->model_.getOutputMatrix();
  return c;
}

std::vector<double> Classifier::Predict(const std::vector<std::string>& features) const {
  // What predictLine reads from the line "features... \n", without the text streams: the
  // words the dictionary knows (a feature holding whitespace is several words), then the end
  // of the line; out-of-vocabulary words count for nothing (no subwords, no hashed n-grams).
  std::vector<int32_t> words;
  words.reserve(features.size() + 1);
  std::string word;
  auto add = [&](const std::string& w) {
    int32_t id = dict_->getId(w);
    if (id >= 0 && id < nwords_) words.push_back(id);
  };
  for (const auto& f : features) {
    if (f.find_first_of(kFastTextSpaces) == std::string::npos) {
      if (!f.empty()) add(f);
      continue;
    }
    for (char ch : f) {
      if (kFastTextSpaces.find(ch) == std::string_view::npos) {
        word.push_back(ch);
      } else if (!word.empty()) {
        add(word);
        word.clear();
      }
    }
    if (!word.empty()) add(word);
    word.clear();
  }
  if (eos_ >= 0) words.push_back(eos_);
  std::vector<double> p(topics_, 0.0);
  if (words.empty()) return p;
  // fastText's supervised prediction (Model::predict with the softmax loss) from its matrices,
  // with its float operations in its order: the hidden vector is the mean of the words' input
  // rows; each label's score is its output row times it; then a softmax with exp in double.
  using fasttext::real;
  const int64_t dim = input_->cols();
  std::vector<real> hidden(dim, 0.0f);
  for (int32_t w : words) {
    const real* row = input_->data() + w * dim;
    for (int64_t j = 0; j < dim; ++j) hidden[j] += row[j];
  }
  const real scale = 1.0 / words.size();
  for (real& h : hidden) h *= scale;
  const int64_t labels = output_->rows();
  std::vector<real> out(labels);
  for (int64_t i = 0; i < labels; ++i) {
    const real* row = output_->data() + i * dim;
    real d = 0.0;
    for (int64_t j = 0; j < dim; ++j) d += row[j] * hidden[j];
    out[i] = d;
  }
  real max = out[0], z = 0.0;
  for (real o : out) max = std::max(o, max);
  for (real& o : out) {
    o = static_cast<real>(std::exp(static_cast<double>(o - max)));
    z += o;
  }
  // predictLine's probability: exp (in float) of fastText's log (std_log: log(x + 1e-5)).
  for (int64_t i = 0; i < labels && i < static_cast<int64_t>(label_to_topic_.size()); ++i) {
    const real prob = out[i] / z;
    const real log_prob = static_cast<real>(std::log(static_cast<double>(prob) + 1e-5));
    p[label_to_topic_[i]] = std::exp(log_prob);
  }
  return p;
}

}  // namespace zx::knowledge
