// The answer feed (dialogue/answer_feed.h): the dialogue's events become hits and unanswered
// questions, one per citizen question; first from events alone, then through a real dialogue
// whose turns consult the knowledge base more than once.
#include "dialogue/answer_feed.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "knowledge/engine.h"
#include "knowledge/loader.h"
#include "security/keys.h"
#include "storage/testing/test_database.h"

namespace zx::dialogue {
namespace {

constexpr int64_t kStart = 1796486400000;  // 2026-12-06 00:00 in Beijing

std::shared_ptr<const security::FieldCipher> Cipher(const Clock& clock) {
  return std::make_shared<security::FieldCipher>(
      std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock)));
}

class AnswerFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(storage::testing::OpenTestDatabase().value());
    knowledge::AnswerLogOptions o;
    o.low_confidence_below = 0.55;
    log_ = std::move(knowledge::AnswerLog::Open(*db_, Cipher(clock_), clock_, o).value());
    feed_ = std::make_unique<AnswerFeed>(*log_);
    feed_->OnEvent(ConversationStarted{"c1", "web"});
  }
  void Turn(const std::string& said, Reply reply, const std::string& id = "c1") {
    feed_->OnEvent(CitizenSaid{id, said});
    reply.conversation_id = id;
    if (reply.state.empty()) reply.state = kActive;
    feed_->OnEvent(TurnAnswered{id, reply});
  }
  static Reply Answered(const std::string& topic, double confidence) {
    Reply r;
    r.text = "答复";
    r.topic = topic;
    r.confidence = confidence;
    return r;
  }
  std::map<std::string, int64_t> Reasons() {
    EXPECT_TRUE(log_->Flush().ok());
    std::map<std::string, int64_t> out;
    const auto clusters = log_->Clusters(knowledge::kClusterOpen).value();
    for (const auto& c : clusters)
      for (const auto& [reason, n] : c.reasons) out[reason] += n;
    return out;
  }

  FakeClock clock_{kStart};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<knowledge::AnswerLog> log_;
  std::unique_ptr<AnswerFeed> feed_;
};

TEST_F(AnswerFeedTest, EachTurnIsOneQuestionJudgedByWhatTheReplyDid) {
  Turn("异地就医怎么备案", Answered("yb.remote_filing", 0.9));    // a hit
  Turn("异地就医要带啥东西", Answered("yb.remote_filing", 0.5));  // a hit, but unsure
  Reply asked_back;
  asked_back.text = "您是想咨询：1. ...";
  asked_back.unresolved = true;
  Turn("电动车在哪里上牌", asked_back);
  Reply failed = asked_back;
  failed.handoff = true;
  failed.handoff_reason = "failures";
  failed.state = kQueued;
  Turn("电动车上牌去哪里", failed);
  // Not questions the knowledge base failed: a person asked for, a message while queued, a
  // calculator's prompt.
  Reply person;
  person.handoff = true;
  person.handoff_reason = "asked_for_human";
  person.topic = "meta.human";
  person.state = kQueued;
  Turn("转人工", person);
  Reply waiting;
  waiting.text = "请稍候";
  waiting.state = kQueued;
  waiting.unresolved = true;
  Turn("还要等多久", waiting);
  Reply prompt;
  prompt.text = "请问您的月工资是多少？";
  prompt.topic = "calc.severance";
  prompt.asking = "wage";
  Turn("经济补偿金怎么算", prompt);

  EXPECT_EQ(log_->HitsSince("2026-12-06").value(),
            (std::map<std::string, int64_t>{{"yb.remote_filing", 2}}));
  auto reasons = Reasons();
  EXPECT_EQ(reasons, (std::map<std::string, int64_t>{{knowledge::kLowConfidence, 1},
                                                     {knowledge::kAskedBack, 1},
                                                     {knowledge::kHandedOver, 1}}));
  auto clusters = log_->Clusters(knowledge::kClusterOpen).value();
  for (const auto& c : clusters) EXPECT_EQ(c.channels.begin()->first, "web");
}

