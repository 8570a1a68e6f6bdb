// The campaign engine over the fake gateway and a FakeClock: the right person hears the
// notices, anyone else nothing; retries, windows and caps over a simulated week; exactly once
// across a kill; pause, cancel, a file added again, the do-not-call list, the SMS fall-back.
#include "campaigns/campaign_engine.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>

#include "campaigns/call_replies.h"
#include "campaigns/campaign_store.h"
#include "campaigns/target_fields.h"
#include "campaigns/testing/fake_voice.h"
#include "security/keys.h"
#include "security/testing/temp_dir.h"
#include "storage/testing/test_database.h"
#include "text/pii.h"

namespace zx::campaigns {
namespace {

using telephony::CallId;
using telephony::CallOutcome;
using telephony::DigitSource;

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;

// A valid 身份证号 for person `n`.
std::string IdNumber(int n) {
  char first17[18];
  std::snprintf(first17, sizeof first17, "11010119800101%03d", n % 1000);
  return std::string(first17) + IdCheckCharacter(first17);
}

std::string Phone(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "139%08d", n);
  return buf;
}

class CampaignEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(tickets::FromChinaLocal({2026, 11, 30}, 9 * kHour));  // a Monday, 09:00
    sla_ = tickets::MakeSlaCalendar(
        tickets::WorkCalendar::Load(std::string(ZX_SOURCE_DIR) + "/kb/calendar").value());
    scenarios_ = std::make_unique<ScenarioTable>(
        ScenarioTable::Load(std::string(ZX_SOURCE_DIR) + "/kb/campaigns/scenarios.toml").value());
    db_ = std::move(
        storage::OpenDatabase(storage::testing::TestDatabasePlace(dir_.File("zx.db")).value())
            .value());
    cipher_ = std::make_shared<security::FieldCipher>(
        std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_)));
    policy_ = CampaignPolicyFrom(CampaignConfig{}).value();
    policy_.pace_per_s = 100;
    Reopen();
  }
  void TearDown() override {
    if (calls_) calls_->Detach();
  }

  // A new process: the notice calls close what the last one left open.
  void Reopen() {
    if (calls_) calls_->Detach();
    campaigns_.reset();
    calls_ = std::move(NoticeCalls::Open(*db_, cipher_, clock_)).value();
    Listening listening;
    if (speech_) {
      listening.asr = &asr_;
      listening.replies = &*replies_;
      listening.answer = [this](const std::string& q) {
        questions_.push_back(q);
        return std::string("带上身份证到社保中心领取。");
      };
    }
    ASSERT_TRUE(calls_->Attach(&gateway_, &tts_, listening).ok());
    SmsSend sms = [this](const std::string& to, const std::string& text,
                         const std::string& id) -> Result<SmsResult> {
      sms_.push_back({to, text, id});
      return SmsResult{true, "ok"};
    };
    campaigns_ =
        std::move(Campaigns::Open(*db_, cipher_, *calls_, sms, *scenarios_, *sla_, clock_, policy_))
            .value();
  }

  // A target file of `people` people (card_ready), phone numbers from `first_phone`.
  std::string File(int people, int first_phone = 0, int first_person = 0,
                   const std::string& name = "t.csv") {
    std::string path = dir_.File(name);
    std::ofstream out(path);
    out << "姓名,性别,手机号,身份证号,场景,申请编号\n";
    for (int i = 0; i < people; ++i)
      out << "张" << i << ",男," << Phone(first_phone + i) << "," << IdNumber(first_person + i)
          << ",ob.card_ready,SB" << i << "\n";
    return path;
  }

  std::string Create(const std::string& path) {
    auto created = campaigns_->Create("领卡通知", {path, "", "", "2026-11-30"}, "u:1");
    EXPECT_TRUE(created.ok()) << created.status().message();
    return created.ok() ? created->campaign.id : "";
  }

  TickResult Tick() {
    calls_->Sync();
    auto t = campaigns_->Tick();
    EXPECT_TRUE(t.ok()) << t.status().message();
    calls_->Sync();
    return t.ok() ? *t : TickResult{};
  }

  void Answer(CallId call) {
    telephony::CallInfo info;
    info.id = call;
    info.direction = telephony::CallDirection::kOutbound;
    calls_->OnCallProgress(call, 180, false);
    calls_->OnCallStarted(info);
    calls_->Sync();
  }
  void Keys(CallId call, const std::string& keys) {
    for (char k : keys) {
      calls_->OnDigit(call, k, DigitSource::kRfc4733);
      calls_->Sync();
    }
  }
  void End(CallId call) {
    calls_->OnCallEnded(call, "bye");
    calls_->Sync();
  }
  std::string Attempt(size_t index) {
    const auto options = gateway_.options();
    for (const auto& [name, value] : options.at(index).headers)
      if (name == "X-Campaign-Attempt") return value;
    return "";
  }
  size_t Placed() { return gateway_.targets().size(); }
  CallId CallAt(size_t index) { return 100 + index; }

  struct Sms {
    std::string to, text, id;
  };

  security::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<tickets::SlaCalendar> sla_;
  std::unique_ptr<ScenarioTable> scenarios_;
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<security::FieldCipher> cipher_;
  CampaignPolicy policy_;
  testing::FakeGateway gateway_;
  testing::FakeSynthesizer tts_;
  std::unique_ptr<NoticeCalls> calls_;
  std::unique_ptr<Campaigns> campaigns_;
  std::vector<Sms> sms_;
  bool speech_ = false;
  testing::ScriptedRecognizer asr_;
  std::optional<CallReplies> replies_;
  std::vector<std::string> questions_;
};

