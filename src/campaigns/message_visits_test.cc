// Return visits of chat orders by message, over a FakeClock and a poster that keeps what it
// posts: the question after 办结; 3 reopens once and the second round asks again; 1 records
// 满意; no verdict within the wait is 未回访; a restart in between loses nothing; orders with a
// number, or of another channel, get no message; the words of kb/campaigns/return_visit.toml.
#include "campaigns/message_visits.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "security/keys.h"
#include "security/testing/temp_dir.h"
#include "storage/testing/test_database.h"
#include "tickets/testing/clock_sla.h"

namespace zx::campaigns {
namespace {

using std::chrono::hours;
using tickets::Satisfaction;
using tickets::VisitState;

class MessageVisitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(
        storage::OpenDatabase(storage::testing::TestDatabasePlace(dir_.File("zx.db")).value())
            .value());
    cipher_ = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_)));
    orders_ = std::move(tickets::WorkOrders::Open(*db_, cipher_, sla_, clock_)).value();
    words_ = MessageVisitWords::Load(std::string(ZX_SOURCE_DIR) + "/kb/campaigns/return_visit.toml")
                 .value();
    Reopen();
  }

  // The visits as a restarted server opens them.
  void Reopen() {
    visits_.reset();
    auto poster = [this](const std::string& conversation, const std::string& text) {
      posted_[conversation].push_back(text);
      return Status::Ok();
    };
    visits_ = std::move(MessageVisits::Open(*db_, *orders_, words_, poster, clock_)).value();
  }

  // An order from conversation `conversation` of `channel`, 办结.
  std::string Resolved(const std::string& conversation, const std::string& channel = "chat",
                       const std::string& phone = "") {
    tickets::NewOrder n;
    n.channel = channel;
    n.conversation_id = conversation;
    n.text = "小区门口垃圾没人清运";
    n.topic = "ts.garbage";
    n.place = "阳光小区" + std::to_string(++made_);
    n.contact = phone;
    n.departments = {{"cgj", tickets::Role::kLead}};
    auto o = orders_->Create(n, "system").value();
    Resolve(o.id);
    return o.id;
  }
  void Resolve(const std::string& id) {
    EXPECT_TRUE(orders_->Accept(id, "cgj", "u:5").ok());
    EXPECT_TRUE(orders_->Resolve(id, "cgj", "已清运", "u:5").ok());
  }
  MessageVisitTick Tick() {
    auto t = visits_->Tick();
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? *t : MessageVisitTick{};
  }
  std::optional<std::string> Reply(const std::string& conversation, const std::string& text) {
    auto r = visits_->Reply(conversation, text);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::nullopt;
  }
  tickets::Order Get(const std::string& id) { return orders_->Get(id).value(); }

  security::testing::TempDir dir_;
  FakeClock clock_{1764900000000};  // Friday 2025-12-05 10:00 China time
  tickets::testing::ClockSla sla_;
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<security::FieldCipher> cipher_;
  std::unique_ptr<tickets::WorkOrders> orders_;
  MessageVisitWords words_;
  std::unique_ptr<MessageVisits> visits_;
  std::map<std::string, std::vector<std::string>> posted_;
  int made_ = 0;
};

TEST_F(MessageVisitsTest, QuestionPostedOnceAfterResolve) {
  std::string id = Resolved("c1", "web");  // the complaint action names the conversation's channel
  EXPECT_EQ(Reply("c1", "1"), std::nullopt);  // nothing asked yet: not the visit's
  EXPECT_EQ(Tick().posted, 1);
  ASSERT_EQ(posted_["c1"].size(), 1u);
  EXPECT_NE(posted_["c1"][0].find(id), std::string::npos);
  EXPECT_NE(posted_["c1"][0].find("已清运"), std::string::npos);
  EXPECT_EQ(Tick().posted, 0);
  Reopen();
  EXPECT_EQ(Tick().posted, 0);
  EXPECT_EQ(posted_["c1"].size(), 1u);
}

