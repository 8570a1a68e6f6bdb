// The phone menu's view of the dialogue: the one place where the voice bridge meets
// dialogue::DialogueService (one conversation per call, channel "voice"). The bridge sees only
// what it acts on (the text to say, and whether the reply asks back with numbered choices,
// hands over to an agent or ends the conversation), so that the dialogue's types can change
// without touching the menu, and the menu is tested with a scripted dialogue.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx::dialogue {
class DialogueService;
}

namespace zx::voice {

struct MenuReply {
  std::string text;                  // what the assistant says
  std::optional<std::string> topic;  // the answered topic, for logs
  bool asks_choice = false;          // asked back with numbered choices: the next digit picks one
  bool handoff = false;              // the citizen is being passed to a human agent
  bool done = false;                 // the conversation has ended
  // A calculator asks for this slot next (the flow's slot name, kb/flows): the menu collects it
  // by keypad (IvrMenu::inputs); "" when the reply is an answer or no calculator is running.
  std::string asking;
};

// One call's conversation. Not thread-safe (the call's worker drives it). Blocking.
class MenuConversation {
 public:
  virtual ~MenuConversation() = default;
  virtual const std::string& id() const = 0;
  virtual Result<MenuReply> Say(std::string_view citizen_text) = 0;
  // The caller chose `topic` (an entry or calculator id) by keys: its answer, or its calculator's
  // first question, without ranking words. `said` is stored as the caller's turn.
  virtual Result<MenuReply> Choose(const std::string& topic, std::string_view said) = 0;
  // Ends the conversation (its summary is written) unless it has ended; failures are logged.
  virtual void End() = 0;
  // After End: the 受理编号 the caller is told ("" when there is none), and the caller's
  // satisfaction by keys (dialogue/satisfaction.h: 满意, 基本满意, 不满意).
  virtual std::string Reference() { return ""; }
  virtual Status Rate(std::string_view rating) {
    (void)rating;
    return FailedPrecondition("this conversation takes no rating");
  }
};

// Starts conversations. Thread-safe.
class MenuDialogue {
 public:
  virtual ~MenuDialogue() = default;
  virtual Result<std::unique_ptr<MenuConversation>> Start() = 0;
};

// Over the dialogue service (which must outlive it), on channel "voice".
std::unique_ptr<MenuDialogue> MenuDialogueOver(dialogue::DialogueService& service);

}  // namespace zx::voice