TEST_F(CampaignEngineTest, TheRightPersonHearsTheNoticeAndAnyoneElseNothing) {
  std::string id = Create(File(3));
  EXPECT_EQ(Tick().started, 0);  // a draft calls nobody
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  EXPECT_EQ(Tick().started, 3);
  EXPECT_EQ(Attempt(0), "cp:" + id + ":1:1");
  EXPECT_EQ(gateway_.targets()[0], Phone(0));

  Answer(CallAt(0));  // identity 1, notice 1
  Keys(CallAt(0), "11");
  End(CallAt(0));

  Answer(CallAt(1));  // key 2: someone else; only the question was played, then the goodbye
  Keys(CallAt(1), "2");
  End(CallAt(1));

  calls_->OnCallFailed(CallAt(2), CallOutcome::kBusy, 486);  // busy: tried again later
  Tick();

  auto figures = campaigns_->Figures(id).value();
  EXPECT_EQ(figures.targets, 3);
  EXPECT_EQ(figures.confirmed, 1);
  EXPECT_EQ(figures.reached, 1);
  EXPECT_EQ(figures.outcomes["confirmed"], 1);
  EXPECT_EQ(figures.outcomes["wrong_party"], 1);
  EXPECT_EQ(figures.waiting, 1);
  EXPECT_NEAR(figures.success_rate, 1.0 / 3, 1e-9);
  EXPECT_EQ(figures.attempts, 3);

  // Busy: 30 minutes later, attempt 2 of the same target.
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_EQ(Tick().started, 0);
  // The caps: one call a day to a number, so attempt 2 waits for tomorrow's window.
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_EQ(Tick().started, 0);
  auto page = campaigns_->Targets(id, {"waiting", "", 0, 10}).value();
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].next_ms, tickets::FromChinaLocal({2026, 12, 1}, 9 * kHour));
  EXPECT_EQ(page.rows[0].phone_masked, "139****0002");
  EXPECT_EQ(page.rows[0].salutation.find("张"), 0u);

  // The notice was played to the right person only.
  auto call_of = [&](int64_t seq) {
    return calls_->Get(campaigns_->Attempts(id, seq).value().at(0).call_id).value();
  };
  EXPECT_EQ(call_of(1).plays, 1);
  EXPECT_EQ(call_of(2).plays, 0);
  EXPECT_EQ(call_of(2).outcome, NoticeOutcome::kWrongParty);
  // No SMS to the wrong party; none yet to the busy one.
  EXPECT_TRUE(sms_.empty());
}

TEST_F(CampaignEngineTest, LastFailedAttemptFallsBackToSmsOnce) {
  policy_.per_number_day = 5;
  policy_.per_number_week = 5;
  Reopen();
  std::string id = Create(File(1));
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSERT_EQ(Tick().started, 1) << attempt;
    calls_->OnCallFailed(CallAt(attempt), CallOutcome::kNoAnswer, 0);
    Tick();
    clock_.Advance(std::chrono::hours(24));  // Tuesday, Wednesday 09:00
  }
  Tick();
  Tick();
  ASSERT_EQ(sms_.size(), 1u);
  EXPECT_EQ(sms_[0].to, Phone(0));
  EXPECT_EQ(sms_[0].id, "cp:" + id + ":1:sms");
  auto f = campaigns_->Figures(id).value();
  EXPECT_EQ(f.sms_fallbacks, 1);
  EXPECT_EQ(f.outcomes["no_answer"], 1);
  EXPECT_EQ(campaigns_->Get(id).value().state, CampaignState::kFinished);
  EXPECT_EQ(Placed(), 3u);
  auto attempts = campaigns_->Attempts(id, 1).value();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[2].attempt_id, "cp:" + id + ":1:3");
}

