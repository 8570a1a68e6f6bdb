// What the dialogue says back, as types: the reply to one citizen turn and the values it
// carries. JSON is made at the edge (http/dialogue_json.h), never here, so the dialogue's API
// does not depend on a wire format.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dialogue/slot_value.h"

namespace zx::dialogue {

struct CalcResult;  // dialogue/calculators.h: a calculator's answer with its working

// A knowledge base entry (or calculator flow) a reply rests on.
struct Citation {
  std::string id;
  std::string title;
  int version = 0;  // the knowledge base entry's version the reply rests on (Entry::version)
};

// The dominant feeling of a citizen turn: EmotionName and LevelName (dialogue/emotion.h).
struct EmotionTag {
  std::string name;   // "愤怒"
  std::string level;  // "高"
  bool operator==(const EmotionTag&) const = default;
};

// The work order a conversation made (the chat contract's `ticket`).
struct TicketRef {
  std::string id;
  std::string department;  // "" while it waits for a dispatcher
  std::string sla;         // "2h", "24h", "7d", "15d"
  bool operator==(const TicketRef&) const = default;
};

// The reply to one citizen turn (DialogueService::Say). The chat contract of api/openapi.yaml,
// field by field; the optional ones are present only where they apply.
struct Reply {
  std::string conversation_id;
  std::string text;  // what the assistant says; "" while an agent holds the conversation
  std::optional<std::string> topic;  // none when asked back or not understood
  SlotMap slots;                     // the active calculator's slots (dialogue/slot_value.h)
  std::optional<EmotionTag> emotion;
  bool handoff = false;                       // this turn handed the citizen to an agent
  std::optional<std::string> handoff_reason;  // escalation reason code, with handoff
  std::optional<TicketRef> ticket;            // the work order this conversation made, once made
  bool done = false;                          // the citizen said goodbye: the conversation ended
  std::vector<Citation> citations;
  std::vector<std::string> steps;    // a calculator's working, one line each
  std::optional<double> confidence;  // knowledge answers only
  std::string written_by;  // the engine, when a language model wrote the text anew (checked)
  std::shared_ptr<const CalcResult> result;  // calculator answers only
  // A calculator's question: the slot (or group) it asks for next, so that a keypad can collect
  // that slot (voice/ivr_menu.h); "" otherwise. Not part of the chat contract.
  std::string asking;
  // The turn did not resolve what the citizen asked: it asked back or did not understand
  // (TurnOutcome::kUnresolved), for the knowledge team's unanswered questions
  // (dialogue/answer_feed.h). Not part of the chat contract.
  bool unresolved = false;
  // Where the conversation stands after the turn (not stored with the turn).
  std::string state;
  int queue_position = 0;
};

}  // namespace zx::dialogue