TEST_F(AnswerFeedTest, RatedUnhelpfulListsTheAnsweredQuestionsNotListedYet) {
  Turn("社保卡丢了怎么补办", Answered("sbk.reissue", 0.9));
  Turn("补办要多久", Answered("sbk.reissue", 0.5));  // listed already as unsure
  feed_->OnEvent(ConversationEnded{"c1"});
  feed_->OnEvent(Rated{"c1", "不满意"});
  feed_->OnEvent(Rated{"c1", "不满意"});  // once only
  auto reasons = Reasons();
  EXPECT_EQ(reasons[knowledge::kUnhelpful], 1);
  EXPECT_EQ(reasons[knowledge::kLowConfidence], 1);
  EXPECT_EQ(log_->HitsSince("2026-12-06").value()["sbk.reissue"], 2);  // not counted again

  // A satisfied citizen adds nothing.
  feed_->OnEvent(ConversationStarted{"c2", "voice"});
  Turn("公积金怎么提取", Answered("gjj.withdraw", 0.9), "c2");
  feed_->OnEvent(Rated{"c2", "满意"});
  EXPECT_EQ(Reasons()[knowledge::kUnhelpful], 1);
}

TEST_F(AnswerFeedTest, MemoryIsBounded) {
  AnswerFeedOptions o;
  o.max_conversations = 2;
  feed_ = std::make_unique<AnswerFeed>(*log_, o);
  for (const char* id : {"a", "b", "c"}) {
    feed_->OnEvent(ConversationStarted{id, "web"});
    Turn("社保卡丢了怎么补办", Answered("sbk.reissue", 0.9), id);
  }
  feed_->OnEvent(Rated{"a", "不满意"});  // forgotten: nothing
  feed_->OnEvent(Rated{"c", "不满意"});
  EXPECT_EQ(Reasons()[knowledge::kUnhelpful], 1);
}

// Counts how often the knowledge base is asked.
class CountingAssistant final : public knowledge::Assistant {
 public:
  explicit CountingAssistant(const knowledge::Assistant& inner) : inner_(inner) {}
  knowledge::Answer Ask(std::string_view q) const override {
    ++calls;
    return inner_.Ask(q);
  }
  mutable std::atomic<int> calls{0};

 private:
  const knowledge::Assistant& inner_;
};

TEST(AnswerRecordingTest, AConversationCountsEachQuestionOnceHoweverOftenItIsRanked) {
  auto kb = knowledge::LoadKnowledgeBase(std::string(ZX_SOURCE_DIR) + "/kb");
  ASSERT_TRUE(kb.ok()) << kb.status().ToString();
  auto work = std::filesystem::temp_directory_path() / ("zx-feed-" + std::to_string(getpid()));
  knowledge::EngineOptions eo;
  eo.work_dir = (work / "index").string();
  eo.jieba_dict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
  auto engine = knowledge::KnowledgeEngine::Build(std::move(kb).value(), eo);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  CountingAssistant assistant(**engine);
  FakeClock clock(kStart);
  auto db = storage::testing::OpenTestDatabase().value();
  auto service =
      DialogueService::Create(*db, assistant, (*engine)->knowledge_base(),
                              DialogueOptionsFor(std::string(ZX_SOURCE_DIR) + "/kb", {}), clock)
          .value();
  knowledge::KnowledgeConfig kc;
  kc.kb_dir = std::string(ZX_SOURCE_DIR) + "/kb";  // the phrasings: background of the clusters
  auto recording = RecordAnswers(*db, Cipher(clock), kc, *service, clock).value();

  std::string id = service->Start("web")->id;
  int answered = 0;
  for (const char* said :
       {"社保卡丢了怎么办", "补办要多久能拿到？", "阿巴阿巴", "呜啦呜啦哇", "叽里咕噜叭叭"}) {
    Reply r = service->Say(id, said).value();
    answered += r.topic && r.confidence ? 1 : 0;
    SCOPED_TRACE(std::string(said) + " -> " + r.topic.value_or("-"));
  }
  ASSERT_TRUE(service->End(id).ok());
  ASSERT_TRUE(service->Rate(id, "不满意").ok());
  ASSERT_GE(answered, 2);
  EXPECT_GT(assistant.calls.load(), 5) << "a follow-up is ranked more than once";
  knowledge::AnswerLog& log = recording->log();
  int64_t hits = 0;
  const auto by_topic = log.HitsSince("2026-12-06").value();
  for (const auto& [topic, n] : by_topic) hits += n;
  EXPECT_EQ(hits, answered);
  ASSERT_TRUE(log.Flush().ok());
  std::map<std::string, int64_t> reasons;
  const auto clusters = log.Clusters(knowledge::kClusterOpen).value();
  for (const auto& c : clusters)
    for (const auto& [reason, n] : c.reasons) reasons[reason] += n;
  EXPECT_EQ(reasons[knowledge::kAskedBack], 2);
  EXPECT_EQ(reasons[knowledge::kHandedOver], 1);
  EXPECT_GE(reasons[knowledge::kUnhelpful], 1);
  recording.reset();
  std::filesystem::remove_all(work);
}

}  // namespace
}  // namespace zx::dialogue