// A week of calls: every call inside the windows on working days, never more than one a day or
// three a week to one number, and no attempt dialled twice.
TEST_F(CampaignEngineTest, ASimulatedWeekKeepsTheWindowsAndTheCaps) {
  clock_.Set(tickets::FromChinaLocal({2026, 11, 28}, 0));  // Saturday 00:00
  policy_.campaign_concurrent = 5;
  policy_.pace_per_s = 0.2;
  Reopen();
  // Two campaigns, half of whose numbers are the same people's.
  std::string a = Create(File(150, 0, 0, "a.csv"));
  std::string b = Create(File(150, 75, 500, "b.csv"));
  ASSERT_TRUE(campaigns_->Start(a, "u:1").ok());
  ASSERT_TRUE(campaigns_->Start(b, "u:1").ok());

  std::mt19937 random(7);
  std::map<std::string, std::vector<int64_t>> by_number;
  std::set<std::string> attempts;
  size_t seen = 0;
  const int64_t end = tickets::FromChinaLocal({2026, 12, 7}, 0);
  while (clock_.NowUnixMillis() < end) {
    Tick();
    for (; seen < Placed(); ++seen) {
      const int64_t now = clock_.NowUnixMillis();
      ASSERT_TRUE(campaigns_->InWindow(now)) << now;
      by_number[gateway_.targets()[seen]].push_back(now);
      ASSERT_TRUE(attempts.insert(Attempt(seen)).second) << Attempt(seen);
      CallId call = CallAt(seen);
      switch (random() % 4) {
        case 0:
          calls_->OnCallFailed(call, CallOutcome::kBusy, 486);
          break;
        case 1:
          calls_->OnCallFailed(call, CallOutcome::kNoAnswer, 0);
          break;
        default:
          Answer(call);
          Keys(call, "11");
          End(call);
      }
    }
    clock_.Advance(std::chrono::minutes(1));
  }
  for (const auto& [number, times] : by_number) {
    EXPECT_LE(times.size(), 3u) << number;
    std::map<tickets::Date, int> per_day;
    for (int64_t t : times) ++per_day[tickets::ToChinaLocal(t).date];
    for (const auto& [day, n] : per_day) EXPECT_EQ(n, 1) << number;
    // The weekend before the Monday is no working day: nothing then.
    for (int64_t t : times)
      EXPECT_GE(t, tickets::FromChinaLocal({2026, 11, 30}, 9 * kHour)) << number;
  }
  auto fa = campaigns_->Figures(a).value();
  auto fb = campaigns_->Figures(b).value();
  EXPECT_GT(fa.done + fb.done, 250);
  EXPECT_GT(fa.confirmed, 75);
  EXPECT_EQ(fa.attempts + fb.attempts, static_cast<int64_t>(Placed()));
  // Whoever still waits does so because their number had its three calls this week (two
  // campaigns share it).
  std::map<std::string, size_t> calls_by_mask;
  for (const auto& [number, times] : by_number)
    calls_by_mask[text::MaskPhone(number)] = times.size();
  for (const std::string& c : {a, b}) {
    const TargetPage waiting = campaigns_->Targets(c, {"waiting", "", 0, 1000}).value();
    for (const TargetView& t : waiting.rows) {
      EXPECT_EQ(calls_by_mask[t.phone_masked], 3u) << t.phone_masked;
      EXPECT_GE(t.next_ms, tickets::FromChinaLocal({2026, 12, 7}, 9 * kHour));
    }
  }
}

TEST_F(CampaignEngineTest, AKilledProcessNeverDialsAnAttemptTwice) {
  std::string id = Create(File(2));
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  ASSERT_EQ(Tick().started, 2);
  // The process dies during both calls; the next one starts.
  calls_.release();  // NOLINT: a killed process closes nothing
  Reopen();
  EXPECT_EQ(Tick().started, 0);
  auto attempts = campaigns_->Attempts(id, 1).value();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, "interrupted");

  // An attempt written but never placed (killed in between) is interrupted as well.
  CampaignStore store(*db_);
  AttemptRow lost;
  lost.attempt_id = "cp:" + id + ":2:2";
  lost.campaign_id = id;
  lost.seq = 2;
  lost.n = 2;
  lost.phone_index = cipher_->BlindIndex("phone", Phone(1));
  lost.started_ms = clock_.NowUnixMillis();
  ASSERT_TRUE(store.InsertAttempt(lost).ok());
  auto target = store.FindTarget(id, 2).value().value();
  target.attempts = 2;  // written in the same transaction as the attempt
  target.state = "calling";
  ASSERT_TRUE(store.UpdateTarget(target).ok());
  Tick();
  EXPECT_EQ(campaigns_->Attempts(id, 2).value().back().outcome, "interrupted");

  // The next day: new attempt numbers only.
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ(Tick().started, 2);
  std::set<std::string> ids;
  for (size_t i = 0; i < Placed(); ++i) EXPECT_TRUE(ids.insert(Attempt(i)).second);
  EXPECT_EQ(Attempt(2), "cp:" + id + ":1:2");
  EXPECT_EQ(Attempt(3), "cp:" + id + ":2:3");
}

