// The [knowledge] section (config/zhixian.toml): where the knowledge base is and how sure the
// engine must be to answer (knowledge/engine.h).
#pragma once

#include <string>

#include "base/config.h"

namespace zx::knowledge {

struct KnowledgeConfig {
  std::string kb_dir = "kb";       // the knowledge base (entries, synonyms, vocabulary)
  double answer_threshold = 0.45;  // below this confidence, ask back instead of answering
  int alternatives = 3;            // topics offered when asking back
  // Answers under answer_threshold + this count as not well answered (knowledge/answer_log.h).
  double unanswered_margin = 0.1;
  std::string jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";  // general words
  int document_max_mb = 20;      // policy documents uploaded for import (document_imports.h)
  int document_max_pages = 300;  // pages of such a PDF
  // Where the classifier model of the last builds is kept across restarts; "": the index
  // directory's classifier-model/ (live_knowledge.h).
  std::string model_dir;
};

// knowledge.kb_dir, knowledge.answer_threshold, knowledge.alternatives, knowledge.jieba_dict,
// knowledge.unanswered_margin, knowledge.document_max_mb, knowledge.document_max_pages,
// knowledge.model_dir.
const ConfigSection<KnowledgeConfig>& KnowledgeConfigSection();

}  // namespace zx::knowledge
