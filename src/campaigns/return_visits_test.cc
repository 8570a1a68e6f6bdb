// Return visits as attempts of the standing campaign ob.return_visit, over a fake gateway and
// clock: one target per order and round; keys 1/2/3 recorded (3 reopens once); no answer tried
// again under the engine's caps and windows, then 未回访; nothing dialled twice across a restart;
// a verdict kept by the engine applied once; rv: attempts of before counted.
#include "campaigns/return_visits.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "campaigns/testing/fake_voice.h"
#include "security/keys.h"
#include "security/testing/temp_dir.h"
#include "storage/testing/test_database.h"
#include "tickets/testing/clock_sla.h"

namespace zx::campaigns {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using telephony::CallId;
using telephony::CallOutcome;
using telephony::DigitSource;

constexpr const char* kDncNumber = "13900009999";

struct Ticked {
  int added = 0, started = 0, answered = 0, unanswered = 0;
};

class ReturnVisitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(
        storage::OpenDatabase(storage::testing::TestDatabasePlace(dir_.File("zx.db")).value())
            .value());
    cipher_ = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_)));
    orders_ = std::move(tickets::WorkOrders::Open(*db_, cipher_, sla_, clock_)).value();
    calls_ = std::move(NoticeCalls::Open(*db_, cipher_, clock_)).value();
    ASSERT_TRUE(calls_->Attach(&gateway_, &tts_).ok());
    std::ofstream(dir_.File("dnc.txt")) << kDncNumber << "\n";
    // The campaigns' own hours never open: the visits' window is the standing campaign's.
    policy_.periods = tickets::ParsePeriods("03:00-03:01").value();
    policy_.working_days_only = false;
    policy_.retry_after_ms = {30 * 60 * 1000};
    policy_.pace_per_s = 10;
    policy_.dnc_file = dir_.File("dnc.txt");
    options_.periods = tickets::ParsePeriods("00:00-24:00").value();
    options_.working_days_only = false;
    Reopen();
  }
  void TearDown() override { calls_->Detach(); }

  // The engine and the visits as a restarted server opens them.
  void Reopen() {
    visits_.reset();
    campaigns_ =
        std::move(Campaigns::Open(*db_, cipher_, *calls_, {}, scenarios_, sla_, clock_, policy_))
            .value();
    visits_ = std::move(ReturnVisits::Open(*db_, *orders_, *campaigns_, *calls_, clock_, options_))
                  .value();
  }

  // An order 办结 with a contact number.
  std::string Resolved(const std::string& phone = "13812345678") {
    tickets::NewOrder n;
    n.text = "小区门口垃圾没人清运";
    n.topic = "ts.garbage";
    n.place = "阳光小区" + std::to_string(++made_);
    n.contact = phone;
    n.departments = {{"cgj", tickets::Role::kLead}};
    auto o = orders_->Create(n, "u:1").value();
    Resolve(o.id);
    return o.id;
  }
  void Resolve(const std::string& id) {
    EXPECT_TRUE(orders_->Accept(id, "cgj", "u:5").ok());
    EXPECT_TRUE(orders_->Resolve(id, "cgj", "已清运", "u:5").ok());
  }
  CallId LastCall() { return 100 + gateway_.targets().size() - 1; }
  void Answer(CallId call, char key) {
    telephony::CallInfo info;
    info.id = call;
    info.direction = telephony::CallDirection::kOutbound;
    calls_->OnCallProgress(call, 180, false);
    calls_->OnCallStarted(info);
    calls_->Sync();
    calls_->OnDigit(call, key, DigitSource::kRfc4733);
    calls_->Sync();
    calls_->OnCallEnded(call, "bye");
    calls_->Sync();
  }
  // What the server does on its timers: the visits add targets, the engine collects and dials,
  // the visits apply what the engine kept.
  Ticked Tick() {
    Ticked out;
    calls_->Sync();
    for (int pass = 0; pass < 2; ++pass) {
      auto v = visits_->Tick();
      EXPECT_TRUE(v.ok()) << v.status().message();
      if (v.ok())
        out.added += v->added, out.answered += v->answered, out.unanswered += v->unanswered;
      if (pass == 1) break;
      auto e = campaigns_->Tick();
      EXPECT_TRUE(e.ok()) << e.status().message();
      if (e.ok()) out.started += e->started;
      calls_->Sync();
    }
    return out;
  }
  int64_t Targets() { return campaigns_->Targets(kReturnVisitCampaign, {}).value().total; }

  security::testing::TempDir dir_;
  FakeClock clock_{1764900000000};  // Friday 2025-12-05 10:00 China time
  tickets::testing::ClockSla sla_;
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<security::FieldCipher> cipher_;
  std::unique_ptr<tickets::WorkOrders> orders_;
  testing::FakeGateway gateway_;
  testing::FakeSynthesizer tts_;
  std::unique_ptr<NoticeCalls> calls_;
  ScenarioTable scenarios_;
  CampaignPolicy policy_;
  ReturnVisitOptions options_;
  std::unique_ptr<Campaigns> campaigns_;
  std::unique_ptr<ReturnVisits> visits_;
  int made_ = 0;
};