// Several nodes on one database (docs/deployment.md): each dials what it claimed, the
// cluster's concurrency holds across them, and what a dead node left open is closed by a live
// one (interrupted) and dialled again under new attempt numbers; no attempt is dialled twice.
TEST_F(CampaignEngineTest, NodesShareACampaignAndALiveOneEndsWhatADeadOneLeftOpen) {
  policy_.campaign_concurrent = 4;
  policy_.per_number_day = 5;
  policy_.per_number_week = 5;
  Reopen();
  std::string id = Create(File(6));
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  struct Node {
    testing::FakeGateway gateway;
    std::unique_ptr<NoticeCalls> calls;
    std::unique_ptr<Campaigns> campaigns;
    TickResult Tick() {
      calls->Sync();
      auto t = campaigns->Tick();
      EXPECT_TRUE(t.ok()) << t.status().message();
      calls->Sync();
      return t.ok() ? *t : TickResult{};
    }
  };
  std::set<std::string> gone;
  auto start = [&](Node& n, const std::string& name) {
    NoticeCallOptions o;
    o.node = name;
    o.node_gone = [&gone](const std::string& node) { return gone.count(node) > 0; };
    n.calls = std::move(NoticeCalls::Open(*db_, cipher_, clock_, o)).value();
    ASSERT_TRUE(n.calls->Attach(&n.gateway, &tts_).ok());
    n.campaigns =
        std::move(Campaigns::Open(*db_, cipher_, *n.calls, {}, *scenarios_, *sla_, clock_, policy_))
            .value();
  };
  Node a, b;
  start(a, "node-a");
  start(b, "node-b");
  EXPECT_EQ(a.Tick().started, 4);
  EXPECT_EQ(b.Tick().started, 0);  // four calls are up in the cluster: the campaign's limit
  for (CallId call : {CallAt(0), CallAt(1)}) {
    telephony::CallInfo info;
    info.id = call;
    info.direction = telephony::CallDirection::kOutbound;
    a.calls->OnCallStarted(info);
    a.calls->Sync();
    for (char k : std::string("11")) a.calls->OnDigit(call, k, DigitSource::kRfc4733);
    a.calls->OnCallEnded(call, "bye");
    a.calls->Sync();
  }
  EXPECT_EQ(b.Tick().started, 2);  // b collects a's two ended calls and dials the last two
  std::set<std::string> dialled;
  for (auto* n : {&a, &b})
    for (const auto& o : n->gateway.options())
      for (const auto& [name, value] : o.headers)
        if (name == "X-Campaign-Attempt") EXPECT_TRUE(dialled.insert(value).second) << value;
  EXPECT_EQ(dialled.size(), 6u);

  // a dies with two calls up, one answered. While it may still run, b leaves them alone ...
  telephony::CallInfo answered;
  answered.id = CallAt(2);
  answered.direction = telephony::CallDirection::kOutbound;
  a.calls->OnCallStarted(answered);
  a.calls->Sync();
  a.calls.release();  // NOLINT: a killed process closes nothing (and a ticks no more)
  b.Tick();
  EXPECT_EQ(campaigns_->Attempts(id, 3).value().at(0).state, "dialing");
  // ... once its liveness lease has run out, b ends them (the answered one too: nobody heard
  // the notice to its end) and dials them again later.
  gone.insert("node-a");
  b.Tick();
  EXPECT_EQ(campaigns_->Attempts(id, 3).value().at(0).outcome, "interrupted");
  EXPECT_EQ(campaigns_->Attempts(id, 4).value().at(0).outcome, "interrupted");
  clock_.Advance(std::chrono::minutes(31));
  EXPECT_EQ(b.Tick().started, 2);
  std::set<std::string> again;
  const auto placed = b.gateway.options();
  for (size_t i = 2; i < placed.size(); ++i)
    for (const auto& [name, value] : placed[i].headers)
      if (name == "X-Campaign-Attempt") again.insert(value);
  EXPECT_EQ(again, (std::set<std::string>{"cp:" + id + ":3:2", "cp:" + id + ":4:2"}));
  b.calls->Detach();
}

