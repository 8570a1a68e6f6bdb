// What the dialogue remembers about a conversation between turns (internal to the dialogue
// module). Stored sealed in conversations.data by ConversationStore.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "dialogue/emotion.h"
#include "dialogue/escalation.h"
#include "dialogue/flow.h"
#include "dialogue/reply.h"
#include "dialogue/states.h"

namespace zx::dialogue {

struct State {
  std::string state = kActive;
  std::optional<std::string> topic;
  std::string last_question;                 // the last citizen text that found a topic
  std::string last_reply;                    // for "repeat"
  std::vector<std::string> pending_choices;  // topics offered when asking back
  std::map<std::string, FlowState> flows;    // calculator flows by id (kept when switching)
  std::string active_flow;                   // "" when none
  EscalationState escalation;
  std::vector<EmotionLabel> emotions;  // per citizen turn
  std::set<std::string> risks;         // 风险提示 labels heard
  std::vector<std::string> topics;     // topics answered, in order, unique
  std::string handoff_reason;
  int handoff_priority = 0;  // EscalationDecision::priority of the handover (4 risk, 3 anger...)
  bool danger = false;       // a risk that hands over was heard (not negated): time limit 2h
  std::vector<std::string> districts;
  std::set<std::string> request_types;  // 举报, 表扬 ... named in the citizen's words
  std::string contact;                  // the last phone number the citizen gave (digits)
  std::string address;                  // the last address the citizen gave (contact.h)
  // The age band (kb/age_bands.tsv) of the last valid ID number the citizen gave, at the turn's
  // day; "" none. Only the band is kept, never the number or the birth date (age_band.h).
  std::string age_band;
  // The complaint's work order (on_complaint): the citizen's words about it until it is made,
  // then the order's reference. Made once the place is known or on the complaint's next turn.
  std::string complaint_text;
  int complaint_turns = 0;
  std::optional<TicketRef> ticket;

  // The active calculator's slots (empty when none).
  SlotMap ActiveSlots() const;
};

// The state as stored (a JSON object) and back; unknown or missing fields take their defaults.
std::string EncodeState(const State& state);
Result<State> DecodeState(const std::string& stored);

// What an assistant turn stores beside its text (conversation_turns.meta): the reply's JSON
// without the text, the state and the queue position. Agent turns store who spoke.
std::string EncodeReplyMeta(const Reply& reply);
// `display`: what citizens see of the agent ("" none), kept beside the principal id.
std::string EncodeAgentMeta(const std::string& agent_id, const std::string& display = "");
// One knowledge entry pushed to the agent for a citizen turn (the agent desk).
struct PushedEntry {
  std::string topic;
  std::string title;
  int version = 0;
  std::string answer;
  double confidence = 0;
  std::vector<std::string> terms;  // the citizen's words the entry matched
};
// What a citizen turn stores beside its text: the feeling heard ("emotion", none when none),
// the risk phrases ("risks") and, while agents have the conversation, the knowledge pushed to
// them ("kb"). "" when there is nothing to say.
std::string EncodeCitizenMeta(const EmotionLabel& emotion, const std::vector<RiskHit>& risks,
                              const std::vector<PushedEntry>& pushed);
// What the summary reads of a stored assistant turn's meta.
struct StoredReplyFacts {
  bool unanswered = false;                    // it had a topic field, and no topic
  std::optional<std::string> result_summary;  // a calculator result was given
  // The entries it cited with the version each came from (id -> version; none of rows stored
  // before versions were).
  std::map<std::string, int> cited;
};
StoredReplyFacts ReadReplyMeta(const std::string& meta);

// The dominant feeling as replies name it; none when no feeling was heard.
std::optional<EmotionTag> ToEmotionTag(const EmotionLabel& label);

}  // namespace zx::dialogue
