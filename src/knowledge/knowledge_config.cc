#include "knowledge/knowledge_config.h"

namespace zx::knowledge {

const ConfigSection<KnowledgeConfig>& KnowledgeConfigSection() {
  using C = KnowledgeConfig;
  static const auto* section = new ConfigSection<C>(
      ConfigSection<C>("knowledge")
          .Text("kb_dir", &C::kb_dir, "knowledge base directory")
          .Number("answer_threshold", &C::answer_threshold, 0.0, 1.0,
                  "below this confidence the assistant asks back")
          .Number("alternatives", &C::alternatives, 1, 5, "topics offered when asking back")
          .Number("unanswered_margin", &C::unanswered_margin, 0.0, 0.5,
                  "answers under answer_threshold plus this are listed as unanswered")
          .Text("jieba_dict", &C::jieba_dict, "optional general word list (jieba format)")
          .Number("document_max_mb", &C::document_max_mb, 1, 20,
                  "largest policy document accepted for import, in MB")
          .Number("document_max_pages", &C::document_max_pages, 1, 5000,
                  "most pages of a PDF accepted for import")
          .Text("model_dir", &C::model_dir,
                "where trained classifier models are kept across restarts (\"\": in the index)"));
  return *section;
}

}  // namespace zx::knowledge
