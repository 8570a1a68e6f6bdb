// Topic classifier: a fastText supervised model trained at start-up on the knowledge base's
// phrasings and vocabulary (a few thousand lines train in well under a second). Training is
// single-threaded with a fixed seed, so the same knowledge base gives the same model.
// Predict is const and thread-safe; it computes fastText's prediction from the model's matrices
// (no text stream to parse, no heap of labels), to the same float operations.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <fasttext/fasttext.h>

#include "base/status.h"
#include "knowledge/analyzer.h"
#include "knowledge/entry.h"

namespace zx::knowledge {

class Classifier {
 public:
  // `work_dir` receives the training file fastText needs as input, and the model. A model is
  // named by a hash of its training text, so that one made before for the same text is loaded
  // instead of trained (seconds): one in `work_dir` (linked there from the engine in service),
  // or in `model_dir` ("": none), where models are kept across processes, the last few used.
  static Result<std::unique_ptr<Classifier>> Train(const KnowledgeBase& kb,
                                                   const Analyzer& analyzer,
                                                   const std::string& work_dir,
                                                   const std::string& model_dir = "");
  // Probability per topic (index into kb.entries), summing to 1.
  std::vector<double> Predict(const std::vector<std::string>& features) const;

 private:
  Classifier() = default;
  fasttext::FastText model_;
  std::vector<int> label_to_topic_;  // fastText label index -> topic index
  size_t topics_ = 0;
  std::shared_ptr<const fasttext::Dictionary> dict_;
  int32_t nwords_ = 0;
  int32_t eos_ = -1;  // the end-of-line word every line ends with
  std::shared_ptr<const fasttext::DenseMatrix> input_, output_;
};

}  // namespace zx::knowledge