// Claims: a node claims due targets for a while; another gets only the rest, and a claim that
// ran out (its node died before dialling) goes to whoever claims next. A node whose claim was
// taken over begins no attempt on that target.
TEST_F(CampaignEngineTest, ADueTargetIsClaimedByOneNodeUntilTheClaimRunsOut) {
  std::string id = Create(File(3));
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  CampaignStore store(*db_);
  const int64_t now = clock_.NowUnixMillis();
  auto seqs = [](const std::vector<TargetRecordRow>& rows) {
    std::vector<int64_t> out;
    for (const auto& r : rows) out.push_back(r.seq);
    return out;
  };
  auto a = store.ClaimDue(id, now, 2, "node-a", now + kMinute);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(seqs(*a), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(seqs(store.ClaimDue(id, now, 5, "node-b", now + kMinute).value()),
            (std::vector<int64_t>{3}));
  EXPECT_EQ(seqs(store.ClaimDue(id, now, 5, "node-b", now + kMinute).value()),
            (std::vector<int64_t>{3}));  // its own claim again, not a's
  const int64_t later = now + kMinute + 1;
  EXPECT_EQ(seqs(store.ClaimDue(id, later, 5, "node-b", later + kMinute).value()),
            (std::vector<int64_t>{1, 2, 3}));
  AttemptRow attempt;
  attempt.attempt_id = "cp:" + id + ":1:1";
  attempt.campaign_id = id;
  attempt.seq = 1;
  attempt.n = 1;
  attempt.started_ms = later;
  attempt.node = "node-a";  // too late: b has it now
  EXPECT_FALSE(store.BeginAttempt(attempt, a->at(0)).value());
  EXPECT_TRUE(campaigns_->Attempts(id, 1).value().empty());
  attempt.node = "node-b";
  EXPECT_TRUE(store.BeginAttempt(attempt, a->at(0)).value());
  EXPECT_EQ(store.FindTarget(id, 1).value()->state, "calling");
  EXPECT_FALSE(store.BeginAttempt(attempt, a->at(0)).value());  // calling, not waiting
}

TEST_F(CampaignEngineTest, PauseResumeAndCancel) {
  policy_.campaign_concurrent = 1;
  Reopen();
  std::string id = Create(File(3));
  EXPECT_EQ(campaigns_->Pause(id, "u:1").status().code(), Code::kFailedPrecondition);
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  EXPECT_EQ(Tick().started, 1);
  ASSERT_TRUE(campaigns_->Pause(id, "u:1").ok());
  calls_->OnCallFailed(CallAt(0), CallOutcome::kBusy, 486);
  EXPECT_EQ(Tick().started, 0);  // the call in progress ended; no new one while paused
  ASSERT_TRUE(campaigns_->Resume(id, "u:1").ok());
  EXPECT_EQ(Tick().started, 1);
  auto cancelled = campaigns_->Cancel(id, "u:1");
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state, CampaignState::kCancelled);
  Answer(CallAt(1));
  Keys(CallAt(1), "11");
  End(CallAt(1));
  Tick();
  auto f = campaigns_->Figures(id).value();
  EXPECT_EQ(f.outcomes["cancelled"], 2);  // the busy one and the one never called
  EXPECT_EQ(f.outcomes["confirmed"], 1);  // the call in progress ended as it did
  EXPECT_EQ(campaigns_->Resume(id, "u:1").status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(Placed(), 2u);
}

TEST_F(CampaignEngineTest, AFileAddedAgainPlansOnlyWhatIsNew) {
  std::string id = Create(File(3));
  auto again = campaigns_->AddFile(id, {File(5, 0, 0, "more.csv"), "", "", "2026-11-30"}, "u:1");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->added, 2);
  EXPECT_EQ(campaigns_->Figures(id).value().targets, 5);
  EXPECT_EQ(campaigns_->Get(id).value().records, 8);
}

TEST_F(CampaignEngineTest, TheDoNotCallListIsCheckedAgainAtDialTime) {
  std::string dnc = dir_.File("dnc.txt");
  std::ofstream(dnc) << "# numbers\n";
  policy_.dnc_file = dnc;
  Reopen();
  std::string id = Create(File(2));
  std::ofstream(dnc, std::ios::app) << Phone(1) << "\n";  // added after the import
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  EXPECT_EQ(Tick().started, 1);
  EXPECT_EQ(gateway_.targets()[0], Phone(0));
  EXPECT_EQ(campaigns_->Figures(id).value().outcomes["dnc"], 1);
}

TEST_F(CampaignEngineTest, PersonalDataIsSealedAtRest) {
  std::string id = Create(File(1));
  auto st =
      db_->Prepare("SELECT phone_enc, notice_enc, phone_masked FROM campaign_targets").value();
  ASSERT_TRUE(st.Step().value());
  EXPECT_TRUE(security::FieldCipher::LooksEncrypted(st.Text(0)));
  EXPECT_TRUE(security::FieldCipher::LooksEncrypted(st.Text(1)));
  EXPECT_EQ(st.Text(2).find(Phone(0)), std::string::npos);
}