TEST_F(ReturnVisitsTest, OneTargetPerOrderAndRoundAndKeyThreeReopensOnce) {
  std::string id = Resolved();
  auto t = Tick();
  EXPECT_EQ(t.added, 1);
  EXPECT_EQ(t.started, 1);
  ASSERT_EQ(gateway_.targets().size(), 1u);
  EXPECT_NE(gateway_.targets()[0].find("13812345678"), std::string::npos);
  t = Tick();  // the call is still going: no second target, no second call
  EXPECT_EQ(t.added + t.started, 0);
  EXPECT_EQ(Targets(), 1);
  auto attempts = campaigns_->Attempts(kReturnVisitCampaign, 1).value();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].attempt_id, "cp:ob.return_visit:1:1");
  EXPECT_EQ(campaigns_->Get(kReturnVisitCampaign).value().state, CampaignState::kRunning);

  Answer(LastCall(), '3');
  EXPECT_EQ(Tick().answered, 1);
  auto o = orders_->Get(id).value();
  EXPECT_EQ(o.state, tickets::OrderState::kDispatched);
  EXPECT_EQ(o.reopened, 1);
  EXPECT_EQ(o.satisfaction, tickets::Satisfaction::kDissatisfied);
  EXPECT_FALSE(o.visit_solved);
  // The campaign stands: no target left, still running.
  EXPECT_EQ(campaigns_->Get(kReturnVisitCampaign).value().state, CampaignState::kRunning);

  // Round 1: a new target; its call waits for tomorrow (one call a day to a number).
  Resolve(id);
  t = Tick();
  EXPECT_EQ(t.added, 1);
  EXPECT_EQ(t.started, 0);
  EXPECT_EQ(Targets(), 2);
  clock_.Advance(hours(24));
  EXPECT_EQ(Tick().started, 1);
  Answer(LastCall(), '3');
  EXPECT_EQ(Tick().answered, 1);
  o = orders_->Get(id).value();
  EXPECT_EQ(o.state, tickets::OrderState::kClosed);  // 不满意 the second time: archived
  EXPECT_EQ(o.reopened, 1);
  EXPECT_EQ(Tick().added, 0);
  EXPECT_EQ(Targets(), 2);
  EXPECT_EQ(gateway_.targets().size(), 2u);
}

TEST_F(ReturnVisitsTest, KeysOneAndTwoCloseTheOrderSolved) {
  std::string one = Resolved("13812345678");
  std::string two = Resolved("13812345679");
  EXPECT_EQ(Tick().started, 2);
  Answer(100, '1');
  Answer(101, '2');
  EXPECT_EQ(Tick().answered, 2);
  auto o = orders_->Get(one).value();
  EXPECT_EQ(o.state, tickets::OrderState::kClosed);
  EXPECT_TRUE(o.visit_solved);
  EXPECT_EQ(o.satisfaction, tickets::Satisfaction::kSatisfied);
  o = orders_->Get(two).value();
  EXPECT_EQ(o.state, tickets::OrderState::kClosed);
  EXPECT_TRUE(o.visit_solved);
  EXPECT_EQ(o.satisfaction, tickets::Satisfaction::kBasicallySatisfied);
  EXPECT_EQ(campaigns_->Figures(kReturnVisitCampaign).value().confirmed, 2);
}

