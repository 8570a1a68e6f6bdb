#include "dialogue/conversation.h"

namespace zx::dialogue {

Result<Conversation> Conversation::Start(DialogueService& service, const std::string& channel) {
  auto view = service.Start(channel);
  if (!view.ok()) return view.status();
  std::string greeting = view->turns.empty() ? "" : view->turns.front().text;
  return Conversation(service, view->id, greeting);
}

Result<Reply> Conversation::Say(std::string_view citizen_text) {
  auto r = service_->Say(id_, citizen_text);
  if (!r.ok()) return r.status();
  Reply reply;
  reply.json = std::move(r).value();
  reply.text = reply.json.value("reply", "");
  if (reply.json["topic"].is_string()) reply.topic = reply.json["topic"].get<std::string>();
  reply.handoff = reply.json.value("handoff", false);
  reply.done = reply.json.value("done", false);
  done_ = reply.done;
  return reply;
}

Result<nlohmann::json> Conversation::End() {
  auto r = service_->End(id_);
  if (!r.ok()) return r.status();
  done_ = true;
  return (*r)["summary"];
}

}  // namespace zx::dialogue