TEST_F(CampaignEngineTest, KeyZeroHandsTheCallToAnAgent) {
  policy_.transfer_to = "sip:agents@127.0.0.1";
  Reopen();
  std::string id = Create(File(1));
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  ASSERT_EQ(Tick().started, 1);
  Answer(CallAt(0));
  Keys(CallAt(0), "10");
  End(CallAt(0));
  Tick();
  auto f = campaigns_->Figures(id).value();
  EXPECT_EQ(f.outcomes["transferred"], 1);
  EXPECT_EQ(f.reached, 1);
}

// With speech recognition: the citizen says who they are, asks a question (answered), confirms
// by voice; another asks to be called tomorrow morning and is.
TEST_F(CampaignEngineTest, SpeechCountsLikeKeysAndQuestionsAreAnswered) {
  speech_ = true;
  replies_ = CallReplies::Load(std::string(ZX_SOURCE_DIR) + "/kb/campaigns/replies.toml").value();
  policy_.per_number_day = 5;
  Reopen();
  std::string id = Create(File(2));
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  ASSERT_EQ(Tick().started, 2);
  auto say = [&](CallId call, const std::string& text) {
    calls_->OnUtterance(call, telephony::Pcm(1600), telephony::EndReason::kSilence);
    calls_->Sync();
    ASSERT_NE(asr_.Last(), nullptr);
    asr_.Last()->OnFinal({text, true});
    calls_->Sync();
  };
  Answer(CallAt(0));
  say(CallAt(0), "对，是我");
  say(CallAt(0), "我要去哪里领卡");
  EXPECT_EQ(questions_, std::vector<std::string>{"我要去哪里领卡"});
  say(CallAt(0), "好的我知道了");
  End(CallAt(0));

  Answer(CallAt(1));
  say(CallAt(1), "我在开车，明天上午再打吧");
  End(CallAt(1));
  Tick();
  auto f = campaigns_->Figures(id).value();
  EXPECT_EQ(f.outcomes["confirmed"], 1);
  auto waiting = campaigns_->Targets(id, {"waiting", "", 0, 10}).value();
  ASSERT_EQ(waiting.rows.size(), 1u);
  EXPECT_EQ(waiting.rows[0].next_ms, tickets::FromChinaLocal({2026, 12, 1}, 9 * kHour));
  auto call = calls_->Get(campaigns_->Attempts(id, 1).value().at(0).call_id).value();
  std::string said;
  for (const auto& e : call.events)
    if (e.said) said += *e.said + " ";
  EXPECT_EQ(said, "yes question confirm ");
}