TEST_F(ReturnVisitsTest, NoAnswerIsTriedAgainUnderTheCapsThenLeftUnanswered) {
  std::string id = Resolved();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    EXPECT_EQ(Tick().started, 1) << attempt;
    calls_->OnCallFailed(LastCall(), CallOutcome::kNoAnswer, 0);
    calls_->Sync();
    EXPECT_EQ(Tick().started, 0) << attempt;
    clock_.Advance(minutes(30 << (attempt - 1)));
    // Not again today: one call a day to a number, all campaigns together.
    EXPECT_EQ(Tick().started, 0) << attempt;
    clock_.Advance(hours(24));
  }
  EXPECT_EQ(gateway_.targets().size(), 3u);
  auto o = orders_->Get(id).value();
  EXPECT_EQ(o.state, tickets::OrderState::kClosed);
  EXPECT_EQ(o.visit, tickets::VisitState::kUnanswered);
  Tick();
  EXPECT_EQ(gateway_.targets().size(), 3u);
  EXPECT_EQ(campaigns_->Figures(kReturnVisitCampaign).value().outcomes["no_answer"], 1);
  EXPECT_EQ(campaigns_->Figures(kReturnVisitCampaign).value().sms_fallbacks, 0);
}

TEST_F(ReturnVisitsTest, TheWindowAndTheDoNotCallListAreTheEngines) {
  options_.periods = tickets::ParsePeriods("14:00-15:00").value();  // it is 10:00
  Reopen();
  std::string id = Resolved();
  std::string dnc = Resolved(kDncNumber);
  auto t = Tick();
  EXPECT_EQ(t.added, 2);
  EXPECT_EQ(t.started, 0);
  clock_.Advance(hours(4));
  EXPECT_EQ(Tick().started, 1);  // 14:00: the one not on the list
  ASSERT_EQ(gateway_.targets().size(), 1u);
  EXPECT_NE(gateway_.targets()[0].find("13812345678"), std::string::npos);
  // Checked at dial time: never called, left 待回访 for a person, not added again.
  auto o = orders_->Get(dnc).value();
  EXPECT_EQ(o.state, tickets::OrderState::kResolved);
  EXPECT_EQ(o.visit, tickets::VisitState::kDue);
  EXPECT_EQ(Tick().added, 0);
  EXPECT_EQ(campaigns_->Figures(kReturnVisitCampaign).value().outcomes["dnc"], 1);
  (void)id;
}

TEST_F(ReturnVisitsTest, ARestartDialsNothingTwiceAndAVerdictIsAppliedOnce) {
  std::string id = Resolved();
  Tick();
  ASSERT_EQ(gateway_.targets().size(), 1u);
  Reopen();  // the call is still open
  Tick();
  EXPECT_EQ(gateway_.targets().size(), 1u);
  EXPECT_EQ(Targets(), 1);
  Answer(LastCall(), '1');
  // The engine keeps the verdict with the attempt's outcome; the server stops before the visits
  // put it on the order.
  ASSERT_TRUE(campaigns_->Tick().ok());
  EXPECT_EQ(orders_->Get(id).value().state, tickets::OrderState::kResolved);
  Reopen();
  EXPECT_EQ(Tick().answered, 1);
  EXPECT_EQ(orders_->Get(id).value().state, tickets::OrderState::kClosed);
  // Stopped after the order changed, before the mark: not recorded a second time.
  ASSERT_TRUE(db_->Exec("UPDATE return_visit_targets SET applied = 0").ok());
  EXPECT_EQ(Tick().answered, 0);
  int visits = 0;
  const auto history = orders_->History(id);  // kept: the loop must not outlive it
  for (const auto& h : history.value()) visits += h.action == "visit";
  EXPECT_EQ(visits, 1);
  EXPECT_EQ(gateway_.targets().size(), 1u);
}

