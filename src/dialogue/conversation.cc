#include "dialogue/conversation.h"

namespace zx::dialogue {

Result<Conversation> Conversation::Start(DialogueService& service, const std::string& channel) {
  ZX_ASSIGN_OR_RETURN(ConversationView view, service.Start(channel));
  std::string greeting = view.turns.empty() ? "" : view.turns.front().text;
  return Conversation(service, view.id, greeting);
}

Result<Reply> Conversation::Say(std::string_view citizen_text) {
  ZX_ASSIGN_OR_RETURN(Reply reply, service_->Say(id_, citizen_text));
  done_ = reply.done;
  return reply;
}

Result<Reply> Conversation::Choose(const std::string& topic, std::string_view said) {
  ZX_ASSIGN_OR_RETURN(Reply reply, service_->Choose(id_, topic, said));
  done_ = reply.done;
  return reply;
}

Result<Summary> Conversation::End() {
  ZX_ASSIGN_OR_RETURN(Summary summary, service_->End(id_));
  done_ = true;
  return summary;
}

Result<std::string> Conversation::Reference() const {
  ZX_ASSIGN_OR_RETURN(ConversationView view,
                      service_->Get(id_, TurnPage{.limit = 1, .summary = false}));
  return view.reference;
}

Status Conversation::Rate(std::string_view rating) { return service_->Rate(id_, rating); }

}  // namespace zx::dialogue
