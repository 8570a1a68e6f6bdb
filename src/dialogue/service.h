// DialogueService: every conversation of the hotline, whatever the channel (CLI, HTTP, WebSocket,
// voice). It keeps each conversation in the database (turns, topic, slots, emotion, state), so a
// conversation can be resumed by id after a restart, runs each citizen turn through the knowledge
// engine, the calculator flows, emotion and risk detection and the escalation rules, queues
// handed-over conversations for human agents, and writes the seven-element summary at the end.
//
// Thread-safe: calls for different conversations run in parallel; calls for the same one are
// serialised. Listeners (live channels such as a WebSocket) are called after the change is
// stored, on the caller's thread, without locks held.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "dialogue/actions.h"
#include "dialogue/dialogue_config.h"
#include "dialogue/events.h"
#include "dialogue/reply.h"
#include "dialogue/sealer.h"
#include "dialogue/states.h"
#include "dialogue/summary.h"
#include "knowledge/snapshot.h"
#include "knowledge/written_assistant.h"
#include "storage/database.h"

namespace zx::dialogue {

inline constexpr size_t kMaxMessageChars = 2000;

struct TurnRecord {
  int64_t seq = 0;
  std::string role;  // citizen | assistant | agent
  std::string text;
  int64_t at_ms = 0;
  // What the turn stored beside its text, a JSON object as stored ("" for none): assistant
  // turns the reply's fields (Reply without text, state and queue position), agent turns
  // {"agent": principal id}. Passed through as it was written, so that views show old turns as
  // they were.
  std::string meta;
};

struct ConversationView {
  std::string id;
  // The citizen's secret to their own conversation: set only in the view Start returns (it is
  // stored as a hash, never logged, never shown to staff). The id alone opens nothing.
  std::string token;
  std::string channel;
  std::string state;
  std::optional<std::string> topic;
  SlotMap slots;  // the active calculator's slots
  // The active calculator (kb/flows): its title and its slots' labels, in asking order, for
  // staff screens ("" and none without one).
  std::string calculator;
  std::vector<std::pair<std::string, std::string>> slot_labels;  // (slot name, label)
  std::optional<EmotionTag> emotion;                             // of the last citizen turn
  std::string agent_id;       // the holder: principal id of the agent who took it ("u:12")
  std::string agent;          // the holder's login name, for staff only; never shown to citizens
  std::string agent_display;  // what citizens see of the holder (its display name); "" none
  std::string queue;          // the queue it waits in after a transfer; "" the default one
  std::string reference;      // 受理编号 once ended (satisfaction.h); "" before
  std::string satisfaction;   // the citizen's rating; "" when none given
  int64_t created_ms = 0;
  int64_t ended_ms = 0;    // 0 while not ended
  int queue_position = 0;  // 1-based while queued, else 0
  // Where the conversation belongs, for record scope: the departments of the topics it touched
  // (kb entries' `department`) and the codes of the districts the citizen named
  // (kb/districts.tsv).
  std::vector<std::string> departments;
  std::vector<std::string> districts;
  std::vector<TurnRecord> turns;   // the page asked for (TurnPage), oldest first
  int64_t turns_total = 0;         // all turns stored
  int64_t next_after = -1;         // pass as TurnPage::after_seq for the next page; -1: no more
  std::optional<Summary> summary;  // none until ended (or the summary so far when queued)
  // An agent's correction, kept beside the original: the summary's JSON object with the
  // elements the agent changed and "_corrected_by", "_corrected_ms"; "" when none. Free-form
  // as the agent wrote it within CorrectSummary's limits, so it stays a document.
  std::string summary_corrected;
};

// Which turns a view carries: those with seq > after_seq, at most `limit` (0: all); `summary`:
// make the summary so far of a conversation not yet ended (it reads every turn).
struct TurnPage {
  int64_t after_seq = -1;
  int limit = 0;
  bool summary = true;
};

// The staff member acting on a conversation.
struct StaffRef {
  std::string id;       // principal id ("u:12"): what binds a conversation to its holder
  std::string name;     // login name, for staff views and logs
  std::string display;  // what citizens see (the administrator's display name); "" none
};

// Where a transfer sends a conversation: to another agent (to.id set), or back to a queue.
struct TransferTarget {
  StaffRef agent;     // the agent who receives it; id "" for a queue
  std::string queue;  // the queue's name when agent.id is "" ("" the default queue)
};

// A search of past conversations (all given criteria hold; at least one is given).
struct ConversationSearch {
  std::string reference;  // 受理编号, exact
  std::string phone;      // the citizen's phone number, digits (found by its blind index)
  std::string ticket;     // the number of the work order it made (GD...), exact
  int64_t since_ms = 0;   // created at or after
  int64_t until_ms = 0;   // created before; 0: no bound
  int limit = 50;
};

// A citizen's message after their conversation ended: it opened a new conversation.
struct Continued {
  ConversationView started;  // the new conversation (its token set, as from Start)
  Reply reply;               // the reply to the message, in the new conversation
};

struct QueueItem {
  std::string id;
  int position = 0;
  int64_t waiting_since_ms = 0;
  std::string reason;                 // why it was handed over
  std::string queue;                  // "" the default queue; a transfer may name another
  std::string channel;                // "web", "voice", ...
  std::optional<EmotionTag> emotion;  // of the last citizen turn
  std::optional<Summary> summary;     // the summary so far
  SlotMap slots;
  // Sealed under a key this server does not hold: waiting, but unreadable (no reason, summary
  // or slots) until the key file it was written with is back.
  bool key_missing = false;
};

struct DialogueOptions {
  std::string flows_dir;       // kb/flows
  std::string emotions_file;   // kb/emotions.toml
  std::string risks_file;      // kb/risks.toml
  std::string rules_file;      // kb/dialogue.toml (words some topics require, request types)
  std::string districts_file;  // kb/districts.tsv (code, name); "" or missing: none known
  std::string age_bands_file;  // kb/age_bands.tsv (age_band.h); "" or missing: no age recorded
  // Citizen turns one conversation may hold; more are refused (resource_exhausted) so that no
  // conversation grows without bound.
  int max_citizen_turns = 200;
  int agents_online = 0;  // 0: no agent free, citizens are told their queue position
};

// The options of a dialogue whose files are in the knowledge base directory `kb_dir` (flows/,
// emotions.toml, risks.toml, dialogue.toml, districts.tsv, age_bands.tsv), with the limits of
// `config`.
DialogueOptions DialogueOptionsFor(const std::string& kb_dir, const DialogueConfig& config);

class DialogueService {
 public:
  // `knowledge` gives the knowledge base (and the assistant answering from it) in service: it
  // is called once at the start of each turn (and of each view or summary), and that snapshot
  // serves the whole turn, so a knowledge base published meanwhile (knowledge/live_knowledge.h)
  // takes over from the next turn and a turn never mixes two. invalid_argument when it gives
  // none.
  static Result<std::unique_ptr<DialogueService>> Create(storage::Database& db,
                                                         knowledge::SnapshotSource knowledge,
                                                         const DialogueOptions& options,
                                                         const Clock& clock, TextSealer sealer = {},
                                                         ActionRegistry actions = {});
  // Over one knowledge base for the life of the service (FixedSnapshot): `assistant` and `kb`
  // must outlive it.
  static Result<std::unique_ptr<DialogueService>> Create(storage::Database& db,
                                                         const knowledge::Assistant& assistant,
                                                         const knowledge::KnowledgeBase& kb,
                                                         const DialogueOptions& options,
                                                         const Clock& clock, TextSealer sealer = {},
                                                         ActionRegistry actions = {});
  virtual ~DialogueService() = default;

