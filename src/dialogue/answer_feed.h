// AnswerFeed: tells the knowledge base's answer log (knowledge/answer_log.h) what conversations
// asked and how each question fared, from the dialogue's events (dialogue/events.h), without
// the dialogue knowing of it. Subscribe it to every conversation:
//
//   dialogue::AnswerFeed feed(*answer_log);
//   service->Subscribe("", [&feed](const dialogue::Event& e) { feed.OnEvent(e); });
//
// Each citizen turn (CitizenSaid, then its TurnAnswered) is one question, counted once however
// many times the turn consulted the knowledge base:
//   - answered from an entry (a topic with a confidence): a hit of that entry; under the log's
//     low-confidence line also an unanswered question (knowledge::kLowConfidence);
//   - asked back or not understood (Reply::unresolved): knowledge::kAskedBack;
//   - handed over for repeated failures (handoff reason "failures"): knowledge::kHandedOver.
//   Turns while the conversation waits for or is with an agent, calculator prompts and
//   hand-overs for other reasons (risk, anger, a person asked for) are none of these.
// A conversation rated 不满意 after its end (Rated) adds its last answered questions (up to
// answered_per_conversation) as knowledge::kUnhelpful, unless already listed as unanswered.
//
// Memory: per conversation its channel, the turn's words until answered and the last answered
// questions; at most max_conversations are remembered (the oldest forgotten first), so a rating
// long after the end, or after a restart, adds nothing. Thread-safe; OnEvent returns quickly
// (AnswerLog::Record never waits on the database).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "dialogue/events.h"
#include "dialogue/service.h"
#include "knowledge/answer_log.h"
#include "knowledge/knowledge_config.h"
#include "security/field_cipher.h"
#include "storage/database.h"

namespace zx::dialogue {

struct AnswerFeedOptions {
  size_t max_conversations = 20000;
  size_t answered_per_conversation = 3;
};

class AnswerFeed final : public EventSubscriber {
 public:
  // `log` must outlive the feed (unsubscribe the feed before destroying either).
  explicit AnswerFeed(knowledge::AnswerLog& log, AnswerFeedOptions options = {});
  void OnEvent(const Event& event) override;

 private:
  struct Answered {
    knowledge::AskedQuestion question;
    bool listed = false;  // already recorded as unanswered
  };
  struct Memory {
    std::string channel;
    std::string said;  // the citizen's words of the turn being answered
    std::vector<Answered> answered;
  };
  Memory& Remember(const std::string& id);  // caller holds mu_
  void OnTurn(const std::string& id, const Reply& reply);
  void OnRated(const std::string& id, const std::string& rating);

  knowledge::AnswerLog& log_;
  const AnswerFeedOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Memory> memory_;  // guarded by mu_
  std::deque<std::string> order_;                   // first seen first; guarded by mu_
};

// The answer log with a feed of it subscribed to every conversation of a service, for as long
// as a server runs (RecordAnswers): the destructor unsubscribes, then writes what is left.
class AnswerRecording {
 public:
  AnswerRecording(DialogueService& service, std::unique_ptr<knowledge::AnswerLog> log);
  ~AnswerRecording();
  AnswerRecording(const AnswerRecording&) = delete;
  AnswerRecording& operator=(const AnswerRecording&) = delete;
  knowledge::AnswerLog& log() { return *log_; }

 private:
  DialogueService& service_;
  std::unique_ptr<knowledge::AnswerLog> log_;
  AnswerFeed feed_;
  int subscription_ = 0;
};

// Opens the answer log over `db` (knowledge::AnswerLogOptionsFrom(config)) and feeds it every
// conversation of `service`, which must outlive the result. `cipher` seals the questions: give
// it the conversations' cipher.
Result<std::unique_ptr<AnswerRecording>> RecordAnswers(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
    const knowledge::KnowledgeConfig& config, DialogueService& service,
    const Clock& clock = SystemClock::Instance());

}  // namespace zx::dialogue
