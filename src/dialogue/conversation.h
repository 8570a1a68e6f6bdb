// Conversation: one conversation of the DialogueService seen from a channel that drives it turn
// by turn (the CLI, the voice bridge). Starts the conversation on construction.
// Not thread-safe: one channel drives one conversation.
#pragma once

#include <string>

#include "dialogue/reply.h"
#include "dialogue/service.h"
#include "dialogue/summary.h"

namespace zx::dialogue {

class Conversation {
 public:
  // Starts a conversation on `channel` ("cli", "voice", ...).
  static Result<Conversation> Start(DialogueService& service, const std::string& channel);

  const std::string& id() const { return id_; }
  const std::string& greeting() const { return greeting_; }
  Result<Reply> Say(std::string_view citizen_text);
  // DialogueService::Choose: the topic picked without words (a phone menu's keys).
  Result<Reply> Choose(const std::string& topic, std::string_view said);
  bool done() const { return done_; }
  // Ends the conversation (if not already) and returns the seven-element summary.
  Result<Summary> End();
  // After the end: the 受理编号 the citizen is told, and their satisfaction
  // (DialogueService::Rate).
  Result<std::string> Reference() const;
  Status Rate(std::string_view rating);

 private:
  Conversation(DialogueService& service, std::string id, std::string greeting)
      : service_(&service), id_(std::move(id)), greeting_(std::move(greeting)) {}
  DialogueService* service_;
  std::string id_;
  std::string greeting_;
  bool done_ = false;
};

}  // namespace zx::dialogue
