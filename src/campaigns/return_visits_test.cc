// Return visits by telephone over a fake gateway and clock: key 3 reopens the order, keys 1/2
// close it, no answer is tried again inside the rules and then left 未回访, never dialled twice.
#include "campaigns/return_visits.h"

#include <gtest/gtest.h>

#include <chrono>

#include "campaigns/testing/fake_voice.h"
#include "security/keys.h"
#include "security/testing/temp_dir.h"
#include "storage/testing/test_database.h"
#include "tickets/testing/clock_sla.h"

namespace zx::campaigns {
namespace {

using std::chrono::minutes;
using telephony::CallId;
using telephony::CallOutcome;
using telephony::DigitSource;

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
    visits_ = std::move(ReturnVisits::Open(*db_, *orders_, *calls_, clock_)).value();
  }
  void TearDown() override { calls_->Detach(); }

  // An order 办结 with a contact number.
  std::string Resolved(const std::string& phone = "13812345678") {
    tickets::NewOrder n;
    n.text = "小区门口垃圾没人清运";
    n.topic = "ts.garbage";
    n.place = "阳光小区" + std::to_string(++made_);
    n.contact = phone;
    n.departments = {{"cgj", tickets::Role::kLead}};
    auto o = orders_->Create(n, "u:1").value();
    EXPECT_TRUE(orders_->Accept(o.id, "cgj", "u:5").ok());
    EXPECT_TRUE(orders_->Resolve(o.id, "cgj", "已清运", "u:5").ok());
    return o.id;
  }
  CallId LastCall() { return 100 + gateway_.targets().size() - 1; }
  void Answer(CallId call) {
    telephony::CallInfo info;
    info.id = call;
    info.direction = telephony::CallDirection::kOutbound;
    calls_->OnCallProgress(call, 180, false);
    calls_->OnCallStarted(info);
    calls_->Sync();
  }
  ReturnVisitTick Tick() {
    calls_->Sync();
    auto t = visits_->Tick();
    EXPECT_TRUE(t.ok()) << t.status().message();
    calls_->Sync();
    return t.ok() ? *t : ReturnVisitTick{};
  }

  security::testing::TempDir dir_;
  FakeClock clock_{1764900000000};
  tickets::testing::ClockSla sla_;
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<security::FieldCipher> cipher_;
  std::unique_ptr<tickets::WorkOrders> orders_;
  testing::FakeGateway gateway_;
  testing::FakeSynthesizer tts_;
  std::unique_ptr<NoticeCalls> calls_;
  std::unique_ptr<ReturnVisits> visits_;
  int made_ = 0;
};

TEST_F(ReturnVisitsTest, KeyThreeReopensTheOrderOnce) {
  std::string id = Resolved();
  EXPECT_EQ(Tick().started, 1);
  ASSERT_EQ(gateway_.targets().size(), 1u);
  EXPECT_EQ(gateway_.targets()[0].find("13812345678") != std::string::npos, true);
  EXPECT_EQ(Tick().started, 0);  // the call is still going: no second call
  CallId call = LastCall();
  Answer(call);
  calls_->OnDigit(call, '3', DigitSource::kRfc4733);
  calls_->Sync();
  calls_->OnCallEnded(call, "bye");
  auto t = Tick();
  EXPECT_EQ(t.answered, 1);
  auto o = orders_->Get(id).value();
  EXPECT_EQ(o.state, tickets::OrderState::kDispatched);
  EXPECT_EQ(o.reopened, 1);
  EXPECT_EQ(o.satisfaction, tickets::Satisfaction::kDissatisfied);
  EXPECT_FALSE(o.visit_solved);
}

TEST_F(ReturnVisitsTest, KeyOneClosesTheOrderSolvedAndSatisfied) {
  std::string id = Resolved();
  Tick();
  CallId call = LastCall();
  Answer(call);
  calls_->OnDigit(call, '1', DigitSource::kRfc4733);
  calls_->Sync();
  calls_->OnCallEnded(call, "bye");
  Tick();
  auto o = orders_->Get(id).value();
  EXPECT_EQ(o.state, tickets::OrderState::kClosed);
  EXPECT_TRUE(o.visit_solved);
  EXPECT_EQ(o.satisfaction, tickets::Satisfaction::kSatisfied);
}

TEST_F(ReturnVisitsTest, NoAnswerIsTriedAgainThenLeftUnanswered) {
  std::string id = Resolved();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    EXPECT_EQ(Tick().started, 1) << attempt;
    calls_->OnCallFailed(LastCall(), CallOutcome::kNoAnswer, 0);
    calls_->Sync();
    EXPECT_EQ(Tick().started, 0) << attempt;  // not before the pause
    clock_.Advance(minutes(30 << (attempt - 1)));
  }
  EXPECT_EQ(gateway_.targets().size(), 3u);
  auto o = orders_->Get(id).value();
  EXPECT_EQ(o.state, tickets::OrderState::kClosed);
  EXPECT_EQ(o.visit, tickets::VisitState::kUnanswered);
  Tick();
  EXPECT_EQ(gateway_.targets().size(), 3u);
}

TEST_F(ReturnVisitsTest, NothingIsDialledTwiceAcrossARestartOrOutsideTheWindow) {
  std::string id = Resolved();
  Tick();
  ASSERT_EQ(gateway_.targets().size(), 1u);
  // A restart of the visits (the call is still open): no second call.
  visits_ = std::move(ReturnVisits::Open(*db_, *orders_, *calls_, clock_)).value();
  Tick();
  EXPECT_EQ(gateway_.targets().size(), 1u);
  ReturnVisitOptions closed;
  closed.may_call = [](int64_t) { return false; };
  auto quiet = ReturnVisits::Open(*db_, *orders_, *calls_, clock_, closed).value();
  Resolved("13900001111");
  ASSERT_TRUE(quiet->Tick().ok());
  EXPECT_EQ(gateway_.targets().size(), 1u);
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
  // The configuration's [visits]: any day, all day; a malformed window is named.
  VisitConfig every_day;
  every_day.hours = "00:00-24:00";
  every_day.working_days_only = 0;
  auto options = ReturnVisitOptionsFrom(every_day, *sla).value();
  EXPECT_TRUE(options.may_call(at("2025-10-01 03:00")));
  EXPECT_TRUE(options.may_call(at("2031-10-09 23:59")));
  VisitConfig never;
  never.hours = "";
  EXPECT_FALSE(ReturnVisitOptionsFrom(never, *sla).value().may_call(at("2025-10-09 10:00")));
  VisitConfig bad;
  bad.hours = "09:00-12:00,11:00-13:00";
  auto refused = ReturnVisitOptionsFrom(bad, *sla);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("visits.hours"), std::string::npos);
  EXPECT_NE(refused.status().message().find("overlaps"), std::string::npos);
}

}  // namespace
}  // namespace zx::campaigns