TEST_F(MessageVisitsTest, OneRecordsSatisfiedOnce) {
  std::string id = Resolved("c1");
  Tick();
  EXPECT_EQ(Reply("c1", "1"), words_.thanks);
  auto o = Get(id);
  EXPECT_EQ(o.visit, VisitState::kDone);
  EXPECT_EQ(o.satisfaction, Satisfaction::kSatisfied);
  EXPECT_TRUE(o.visit_solved);
  EXPECT_EQ(Reply("c1", "3"), std::nullopt);  // answered: later messages are not the visit's
  EXPECT_EQ(Tick().answered, 0);
  EXPECT_EQ(Get(id).satisfaction, Satisfaction::kSatisfied);
  bool noted = false;
  const auto history = orders_->History(id).value();
  for (const auto& h : history) noted |= h.reason.find("消息回访") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST_F(MessageVisitsTest, ThreeReopensOnceAndTheSecondRoundAsksAgain) {
  std::string id = Resolved("c1");
  Tick();
  EXPECT_EQ(Reply("c1", "不满意，垃圾还在"), words_.reopened);
  auto o = Get(id);
  EXPECT_EQ(o.reopened, 1);
  EXPECT_NE(o.state, tickets::OrderState::kResolved);
  EXPECT_EQ(Tick().posted, 0);
  Resolve(id);
  EXPECT_EQ(Tick().posted, 1);
  ASSERT_EQ(posted_["c1"].size(), 2u);
  EXPECT_EQ(Reply("c1", "3"), words_.thanks);
  o = Get(id);
  EXPECT_EQ(o.reopened, 1);  // once only
  EXPECT_EQ(o.visit, VisitState::kDone);
  EXPECT_EQ(o.satisfaction, Satisfaction::kDissatisfied);
  EXPECT_NE(o.state, tickets::OrderState::kResolved);
}

TEST_F(MessageVisitsTest, WordsAndReaskThenLeftToAPerson) {
  std::string a = Resolved("c1");
  std::string b = Resolved("c2");
  Tick();
  EXPECT_EQ(Reply("c1", "解决了，谢谢！"), words_.thanks);
  EXPECT_EQ(Get(a).satisfaction, Satisfaction::kSatisfied);
  EXPECT_EQ(Reply("c2", "请问什么时候来"), words_.reask);
  Reopen();
  EXPECT_EQ(Reply("c2", "嗯"), words_.left);
  EXPECT_EQ(Get(b).visit, VisitState::kDue);  // 待回访 for a person
  EXPECT_EQ(Reply("c2", "1"), std::nullopt);
  clock_.Advance(hours(72));
  EXPECT_EQ(Tick().unanswered, 0);
  EXPECT_EQ(Get(b).visit, VisitState::kDue);
}

TEST_F(MessageVisitsTest, NoVerdictWithinTheWaitIsUnansweredAcrossARestart) {
  std::string id = Resolved("c1");
  Tick();
  clock_.Advance(hours(47));
  EXPECT_EQ(Tick().unanswered, 0);
  Reopen();
  clock_.Advance(hours(1));
  EXPECT_EQ(Tick().unanswered, 1);
  EXPECT_EQ(Get(id).visit, VisitState::kUnanswered);
  EXPECT_EQ(Reply("c1", "1"), std::nullopt);
  EXPECT_EQ(Tick().unanswered, 0);
}

TEST_F(MessageVisitsTest, PhoneOrdersAndOtherChannelsGetNoMessage) {
  Resolved("c1", "chat", "13812345678");  // a number: the telephone visits it
  Resolved("c2", "voice");
  Resolved("c3", "api");  // a conversation over the API: no citizen's page to answer in
  Resolved("", "agent");
  EXPECT_EQ(Tick().posted, 0);
  EXPECT_TRUE(posted_.empty());
}

TEST(MessageVisitWordsTest, Verdicts) {
  auto w = MessageVisitWords::Parse(
               "ask = \"a\"\nreask = \"b\"\nthanks = \"c\"\nreopened = \"d\"\nleft = \"e\"\n"
               "dissatisfied = [\"没解决\"]\nsatisfied = [\"解决了\"]\n",
               "t.toml")
               .value();
  EXPECT_EQ(w.Verdict(" 1 "), Satisfaction::kSatisfied);
  EXPECT_EQ(w.Verdict("2"), Satisfaction::kBasicallySatisfied);
  EXPECT_EQ(w.Verdict("3。"), Satisfaction::kDissatisfied);
  EXPECT_EQ(w.Verdict("基本满意"), Satisfaction::kBasicallySatisfied);
  EXPECT_EQ(w.Verdict("还是没解决"), Satisfaction::kDissatisfied);
  EXPECT_EQ(w.Verdict("解决了"), Satisfaction::kSatisfied);
  EXPECT_EQ(w.Verdict("还行吧"), Satisfaction::kBasicallySatisfied);  // as a call hears it
  EXPECT_EQ(w.Verdict("不满意，还是老样子"), Satisfaction::kDissatisfied);
  EXPECT_EQ(w.Verdict("4"), std::nullopt);
  EXPECT_EQ(w.Verdict("你好"), std::nullopt);
  EXPECT_FALSE(MessageVisitWords::Parse("ask = \"a\"\n", "t.toml").ok());
}

}  // namespace
}  // namespace zx::campaigns
