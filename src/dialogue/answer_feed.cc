#include "dialogue/answer_feed.h"

#include <utility>

#include "base/log.h"
#include "dialogue/states.h"
#include "knowledge/loader.h"

namespace zx::dialogue {
namespace {

constexpr char kUnhelpfulRating[] = "不满意";

}  // namespace

AnswerFeed::AnswerFeed(knowledge::AnswerLog& log, AnswerFeedOptions options)
    : log_(log), options_(options) {}

AnswerFeed::Memory& AnswerFeed::Remember(const std::string& id) {
  auto [it, fresh] = memory_.try_emplace(id);
  if (fresh) {
    order_.push_back(id);
    while (order_.size() > options_.max_conversations) {
      if (order_.front() != id) memory_.erase(order_.front());
      order_.pop_front();
    }
  }
  return it->second;
}

void AnswerFeed::OnEvent(const Event& event) {
  if (const auto* e = std::get_if<ConversationStarted>(&event)) {
    std::lock_guard lock(mu_);
    Remember(e->conversation_id).channel = e->channel;
  } else if (const auto* e = std::get_if<CitizenSaid>(&event)) {
    std::lock_guard lock(mu_);
    Remember(e->conversation_id).said = e->text;
  } else if (const auto* e = std::get_if<TurnAnswered>(&event)) {
    OnTurn(e->conversation_id, e->reply);
  } else if (const auto* e = std::get_if<Rated>(&event)) {
    OnRated(e->conversation_id, e->rating);
  }
}

void AnswerFeed::OnTurn(const std::string& id, const Reply& reply) {
  knowledge::AskedQuestion q;
  {
    std::lock_guard lock(mu_);
    Memory& m = Remember(id);
    q.question = std::exchange(m.said, "");
    q.channel = m.channel;
  }
  if (q.question.empty()) return;  // a turn we did not hear asked (subscribed midway)
  q.conversation_id = id;
  const bool handed_over = reply.handoff;
  // A turn written while waiting for or talking to an agent never reached the knowledge base.
  if (!handed_over && (reply.state == kQueued || reply.state == kAgent)) return;
  if (handed_over) {
    if (reply.handoff_reason.value_or("") != knowledge::kHandedOver) return;
    q.unanswered = knowledge::kHandedOver;
  } else if (reply.unresolved) {
    q.unanswered = knowledge::kAskedBack;
  } else if (reply.topic && reply.confidence) {
    q.topic = reply.topic;
    q.confidence = *reply.confidence;
    q.unanswered = log_.Judge(q.topic, q.confidence);
  } else {
    return;  // a calculator's prompt, a pleasantry: not a question for the knowledge base
  }
  if (q.topic) {
    std::lock_guard lock(mu_);
    auto& answered = Remember(id).answered;
    answered.push_back({q, !q.unanswered.empty()});
    if (answered.size() > options_.answered_per_conversation) answered.erase(answered.begin());
  }
  log_.Record(std::move(q));
}

void AnswerFeed::OnRated(const std::string& id, const std::string& rating) {
  std::vector<Answered> answered;
  {
    std::lock_guard lock(mu_);
    auto it = memory_.find(id);
    if (it == memory_.end()) return;
    answered = std::move(it->second.answered);
    it->second.answered.clear();
  }
  if (rating != kUnhelpfulRating) return;
  for (Answered& a : answered) {
    if (a.listed) continue;
    knowledge::AskedQuestion q = std::move(a.question);
    q.unanswered = knowledge::kUnhelpful;
    q.hit = false;  // counted when it was answered
    log_.Record(std::move(q));
  }
}

Result<std::unique_ptr<AnswerRecording>> RecordAnswers(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
    const knowledge::KnowledgeConfig& config, DialogueService& service, const Clock& clock) {
  knowledge::AnswerLogOptions options = knowledge::AnswerLogOptionsFrom(config);
  // The knowledge base's phrasings weigh the words every question has (怎么, 办理) down.
  if (auto kb = knowledge::LoadKnowledgeBase(config.kb_dir); kb.ok())
    options.background = knowledge::BackgroundQuestions(*kb);
  else
    log::Warn("kb.answers_no_background error=\"{}\"", kb.status().message());
  ZX_ASSIGN_OR_RETURN(std::unique_ptr<knowledge::AnswerLog> log,
                      knowledge::AnswerLog::Open(db, std::move(cipher), clock, std::move(options)));
  return std::make_unique<AnswerRecording>(service, std::move(log));
}

AnswerRecording::AnswerRecording(DialogueService& service,
                                 std::unique_ptr<knowledge::AnswerLog> log)
    : service_(service), log_(std::move(log)), feed_(*log_) {
  subscription_ = service_.Subscribe("", [this](const Event& e) { feed_.OnEvent(e); });
}

AnswerRecording::~AnswerRecording() {
  service_.Unsubscribe(subscription_);
  log_->Stop();
}

}  // namespace zx::dialogue