  // Starts a conversation; the view's only turn is the assistant's greeting.
  virtual Result<ConversationView> Start(const std::string& channel) = 0;
  // One citizen turn: the text is understood once (the knowledge base ranked once), then the
  // turn's stages run (dialogue/turn.h). The Reply's JSON (http/dialogue_json.h) is the chat
  // contract of api/openapi.yaml.
  // not_found: unknown id; invalid_argument: empty or invalid text; resource_exhausted: longer
  // than kMaxMessageChars; failed_precondition: the conversation has ended, or already holds
  // max_citizen_turns citizen messages (the citizen starts a new one).
  virtual Result<Reply> Say(const std::string& id, std::string_view text) = 0;
  // A citizen turn that chose `topic` (a knowledge base entry or calculator id) without words,
  // as a phone menu's keys do: the topic is answered (or its calculator started) as if chosen
  // after asking back, whatever `said` would rank to; `said` is stored as the citizen's turn
  // ("按键：医保 > 异地备案"). not_found: unknown topic; otherwise as Say. Not every
  // implementation offers it (failed_precondition).
  virtual Result<Reply> Choose(const std::string& id, const std::string& topic,
                               std::string_view said) {
    (void)id, (void)topic, (void)said;
    return FailedPrecondition("choosing a topic by id is not supported here");
  }
  virtual Result<ConversationView> Get(const std::string& id, TurnPage page = {}) const = 0;
  // OK when `token` is the citizen's token of conversation `id`; not_found otherwise (the same
  // answer as for an unknown id, so a guess learns nothing).
  virtual Status CheckToken(const std::string& id, std::string_view token) const = 0;
  // Ends the conversation (if not already) and returns its seven-element summary. The first
  // end stores the summary, gives the 受理编号 (ConversationView::reference) and publishes
  // ConversationEnded and SummaryReady once; a second end returns the stored summary and
  // publishes nothing (so no channel shows the end twice).
  virtual Result<Summary> End(const std::string& id) = 0;
  // A citizen's message to a conversation that has ended: a new conversation of the same
  // channel is started and answers it. failed_precondition when `id` has not ended.
  virtual Result<Continued> Continue(const std::string& id, std::string_view text) = 0;
  // The citizen's satisfaction (满意, 基本满意, 不满意), once, after the end: invalid_argument
  // for another word, failed_precondition before the end, already_exists when rated. The voice
  // module maps keys with SatisfactionForKey (satisfaction.h) and calls this.
  virtual Status Rate(const std::string& id, std::string_view rating) = 0;

