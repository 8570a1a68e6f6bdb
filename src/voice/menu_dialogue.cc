#include "voice/menu_dialogue.h"

#include <utility>

#include "base/log.h"
#include "dialogue/conversation.h"

namespace zx::voice {
namespace {

class ServiceConversation final : public MenuConversation {
 public:
  explicit ServiceConversation(dialogue::Conversation conversation)
      : conversation_(std::move(conversation)) {}
  ~ServiceConversation() override = default;

  const std::string& id() const override { return conversation_.id(); }

  Result<MenuReply> Say(std::string_view citizen_text) override {
    ZX_ASSIGN_OR_RETURN(dialogue::Reply reply, conversation_.Say(citizen_text));
    return ToMenuReply(std::move(reply));
  }

  Result<MenuReply> Choose(const std::string& topic, std::string_view said) override {
    ZX_ASSIGN_OR_RETURN(dialogue::Reply reply, conversation_.Choose(topic, said));
    return ToMenuReply(std::move(reply));
  }

  static MenuReply ToMenuReply(dialogue::Reply reply) {
    MenuReply out;
    out.text = std::move(reply.text);
    out.topic = std::move(reply.topic);
    out.handoff = reply.handoff;
    out.done = reply.done;
    // An ask-back ("您是想咨询：1. …；2. …？") has no topic: the next digit picks a choice.
    out.asks_choice = !out.topic && !out.handoff && !out.done;
    out.asking = std::move(reply.asking);
    return out;
  }

  void End() override {
    if (conversation_.done()) return;
    auto summary = conversation_.End();
    if (!summary.ok())
      log::Warn("ivr.summary_failed conversation={} error=\"{}\"", conversation_.id(),
                summary.status().message());
  }

  std::string Reference() override {
    auto reference = conversation_.Reference();
    if (reference.ok()) return *reference;
    log::Warn("ivr.reference_failed conversation={} error=\"{}\"", conversation_.id(),
              reference.status().message());
    return "";
  }

  Status Rate(std::string_view rating) override { return conversation_.Rate(rating); }

 private:
  dialogue::Conversation conversation_;
};

class ServiceDialogue final : public MenuDialogue {
 public:
  explicit ServiceDialogue(dialogue::DialogueService& service) : service_(service) {}
  Result<std::unique_ptr<MenuConversation>> Start() override {
    ZX_ASSIGN_OR_RETURN(dialogue::Conversation conversation,
                        dialogue::Conversation::Start(service_, "voice"));
    return std::unique_ptr<MenuConversation>(new ServiceConversation(std::move(conversation)));
  }

 private:
  dialogue::DialogueService& service_;
};

}  // namespace

std::unique_ptr<MenuDialogue> MenuDialogueOver(dialogue::DialogueService& service) {
  return std::make_unique<ServiceDialogue>(service);
}

}  // namespace zx::voice