TEST(CallReplies, UnderstandsTheUsualWays) {
  auto r = CallReplies::Load(std::string(ZX_SOURCE_DIR) + "/kb/campaigns/replies.toml").value();
  EXPECT_EQ(r.AtIdentity("是的是我"), Said::kYes);
  EXPECT_EQ(r.AtIdentity("不是，你打错了"), Said::kNo);
  EXPECT_EQ(r.AtIdentity("我在开会，等会再说"), Said::kLater);
  EXPECT_EQ(r.AtIdentity("喂？"), Said::kNothing);
  EXPECT_EQ(r.AtNotice("好的，知道了"), Said::kConfirm);
  EXPECT_EQ(r.AtNotice("我不明白为什么要交"), Said::kQuestion);
  EXPECT_EQ(r.AtNotice("帮我转人工"), Said::kAgent);
  EXPECT_EQ(r.AtNotice("没听清，再说一遍"), Said::kRepeat);
  EXPECT_EQ(r.AtNotice("在哪里办理呢"), Said::kQuestion);
  const int64_t now = tickets::FromChinaLocal({2026, 11, 30}, 10 * kHour);
  EXPECT_EQ(r.LaterAt("明天下午再打吧", now), tickets::FromChinaLocal({2026, 12, 1}, 14 * kHour));
  EXPECT_EQ(r.LaterAt("晚点再说", now), 0);
  auto bad = CallReplies::Parse("[identity]\nyes = [1]\n", "replies.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("replies.toml"), std::string::npos);
}

TEST_F(CampaignEngineTest, AServerThatCannotCallUsesNoAttempt) {
  std::string id = Create(File(2));
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  gateway_.Refuse(FailedPrecondition("no trunk is configured for numbers"));
  EXPECT_EQ(Tick().started, 0);
  auto waiting = campaigns_->Targets(id, {"waiting", "", 0, 10}).value();
  ASSERT_EQ(waiting.rows.size(), 2u);
  EXPECT_EQ(waiting.rows[0].attempts, 0);
  EXPECT_TRUE(campaigns_->Attempts(id, 1).value().empty());
  gateway_.Refuse(Status::Ok());
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(Tick().started, 2);
  EXPECT_EQ((std::set<std::string>{Attempt(0), Attempt(1)}),
            (std::set<std::string>{"cp:" + id + ":1:1", "cp:" + id + ":2:1"}));
}

// A campaign with its own rules (issue 16): narrower windows, fewer attempts, its own retry wait
// and concurrency; every call inside its window, no more attempts than it allows.
TEST_F(CampaignEngineTest, ACampaignsOwnRulesHold) {
  policy_.per_number_day = 5;
  policy_.per_number_week = 10;
  Reopen();
  CampaignRulesInput rules;
  rules.hours = "10:00-11:00";
  rules.max_attempts = 2;
  rules.retry_after_min = std::vector<int>{20};
  rules.concurrent = 1;
  auto created = campaigns_->Create("领卡通知", {File(2), "", "", "2026-11-30"}, "u:1", rules);
  ASSERT_TRUE(created.ok()) << created.status().message();
  const std::string id = created->campaign.id;
  EXPECT_TRUE(created->campaign.own_rules);
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  EXPECT_EQ(Tick().started, 0);  // 09:00: inside the policy's window, not the campaign's

  size_t seen = 0;
  std::vector<int64_t> times;
  const int64_t end = tickets::FromChinaLocal({2026, 11, 30}, 21 * kHour);
  while (clock_.NowUnixMillis() < end) {
    const TickResult tick = Tick();
    EXPECT_LE(tick.started, 1);  // its own concurrency, not the policy's 10
    for (; seen < Placed(); ++seen) {
      times.push_back(clock_.NowUnixMillis());
      calls_->OnCallFailed(CallAt(seen), CallOutcome::kNoAnswer, 0);
    }
    clock_.Advance(std::chrono::minutes(1));
  }
  ASSERT_EQ(times.size(), 4u);  // two targets, two attempts each (the policy allows three)
  for (int64_t t : times) {
    const int64_t minute = (t - tickets::FromChinaLocal({2026, 11, 30}, 0)) / kMinute;
    EXPECT_GE(minute, 10 * 60) << minute;
    EXPECT_LT(minute, 11 * 60) << minute;
  }
  EXPECT_GE(times[2] - times[0], 20 * kMinute);  // its own retry wait
  auto f = campaigns_->Figures(id).value();
  EXPECT_EQ(f.outcomes["no_answer"], 2);
  EXPECT_EQ(campaigns_->Get(id).value().state, CampaignState::kFinished);
}

// A supervisor may narrow the configuration's rules, never widen them; each error names its
// field, and a refused campaign is not created.
TEST_F(CampaignEngineTest, RulesWiderThanTheConfigurationAreRefused) {
  auto refused = [&](CampaignRulesInput in, const std::string& field) {
    auto r = CampaignRulesFrom(in, policy_);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << field;
    EXPECT_NE(r.status().message().find("\"" + field + "\""), std::string::npos)
        << r.status().message();
    return r.status().message();
  };
  CampaignRulesInput in;
  in.hours = "08:00-12:00";
  const std::string wide = refused(in, "hours");
  EXPECT_NE(wide.find("09:00-12:00,14:00-20:00"), std::string::npos) << wide;
  in.hours = "9-12";
  refused(in, "hours");
  in = {};
  in.working_days_only = false;
  refused(in, "working_days_only");
  in = {};
  in.max_attempts = 4;
  refused(in, "max_attempts");
  in.max_attempts = 0;
  refused(in, "max_attempts");
  in = {};
  in.retry_after_min = std::vector<int>{30, 5};
  refused(in, "retry_after_min");
  in = {};
  in.concurrent = policy_.campaign_concurrent + 1;
  refused(in, "concurrent");
  in = {};
  in.pace_per_s = 0;
  refused(in, "pace_per_s");
  in.pace_per_s = policy_.pace_per_s * 2;
  refused(in, "pace_per_s");

  in = {};
  in.hours = "14:00-20:30";
  auto created = campaigns_->Create("领卡通知", {File(1), "", "", "2026-11-30"}, "u:1", in);
  EXPECT_EQ(created.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(campaigns_->List().value().empty());

  in.hours = "09:30-11:30,14:00-16:00";
  in.pace_per_s = 0.5;
  auto ok = CampaignRulesFrom(in, policy_);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(FormatPeriods(ok->periods), "09:30-11:30,14:00-16:00");
  EXPECT_EQ(ok->max_attempts, policy_.max_attempts);  // what is left out: the configuration's
  EXPECT_EQ(ok->retry_after_ms, policy_.retry_after_ms);
}

// The rules are stored with the campaign (a new engine reads them back), change while draft or
// paused only, and go back to the configuration's when cleared.
TEST_F(CampaignEngineTest, OwnRulesAreKeptAndChangedWhileDraftOrPaused) {
  const std::string plain = Create(File(1, 0, 0, "plain.csv"));
  CampaignRulesInput in;
  in.hours = "10:00-11:30,15:00-17:00";
  in.max_attempts = 2;
  in.retry_after_min = std::vector<int>{15, 45};
  in.concurrent = 3;
  in.pace_per_s = 0.25;
  auto created = campaigns_->Create("领卡通知", {File(1, 5, 5), "", "", "2026-11-30"}, "u:1", in);
  ASSERT_TRUE(created.ok()) << created.status().message();
  const std::string id = created->campaign.id;
  Reopen();
  Campaign c = campaigns_->Get(id).value();
  EXPECT_TRUE(c.own_rules);
  EXPECT_EQ(FormatPeriods(c.rules.periods), "10:00-11:30,15:00-17:00");
  EXPECT_TRUE(c.rules.working_days_only);
  EXPECT_EQ(c.rules.max_attempts, 2);
  EXPECT_EQ(c.rules.retry_after_ms, (std::vector<int64_t>{15 * kMinute, 45 * kMinute}));
  EXPECT_EQ(c.rules.concurrent, 3);
  EXPECT_DOUBLE_EQ(c.rules.pace_per_s, 0.25);
  Campaign p = campaigns_->Get(plain).value();
  EXPECT_FALSE(p.own_rules);  // a campaign without its own: the configuration's, as before
  EXPECT_EQ(FormatPeriods(p.rules.periods), FormatPeriods(policy_.periods));
  EXPECT_EQ(p.rules.concurrent, policy_.campaign_concurrent);

  CampaignRulesInput narrower;
  narrower.hours = "10:00-11:00";
  ASSERT_TRUE(campaigns_->SetRules(id, narrower, "u:1").ok());  // draft
  EXPECT_EQ(FormatPeriods(campaigns_->Get(id).value().rules.periods), "10:00-11:00");
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  auto running = campaigns_->SetRules(id, narrower, "u:1");
  EXPECT_EQ(running.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(running.status().message().find("running"), std::string::npos);
  ASSERT_TRUE(campaigns_->Pause(id, "u:1").ok());
  auto cleared = campaigns_->SetRules(id, {}, "u:1");  // paused: back to the configuration's
  ASSERT_TRUE(cleared.ok()) << cleared.status().message();
  EXPECT_FALSE(cleared->own_rules);
  Reopen();
  EXPECT_FALSE(campaigns_->Get(id).value().own_rules);
  EXPECT_EQ(campaigns_->SetRules("CP2000-0101-001", narrower, "u:1").status().code(),
            Code::kNotFound);
}

// The legal hours are the operator's: a configuration narrowed after a campaign's rules were set
// still holds (the engine calls inside both), and so do its lower attempts and concurrency.
TEST_F(CampaignEngineTest, AConfigurationNarrowedLaterStillHolds) {
  CampaignRulesInput in;
  in.hours = "14:00-20:00";
  in.concurrent = 10;
  auto created = campaigns_->Create("领卡通知", {File(1), "", "", "2026-11-30"}, "u:1", in);
  ASSERT_TRUE(created.ok()) << created.status().message();
  const std::string id = created->campaign.id;
  ASSERT_TRUE(campaigns_->Start(id, "u:1").ok());
  policy_.periods = tickets::ParsePeriods("09:00-12:00,14:00-18:00").value();
  policy_.campaign_concurrent = 4;
  policy_.max_attempts = 2;
  Reopen();
  clock_.Set(tickets::FromChinaLocal({2026, 11, 30}, 18 * kHour + 30 * kMinute));
  EXPECT_EQ(Tick().started, 0);  // inside the campaign's window, outside the configuration's
  const Campaign c = campaigns_->Get(id).value();
  EXPECT_EQ(c.rules.concurrent, 4);
  EXPECT_EQ(c.rules.max_attempts, 2);
  clock_.Set(tickets::FromChinaLocal({2026, 12, 1}, 14 * kHour));
  EXPECT_EQ(Tick().started, 1);
}

TEST_F(CampaignEngineTest, PolicyErrorsNameTheKey) {
  CampaignConfig bad;
  bad.retry_after_min = "30,x";
  auto p = CampaignPolicyFrom(bad);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("campaigns.retry_after_min"), std::string::npos);
  bad = {};
  bad.hours = "25:00-26:00";
  EXPECT_NE(CampaignPolicyFrom(bad).status().message().find("campaigns.hours"), std::string::npos);
}

}  // namespace
}  // namespace zx::campaigns
