// Conversation: one conversation of the DialogueService seen from a channel that drives it turn
// by turn (the CLI, the voice bridge). Starts the conversation on construction.
// Not thread-safe: one channel drives one conversation.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "dialogue/service.h"

namespace zx::dialogue {

struct Reply {
  std::string text;
  std::optional<std::string> topic;
  bool handoff = false;  // the citizen is being passed to a human agent
  bool done = false;     // the conversation has ended
  nlohmann::json json;   // the full reply (DialogueService::Say)
};

class Conversation {
 public:
  // Starts a conversation on `channel` ("cli", "voice", ...).
  static Result<Conversation> Start(DialogueService& service, const std::string& channel);

  const std::string& id() const { return id_; }
  const std::string& greeting() const { return greeting_; }
  Result<Reply> Say(std::string_view citizen_text);
  bool done() const { return done_; }
  // Ends the conversation (if not already) and returns the seven-element summary.
  Result<nlohmann::json> End();

 private:
  Conversation(DialogueService& service, std::string id, std::string greeting)
      : service_(&service), id_(std::move(id)), greeting_(std::move(greeting)) {}
  DialogueService* service_;
  std::string id_;
  std::string greeting_;
  bool done_ = false;
};

}  // namespace zx::dialogue