TEST_F(ReturnVisitsTest, AttemptsOfBeforeTheCampaignAreCounted) {
  std::string id = Resolved();
  // An rv: attempt left open by the old path (its call unknown here), and one before it.
  auto st = db_->Prepare(
      "INSERT INTO return_visits (order_id, round, n, call_id, started_ms, done, outcome) "
      "VALUES (?, 0, 1, '', ?, 1, 'no_answer'), (?, 0, 2, 'feedbeeffeedbeef', ?, 0, '')");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->Bind(1, id)
                  .Bind(2, clock_.NowUnixMillis() - 3 * 3600 * 1000)
                  .Bind(3, id)
                  .Bind(4, clock_.NowUnixMillis() - 2 * 3600 * 1000)
                  .Run()
                  .ok());
  EXPECT_EQ(Tick().started, 1);
  auto attempts = campaigns_->Attempts(kReturnVisitCampaign, 1).value();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].attempt_id, "cp:ob.return_visit:1:3");  // the third and last
  calls_->OnCallFailed(LastCall(), CallOutcome::kBusy, 486);
  calls_->Sync();
  EXPECT_EQ(Tick().unanswered, 1);
  EXPECT_EQ(orders_->Get(id).value().visit, tickets::VisitState::kUnanswered);
}

TEST(VerdictKeyOf, TheWordsOfTheThreeVerdicts) {
  EXPECT_EQ(VerdictKeyOf("满意"), '1');
  EXPECT_EQ(VerdictKeyOf("非常满意"), '1');
  EXPECT_EQ(VerdictKeyOf("基本满意吧"), '2');
  EXPECT_EQ(VerdictKeyOf("还行"), '2');
  EXPECT_EQ(VerdictKeyOf("不满意"), '3');
  EXPECT_EQ(VerdictKeyOf("不太满意"), '3');
  EXPECT_EQ(VerdictKeyOf("问题没解决"), '3');
  EXPECT_EQ(VerdictKeyOf("知道了"), 0);
}

TEST(CallingWindow, WorkingDaysInTheMorningAndAfternoonOnly) {
  auto sla = tickets::MakeSlaCalendar(
      tickets::WorkCalendar::Load(std::string(ZX_SOURCE_DIR) + "/kb/calendar").value());
  auto may_call = CallingWindow(*sla, tickets::ParsePeriods("09:00-12:00,14:00-20:00").value());
  auto at = [](const char* local) { return tickets::ParseChinaLocalMinute(local).value(); };
  EXPECT_TRUE(may_call(at("2025-10-11 10:00")));   // a 调休 Saturday: a working day
  EXPECT_FALSE(may_call(at("2025-10-01 10:00")));  // 国庆
  EXPECT_FALSE(may_call(at("2025-10-12 10:00")));  // Sunday
  EXPECT_FALSE(may_call(at("2025-10-09 08:59")));
  EXPECT_TRUE(may_call(at("2025-10-09 09:00")));
  EXPECT_FALSE(may_call(at("2025-10-09 12:30")));
  EXPECT_TRUE(may_call(at("2025-10-09 19:59")));
  EXPECT_FALSE(may_call(at("2025-10-09 20:00")));
  EXPECT_FALSE(may_call(at("2031-10-09 10:00")));  // no calendar for the year: no calls
  // The configuration's [visits], as the standing campaign's rules: any day, all day; a
  // malformed window is named; retries 30 min, then twice that.
  VisitConfig every_day;
  every_day.hours = "00:00-24:00";
  every_day.working_days_only = 0;
  auto rules = ReturnVisitRules(ReturnVisitOptionsFrom(every_day).value());
  auto every = CallingWindow(*sla, rules.periods, rules.working_days_only);
  EXPECT_TRUE(every(at("2025-10-01 03:00")));
  EXPECT_TRUE(every(at("2031-10-09 23:59")));
  EXPECT_EQ(rules.max_attempts, 3);
  EXPECT_EQ(rules.retry_after_ms, (std::vector<int64_t>{30 * 60000, 60 * 60000}));
  VisitConfig never;
  never.hours = "";
  rules = ReturnVisitRules(ReturnVisitOptionsFrom(never).value());
  EXPECT_FALSE(CallingWindow(*sla, rules.periods)(at("2025-10-09 10:00")));
  VisitConfig bad;
  bad.hours = "09:00-12:00,11:00-13:00";
  auto refused = ReturnVisitOptionsFrom(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("visits.hours"), std::string::npos);
  EXPECT_NE(refused.status().message().find("overlaps"), std::string::npos);
}

}  // namespace
}  // namespace zx::campaigns
