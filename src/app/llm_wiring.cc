#include "app/llm_wiring.h"

#include <cstdlib>
#include <filesystem>

#include "base/log.h"
#include "llm/http_chat_client.h"

namespace zx::app {
namespace {

// knowledge's AnswerWriter over the grounded writer of llm: the entry's text is the evidence.
// Spoken: in the phone's style, each sentence checked alone as it is written (WriteSpoken);
// one that fails and the whole answer is the entry's, since nothing was said yet.
class GroundedAnswerWriter final : public knowledge::AnswerWriter {
 public:
  explicit GroundedAnswerWriter(const llm::GroundedWriter& writer) : writer_(writer) {}
  std::optional<knowledge::WrittenText> Write(std::string_view question, std::string_view title,
                                              std::string_view evidence,
                                              bool spoken) const override {
    llm::WriteRequest request{
        std::string(question), {{std::string(title), std::string(evidence)}}, spoken};
    llm::Written w =
        spoken ? writer_.WriteSpoken(request, [](std::string_view) {}) : writer_.Write(request);
    if (!w.ok) return std::nullopt;
    return knowledge::WrittenText{w.text, w.engine};
  }

 private:
  const llm::GroundedWriter& writer_;
};

}  // namespace

LanguageModels::~LanguageModels() {
  if (!dialogue_) return;
  dialogue_->SetAnswerWriter(nullptr);
  if (subscription_ >= 0) dialogue_->Unsubscribe(subscription_);
  narrator_.reset();  // finishes the summary being written
}

std::function<std::optional<knowledge::WrittenText>(std::string_view, const knowledge::Entry&)>
LanguageModels::CardBriefs() const {
  if (!push_cards) return {};
  return [writer = push_cards.get()](
             std::string_view question,
             const knowledge::Entry& entry) -> std::optional<knowledge::WrittenText> {
    llm::Written w = writer->Write({std::string(question), {{entry.title, entry.answer}}, false});
    if (!w.ok) return std::nullopt;
    return knowledge::WrittenText{w.text, w.engine};
  };
}

void LanguageModels::Attach(dialogue::DialogueService& dialogue) {
  dialogue_ = &dialogue;
  dialogue.SetAnswerWriter(answer_writer.get());
  if (!summaries) return;
  narrator_ = std::make_unique<Worker>("zx-llm-summary");
  subscription_ = dialogue.Subscribe("", [this](const dialogue::Event& event) {
    const auto* ready = std::get_if<dialogue::SummaryReady>(&event);
    if (!ready) return;
    narrator_->Post([this, id = ready->conversation_id, summary = ready->summary] {
      std::vector<llm::Evidence> facts;
      for (std::string& fact : dialogue::SummaryFacts(summary)) facts.push_back({"要素", fact});
      llm::Written w = summaries->Write({"", std::move(facts), false});
      if (!w.ok) return;  // counted; the seven elements stand alone
      if (Status s = dialogue_->AddSummaryNarrative(id, w.text, w.engine); !s.ok())
        log::Warn("llm.summary_not_saved conversation={} error=\"{}\"", id, s.message());
    });
  });
}

Result<std::unique_ptr<LanguageModels>> OpenLanguageModels(const llm::LlmConfig& config,
                                                           const std::string& kb_dir,
                                                           const knowledge::Assistant& base,
                                                           const Clock& clock, Metrics& metrics) {
  auto out = std::make_unique<LanguageModels>();
  if (config.engines.empty()) return out;
  std::vector<llm::EngineRouter::Engine> engines;
  for (size_t i = 0; i < config.engines.size(); ++i) {
    const llm::EngineConfig& e = config.engines[i];
    std::string where = "llm.engines[" + std::to_string(i) + "] (" + e.name + ")";
    std::string key;
    if (!e.key_env.empty()) {
      const char* value = std::getenv(e.key_env.c_str());
      if (!value || !*value)
        return InvalidArgument(where + ".key_env: the environment variable " + e.key_env +
                               " is not set (it holds the engine's API key)");
      key = value;
    }
    auto client = llm::MakeHttpChatClient(e, std::move(key), clock);
    if (!client.ok()) return InvalidArgument(where + ": " + client.status().message());
    engines.push_back({e, std::move(client).value()});
  }
  out->router = std::make_unique<llm::EngineRouter>(std::move(engines),
                                                    llm::RouterOptionsFrom(config), clock, metrics);

  std::filesystem::path dir = std::filesystem::path(kb_dir) / "llm";
  llm::GroundingRules rules = llm::GroundingRules::Defaults();
  if (std::filesystem::exists(dir / "grounding.toml")) {
    ZX_ASSIGN_OR_RETURN(rules, llm::LoadGroundingRules((dir / "grounding.toml").string()));
  }
  // The writer of one use, or none when its chain is empty.
  auto writer_for = [&](const std::string& use,
                        const std::string& chain) -> Result<std::unique_ptr<llm::GroundedWriter>> {
    std::vector<std::string> engines = llm::ParseChain(chain);
    if (engines.empty()) return std::unique_ptr<llm::GroundedWriter>();
    ZX_ASSIGN_OR_RETURN(llm::WriterPrompt prompt,
                        llm::LoadWriterPrompt((dir / "prompts.toml").string(), use));
    return std::make_unique<llm::GroundedWriter>(*out->router, std::move(engines), rules, prompt,
                                                 use, metrics);
  };
  ZX_ASSIGN_OR_RETURN(out->answers, writer_for("answers", config.answers));
  ZX_ASSIGN_OR_RETURN(out->summaries, writer_for("summaries", config.summaries));
  ZX_ASSIGN_OR_RETURN(out->push_cards, writer_for("push_cards", config.push_cards));
  ZX_ASSIGN_OR_RETURN(out->drafts, writer_for("drafts", config.drafts));
  if (out->answers) {
    out->answer_writer = std::make_unique<GroundedAnswerWriter>(*out->answers);
    out->written = std::make_unique<knowledge::WrittenAssistant>(base, *out->answer_writer);
    out->spoken = std::make_unique<knowledge::WrittenAssistant>(base, *out->answer_writer, true);
    log::Info("language models: answers written by {} and checked before citizens see them",
              config.answers);
  }
  if (out->drafts) out->draft_writer = std::make_unique<GroundedAnswerWriter>(*out->drafts);
  return out;
}

}  // namespace zx::app