  // Agents.
  virtual std::vector<QueueItem> Queue() const = 0;
  // What a work order of the conversation is made of (the agent's order form): the citizen's
  // words of every turn, the channel, topic, number and address given, districts named and
  // whether a danger was heard, as the on_complaint action gets them (ActionRequest).
  virtual Result<ActionRequest> WorkOrderFacts(const std::string& id) const = 0;
  // The conversations the agent (principal id) holds now, longest held first.
  virtual Result<std::vector<std::string>> HeldBy(const std::string& agent_id) const = 0;
  // Takes a waiting (or active) conversation; failed_precondition when it has ended or another
  // agent holds it, unless `takeover` (a supervisor's action, audited by the caller).
  virtual Result<ConversationView> Take(const std::string& id, const StaffRef& agent,
                                        bool takeover = false) = 0;
  // permission_denied unless `agent` holds the conversation.
  virtual Status AgentSay(const std::string& id, const StaffRef& agent, std::string_view text) = 0;
  // Closes a conversation the agent holds: the citizen is told, the conversation ends (End).
  // permission_denied unless `agent` holds it; `reason` (1-200 characters) is stored in the
  // closing turn's meta for staff.
  virtual Result<Summary> Close(const std::string& id, const StaffRef& agent,
                                std::string_view reason) = 0;
  // Hands a conversation the agent holds to another agent (who then holds it) or back to a
  // queue (no holder, state queued, keeping its place by its first queued time). The citizen is
  // told; the reason is kept in the turn's meta. permission_denied unless `from` holds it;
  // invalid_argument for a transfer to oneself or an empty reason.
  virtual Status Transfer(const std::string& id, const StaffRef& from, const TransferTarget& to,
                          std::string_view reason) = 0;
  // Past conversations matching `query`, newest first, as views without transcript (scope,
  // state, reference, summary). invalid_argument when no criterion is given.
  virtual Result<std::vector<ConversationView>> Search(const ConversationSearch& query) const = 0;
  // The agent's correction of the summary (`corrected`: a JSON object text, the elements to
  // change), kept beside the original and sealed like the transcript. Each element must have
  // its type and, for 诉求类型, 满意度预测 and 咨询主体.type, one of its values; texts at most
  // 1000 characters. invalid_argument naming the element ("field \"诉求类型\" must be one of
  // ...") otherwise; permission_denied unless `agent` holds (held) the
  // conversation.
  virtual Status CorrectSummary(const std::string& id, const StaffRef& agent,
                                std::string_view corrected) = 0;

  // Adds the 小结 (Summary::narrative) to the stored summary of an ended conversation: written
  // by `by` (an engine) from SummaryFacts and checked by the caller. failed_precondition before
  // the end; not_found for an unknown conversation.
  virtual Status AddSummaryNarrative(const std::string& id, const std::string& narrative,
                                     const std::string& by) {
    (void)id, (void)narrative, (void)by;
    return FailedPrecondition("this conversation service keeps no 小结");
  }

  // A message the service posts into a conversation outside a citizen turn (a return visit's
  // question after a work order of it was 办结), as an assistant turn, whether or not the
  // conversation has ended; subscribers hear it as TurnAnswered. not_found for an unknown id.
  virtual Status PostNotice(const std::string& id, std::string_view text) {
    (void)id, (void)text;
    return FailedPrecondition("this conversation service posts no notices");
  }
  // What answers a citizen's message before the turn's stages (and before Say refuses it on an
  // ended conversation; not while queued or with an agent): the text of the reply when `late`
  // takes the message (a return visit waiting for its verdict), none otherwise. Set once before
  // serving; app wires it (dialogue knows nothing of work orders).
  using LateReplies = std::function<Result<std::optional<std::string>>(const std::string& id,
                                                                       const std::string& text)>;
  virtual void SetLateReplies(LateReplies late) { (void)late; }

  // From now on, answers of the knowledge base are written anew by `writer` (a language model
  // whose text passed the grounding checker; app wires it with [llm] answers), in the phone's
  // style on "voice" conversations; null: the entries' own words. `writer` outlives the service.
  virtual void SetAnswerWriter(const knowledge::AnswerWriter* writer) { (void)writer; }

  // What the citizen of conversation `id` is saying before the turn (a speech recogniser's
  // partial text; "" when the utterance ended without words), told to subscribers as
  // CitizenSpeaking and nothing more: not stored, not checked against the conversation (the
  // voice bridge that calls it holds the conversation). Personal data: never logged.
  virtual void Speaking(const std::string& id, std::string_view text) { (void)id, (void)text; }

  // The dialogue's events (dialogue/events.h) for one conversation, or for all when `id` is "".
  using Listener = EventBus::Listener;
  virtual int Subscribe(const std::string& id, Listener listener) = 0;
  virtual void Unsubscribe(int subscription) = 0;
};

}  // namespace zx::dialogue
