// Notice calls over a fake gateway (the events a real one sends, in its order) and a fake
// synthesizer: the call flow and its outcomes, attempts that never dial twice, what is stored.
// Deadlines are timers on the runner's worker: the tests move a FakeClock and Sync().
#include "campaigns/notice_calls.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "campaigns/notice_call_store.h"
#include "campaigns/testing/fake_voice.h"
#include "security/field_cipher.h"
#include "security/keys.h"
#include "security/testing/temp_dir.h"
#include "storage/testing/test_database.h"

namespace zx::campaigns {
namespace {

using telephony::CallId;
using telephony::CallOutcome;
using telephony::DigitSource;
using testing::FakeGateway;
using testing::FakeSynthesizer;
using testing::WaitFor;

constexpr const char* kNumber = "13812345678";
constexpr const char* kText =
    "您的社保卡已制作完成，请携带身份证到临江区社保中心领取。确认收到请按1，重听请按9。";

std::vector<std::string> EventTypes(const NoticeCall& c) {
  std::vector<std::string> out;
  for (const auto& e : c.events) out.push_back(e.type);
  return out;
}

std::string Describe(const NoticeCall& c) {
  std::string out;
  for (const auto& type : EventTypes(c)) out += type + " ";
  return out;
}

NoticeRequest Request(const std::string& attempt = "a-1") {
  NoticeRequest r;
  r.number = kNumber;
  r.text = kText;
  r.attempt_id = attempt;
  return r;
}

class NoticeCallsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(std::shared_ptr<const security::FieldCipher>()); }

  void Open(std::shared_ptr<const security::FieldCipher> cipher) {
    calls_.reset();
    if (!db_)
      db_ = std::move(
          storage::OpenDatabase(storage::testing::TestDatabasePlace(dir_.File("zx.db")).value())
              .value());
    auto calls = NoticeCalls::Open(*db_, std::move(cipher), clock_);
    ASSERT_TRUE(calls.ok()) << calls.status().message();
    calls_ = std::move(calls).value();
    ASSERT_TRUE(calls_->Attach(&gateway_, &tts_).ok());
  }

  NoticeCall Get(const std::string& id) {
    auto c = calls_->Get(id);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? *c : NoticeCall{};
  }
  // Waits until the stored call satisfies `pred`.
  NoticeCall WaitCall(const std::string& id, const std::function<bool(const NoticeCall&)>& pred) {
    NoticeCall c;
    bool ok = WaitFor([&] {
      c = Get(id);
      return pred(c);
    });
    EXPECT_TRUE(ok) << "call " << id << " stuck: " << Describe(c);
    return c;
  }
  size_t Plays() { return gateway_.played().size(); }
  uint64_t LastPrompt() {
    auto p = gateway_.played();
    return p.empty() ? 0 : p.back().prompt;
  }
  telephony::CallInfo Info(CallId id) {
    telephony::CallInfo info;
    info.id = id;
    info.direction = telephony::CallDirection::kOutbound;
    return info;
  }
  // Starts a call and answers it: the notice starts playing.
  std::pair<std::string, CallId> Answered(NoticeRequest r = Request()) {
    auto s = calls_->Start(r);
    EXPECT_TRUE(s.ok()) << s.status().message();
    CallId call = 100 + gateway_.targets().size() - 1;
    size_t before = Plays();
    calls_->OnCallProgress(call, 180, false);
    calls_->OnCallStarted(Info(call));
    calls_->Sync();
    EXPECT_EQ(Plays(), before + 1);
    return {s->call.id, call};
  }

  security::testing::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  FakeClock clock_{1700000000000};
  FakeGateway gateway_;
  FakeSynthesizer tts_;
  std::unique_ptr<NoticeCalls> calls_;
};

TEST_F(NoticeCallsTest, ConfirmedWithKeyOne) {
  auto [id, call] = Answered();
  ASSERT_EQ(gateway_.targets(), std::vector<std::string>{kNumber});
  auto options = gateway_.last_options();
  EXPECT_EQ(options.ring_timeout_ms, 30000);
  ASSERT_EQ(options.headers.size(), 1u);
  EXPECT_EQ(options.headers[0].first, "X-Campaign-Attempt");
  EXPECT_EQ(options.headers[0].second, "a-1");
  uint64_t notice = LastPrompt();
  EXPECT_GT(gateway_.played().back().samples, 800u);  // the notice, rendered before dialling

  calls_->OnPlaybackDone(call, notice, false);
  calls_->OnDigit(call, '1', DigitSource::kRfc4733);
  ASSERT_TRUE(WaitFor([&] { return Plays() == 2; }));  // the closing words
  NoticeCall c = Get(id);
  EXPECT_EQ(c.outcome, NoticeOutcome::kConfirmed);  // known before the hang-up
  EXPECT_EQ(c.state, NoticeState::kAnswered);
  calls_->OnPlaybackDone(call, LastPrompt(), false);
  ASSERT_TRUE(WaitFor([&] { return gateway_.hangups().size() == 1; }));
  EXPECT_EQ(gateway_.hangups()[0], call);
  calls_->OnCallEnded(call, "hangup");
  c = WaitCall(id, [](const NoticeCall& c) { return c.state == NoticeState::kEnded; });
  EXPECT_EQ(c.outcome, NoticeOutcome::kConfirmed);
  EXPECT_EQ(c.sip_code, 200);
  EXPECT_EQ(c.digits, "1");
  EXPECT_EQ(c.plays, 1);
  EXPECT_EQ(c.number_masked, "138****5678");
  EXPECT_EQ(EventTypes(c), (std::vector<std::string>{"dialing", "ringing", "answered", "notice",
                                                     "key", "closing", "hangup"}));
  EXPECT_EQ(c.events[1].sip_code.value_or(0), 180);
  EXPECT_EQ(c.events[4].key.value_or(""), "1");
  EXPECT_EQ(c.events.back().cause.value_or(""), "hangup");
  EXPECT_GT(c.ended_ms, 0);
}

TEST_F(NoticeCallsTest, RepeatKeyThenNoKeyIsNotConfirmed) {
  auto [id, call] = Answered();
  calls_->OnPlaybackDone(call, LastPrompt(), false);
  calls_->OnDigit(call, '9', DigitSource::kInband);  // play it again
  ASSERT_TRUE(WaitFor([&] { return Plays() == 2; }));
  calls_->OnPlaybackDone(call, LastPrompt(), false);
  calls_->Sync();
  // No key within key_timeout_s (8 s) after the second of max_plays (2) plays: close.
  clock_.Advance(std::chrono::seconds(7));
  calls_->Sync();
  EXPECT_EQ(Plays(), 2u);
  clock_.Advance(std::chrono::seconds(2));
  calls_->Sync();
  ASSERT_TRUE(WaitFor([&] { return Plays() == 3; }));
  NoticeCall c = Get(id);
  EXPECT_EQ(c.outcome, NoticeOutcome::kNotConfirmed);
  calls_->OnPlaybackDone(call, LastPrompt(), false);
  ASSERT_TRUE(WaitFor([&] { return gateway_.hangups().size() == 1; }));
  calls_->OnCallEnded(call, "hangup");
  c = WaitCall(id, [](const NoticeCall& c) { return c.state == NoticeState::kEnded; });
  EXPECT_EQ(c.outcome, NoticeOutcome::kNotConfirmed);
  EXPECT_EQ(c.digits, "9");
  EXPECT_EQ(c.plays, 2);
  EXPECT_EQ(EventTypes(c),
            (std::vector<std::string>{"dialing", "ringing", "answered", "notice", "key", "notice",
                                      "no_key", "closing", "hangup"}));
}

TEST_F(NoticeCallsTest, NoKeyRepeatsUpToMaxPlays) {
  NoticeRequest r = Request();
  r.max_plays = 3;
  r.key_timeout_s = 2;
  auto [id, call] = Answered(r);
  for (int play = 1; play <= 3; ++play) {
    calls_->OnPlaybackDone(call, LastPrompt(), false);
    calls_->Sync();  // the deadline is set from the end of the notice
    clock_.Advance(std::chrono::seconds(3));
    calls_->Sync();
    ASSERT_TRUE(WaitFor([&] { return Plays() == static_cast<size_t>(play) + 1; })) << play;
  }
  NoticeCall c = Get(id);
  EXPECT_EQ(c.plays, 3);
  EXPECT_EQ(c.outcome, NoticeOutcome::kNotConfirmed);
}

TEST_F(NoticeCallsTest, CitizenHangsUpBeforeConfirming) {
  auto [id, call] = Answered();
  calls_->OnDigit(call, '5', DigitSource::kRfc4733);  // not a key of this notice
  calls_->OnCallEnded(call, "bye");
  NoticeCall c = WaitCall(id, [](const NoticeCall& c) { return c.state == NoticeState::kEnded; });
  EXPECT_EQ(c.outcome, NoticeOutcome::kNotConfirmed);
  EXPECT_EQ(c.digits, "5");
  EXPECT_EQ(c.events.back().cause.value_or(""), "bye");
}

TEST_F(NoticeCallsTest, SpeechStopsTheNoticeWhichStartsAgainUncounted) {
  auto [id, call] = Answered();
  calls_->OnPlaybackDone(call, LastPrompt(), true);  // "喂？" stopped it
  calls_->Sync();
  clock_.Advance(std::chrono::milliseconds(800));
  calls_->Sync();
  ASSERT_TRUE(WaitFor([&] { return Plays() == 2; }));
  NoticeCall c = Get(id);
  EXPECT_EQ(c.plays, 1);
  EXPECT_EQ(c.events.back().restart, true);
  // A key that stops the notice is a key, not speech: no restart.
  calls_->OnPlaybackDone(call, LastPrompt(), true);
  calls_->OnDigit(call, '1', DigitSource::kRfc4733);
  ASSERT_TRUE(WaitFor([&] { return Plays() == 3; }));
  clock_.Advance(std::chrono::milliseconds(800));
  calls_->Sync();  // the pause after the barge-in is over: its timer was cancelled by the key
  EXPECT_EQ(Plays(), 3u);  // the closing words only
  EXPECT_EQ(Get(id).outcome, NoticeOutcome::kConfirmed);
}

TEST_F(NoticeCallsTest, UnansweredCallsEndWithTheGatewaysOutcome) {
  struct Case {
    CallOutcome outcome;
    int code;
    NoticeOutcome expected;
  };
  const Case cases[] = {{CallOutcome::kBusy, 486, NoticeOutcome::kBusy},
                        {CallOutcome::kNoAnswer, 0, NoticeOutcome::kNoAnswer},
                        {CallOutcome::kInvalidNumber, 404, NoticeOutcome::kInvalidNumber},
                        {CallOutcome::kRejected, 603, NoticeOutcome::kRejected},
                        {CallOutcome::kFailed, 503, NoticeOutcome::kFailed},
                        {CallOutcome::kCancelled, 0, NoticeOutcome::kCancelled}};
  int n = 0;
  for (const Case& k : cases) {
    auto s = calls_->Start(Request("u-" + std::to_string(n++)));
    ASSERT_TRUE(s.ok());
    CallId call = 100 + gateway_.targets().size() - 1;
    calls_->OnCallProgress(call, 183, true);
    calls_->OnDigit(call, '1', DigitSource::kInband);  // early media: not the citizen
    calls_->OnCallFailed(call, k.outcome, k.code);
    NoticeCall c =
        WaitCall(s->call.id, [](const NoticeCall& c) { return c.state == NoticeState::kEnded; });
    EXPECT_EQ(c.outcome, k.expected) << NoticeOutcomeName(k.expected);
    EXPECT_EQ(c.sip_code, k.code);
    EXPECT_EQ(c.digits, "");
    EXPECT_EQ(EventTypes(c), (std::vector<std::string>{"dialing", "early_media", "failed"}));
  }
  EXPECT_EQ(gateway_.played().size(), 0u);
}

TEST_F(NoticeCallsTest, TheSameAttemptNeverDialsTwiceAlsoAfterARestart) {
  auto first = calls_->Start(Request("attempt-7"));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->created);
  auto again = calls_->Start(Request("attempt-7"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->call.id, first->call.id);
  EXPECT_EQ(gateway_.targets().size(), 1u);

  // The process stops in the middle of the call; a new one opens the same database.
  calls_->Detach();
  NoticeCall stopped = Get(first->call.id);
  EXPECT_EQ(stopped.state, NoticeState::kEnded);
  EXPECT_EQ(stopped.outcome, NoticeOutcome::kCancelled);
  EXPECT_EQ(stopped.events.back().cause.value_or(""), "server stopping");
  Open(nullptr);
  auto after = calls_->Start(Request("attempt-7"));
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->created);
  EXPECT_EQ(after->call.id, first->call.id);
  EXPECT_EQ(gateway_.targets().size(), 1u);
}

TEST_F(NoticeCallsTest, CallsLeftOpenByADeadProcessAreClosedOnOpen) {
  auto [id, call] = Answered();
  calls_->OnDigit(call, '1', DigitSource::kRfc4733);
  WaitCall(id, [](const NoticeCall& c) { return c.outcome == NoticeOutcome::kConfirmed; });
  auto unanswered = calls_->Start(Request("a-2"));
  ASSERT_TRUE(unanswered.ok());
  // A second process opens the database while these rows are still open (the first "died").
  auto other = NoticeCalls::Open(*db_, nullptr, clock_);
  ASSERT_TRUE(other.ok());
  NoticeCall c = *(*other)->Get(id);
  EXPECT_EQ(c.state, NoticeState::kEnded);
  EXPECT_EQ(c.outcome, NoticeOutcome::kConfirmed);  // what was decided stays
  EXPECT_EQ(c.events.back().cause.value_or(""), "interrupted");
  c = *(*other)->Get(unanswered->call.id);
  EXPECT_EQ(c.outcome, NoticeOutcome::kCancelled);
}

TEST_F(NoticeCallsTest, NumberAndTextAreStoredOnlyEncrypted) {
  auto cipher = std::make_shared<const security::FieldCipher>(
      std::make_shared<const security::KeyRing>(security::KeyRing::Generate(clock_)));
  Open(cipher);
  auto s = calls_->Start(Request("enc-1"));
  ASSERT_TRUE(s.ok());
  auto st = db_->Prepare(
      "SELECT id || attempt_id || number_masked || number_enc || text_enc || options || state || "
      "events FROM notice_calls WHERE id = ?");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(*st->Bind(1, s->call.id).Step());
  std::string row = st->Text(0);
  EXPECT_EQ(row.find(kNumber), std::string::npos) << row;
  EXPECT_EQ(row.find("社保卡"), std::string::npos) << row;
  EXPECT_NE(row.find("138****5678"), std::string::npos);

  auto enc = db_->Prepare("SELECT number_enc, text_enc FROM notice_calls WHERE id = ?");
  ASSERT_TRUE(*enc->Bind(1, s->call.id).Step());
  auto number =
      cipher->Decrypt(enc->Text(0), security::FieldAad("notice_calls", "number_enc", s->call.id));
  ASSERT_TRUE(number.ok());
  EXPECT_EQ(*number, kNumber);
  auto text =
      cipher->Decrypt(enc->Text(1), security::FieldAad("notice_calls", "text_enc", s->call.id));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, kText);
}

TEST_F(NoticeCallsTest, WithoutAKeyOnlyTheMaskedNumberIsStored) {
  auto s = calls_->Start(Request("plain-1"));
  ASSERT_TRUE(s.ok());
  auto st = db_->Prepare(
      "SELECT number_enc IS NULL, text_enc IS NULL, number_masked FROM notice_calls WHERE id = ?");
  ASSERT_TRUE(*st->Bind(1, s->call.id).Step());
  EXPECT_EQ(st->Int(0), 1);
  EXPECT_EQ(st->Int(1), 1);
  EXPECT_EQ(st->Text(2), "138****5678");
}

TEST_F(NoticeCallsTest, NothingDialledMeansTheAttemptIsNotUsedUp) {
  gateway_.Refuse(ResourceExhausted("all 1 call slots are in use"));
  auto s = calls_->Start(Request("busy-slots"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kResourceExhausted);
  gateway_.Refuse(Status::Ok());
  auto again = calls_->Start(Request("busy-slots"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->created);

  tts_.fail = true;
  auto no_voice = calls_->Start(Request("tts-down"));
  EXPECT_EQ(no_voice.status().code(), Code::kUnavailable);
  EXPECT_EQ(gateway_.targets().size(), 1u);
}

TEST_F(NoticeCallsTest, DetachedMeansVoiceIsOff) {
  calls_->Detach();
  auto s = calls_->Start(Request("off-1"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kUnavailable);
  EXPECT_TRUE(gateway_.targets().empty());
  EXPECT_EQ(calls_->Get("0123456789abcdef").status().code(), Code::kNotFound);
}

// Events of a call that the gateway reports before Originate has even returned (its thread is
// faster than ours) are not lost.
TEST_F(NoticeCallsTest, EventsBeforeOriginateReturnsAreNotLost) {
  std::thread racer;
  gateway_.OnOriginate([&](CallId id) {
    racer = std::thread([this, id] {
      calls_->OnCallProgress(id, 486, false);  // a gateway thread reporting at once
      calls_->OnCallFailed(id, CallOutcome::kBusy, 486);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  });
  auto s = calls_->Start(Request("race-1"));
  racer.join();
  ASSERT_TRUE(s.ok());
  NoticeCall c =
      WaitCall(s->call.id, [](const NoticeCall& c) { return c.state == NoticeState::kEnded; });
  EXPECT_EQ(c.outcome, NoticeOutcome::kBusy);
  EXPECT_EQ(c.sip_code, 486);
}

TEST_F(NoticeCallsTest, DetachClosesAnsweredCallsAsNotConfirmed) {
  auto [id, call] = Answered();
  calls_->Detach();
  NoticeCall c = Get(id);
  EXPECT_EQ(c.state, NoticeState::kEnded);
  EXPECT_EQ(c.outcome, NoticeOutcome::kNotConfirmed);
  calls_->OnCallEnded(call, "hangup");  // the gateway going down: ignored
  EXPECT_EQ(Get(id).events.back().cause.value_or(""), "server stopping");
}

// Issue 11: the closing once promised "稍后会以短信告知" with no SMS gateway anywhere.
TEST(NoticeCallOptionsTest, TheUnconfirmedClosingPromisesNoSms) {
  NoticeCallOptions o;
  EXPECT_EQ(o.unconfirmed_closing, "未收到您的确认，再见。");
  EXPECT_EQ(o.unconfirmed_closing.find("短信"), std::string::npos);
  EXPECT_EQ(o.confirmed_closing.find("短信"), std::string::npos);
}

TEST(NoticeRequestTest, Validation) {
  auto bad = [](std::function<void(NoticeRequest&)> change) {
    NoticeRequest r = Request();
    change(r);
    Status s = ValidateNoticeRequest(r);
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    return s.message();
  };
  EXPECT_TRUE(ValidateNoticeRequest(Request()).ok());
  NoticeRequest uri = Request();
  uri.number = "sip:13812345678@127.0.0.1:5070";
  EXPECT_TRUE(ValidateNoticeRequest(uri).ok());
  EXPECT_EQ(MaskDialTarget(uri.number), "sip:138****5678@127.0.0.1:5070");
  EXPECT_EQ(MaskDialTarget("+8613812345678"), "+86138****5678");  // text::MaskPhone's rule
  EXPECT_NE(bad([](auto& r) { r.number = "138-1234"; }).find("\"number\""), std::string::npos);
  std::string m = bad([](auto& r) { r.number = "sip:13812345678@bad host"; });
  EXPECT_EQ(m.find("13812345678"), std::string::npos) << m;  // never echoes the number
  bad([](auto& r) { r.number = "tel:13812345678"; });
  bad([](auto& r) { r.number = "sip:@host"; });
  bad([](auto& r) { r.number = ""; });
  bad([](auto& r) { r.text = ""; });
  bad([](auto& r) { r.text = std::string(kMaxNoticeTextBytes + 1, 'a'); });
  bad([](auto& r) { r.text = "a\x01"; });
  bad([](auto& r) { r.attempt_id = ""; });
  bad([](auto& r) { r.attempt_id = "a b"; });
  bad([](auto& r) { r.attempt_id = std::string(65, 'a'); });
  bad([](auto& r) { r.confirm_keys = ""; });
  bad([](auto& r) { r.confirm_keys = "1a"; });
  bad([](auto& r) { r.confirm_keys = "11"; });
  EXPECT_NE(bad([](auto& r) { r.repeat_keys = "19"; }).find("key 1"), std::string::npos);
  bad([](auto& r) { r.max_plays = 0; });
  bad([](auto& r) { r.max_plays = 6; });
  bad([](auto& r) { r.key_timeout_s = 0; });
  bad([](auto& r) { r.key_timeout_s = 61; });
  bad([](auto& r) { r.ring_timeout_s = 4; });
  bad([](auto& r) { r.ring_timeout_s = 301; });
  NoticeRequest no_repeat = Request();
  no_repeat.repeat_keys = "";
  EXPECT_TRUE(ValidateNoticeRequest(no_repeat).ok());
}

// The store keeps a call as it was written: options, every event field, the end.
TEST(NoticeCallStoreTest, RoundTripsACall) {
  auto db = std::move(storage::testing::OpenTestDatabase().value());
  NoticeCallStore store(*db);
  ASSERT_TRUE(store.Migrate().ok());
  NoticeCall c;
  c.id = "00000000000000aa";
  c.attempt_id = "rt-1";
  c.number_masked = "138****5678";
  c.created_ms = 1700000000000;
  c.options.confirm_keys = "1#";
  c.options.max_plays = 3;
  c.options.ring_timeout_s = 20;
  NoticeEvent dialing;
  dialing.type = "dialing";
  dialing.at_ms = c.created_ms;
  c.events.push_back(dialing);
  ASSERT_TRUE(store.Insert(c, std::nullopt, std::string("sealed")).ok());
  EXPECT_FALSE(store.Insert(c, std::nullopt, std::nullopt).ok());  // the attempt id is known

  NoticeEvent notice{"notice", c.created_ms + 5, std::nullopt, 1, true};
  NoticeEvent key{"key", c.created_ms + 6};
  key.key = "#";
  NoticeEvent hangup{"hangup", c.created_ms + 7};
  hangup.cause = "bye";
  c.events.insert(c.events.end(), {notice, key, hangup});
  c.state = NoticeState::kEnded;
  c.outcome = NoticeOutcome::kConfirmed;
  c.sip_code = 200;
  c.digits = "#";
  c.plays = 1;
  c.ended_ms = c.created_ms + 7;
  ASSERT_TRUE(store.Update(c).ok());

  auto found = store.FindByAttempt("rt-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  const NoticeCall& r = **found;
  EXPECT_EQ(r.id, c.id);
  EXPECT_EQ(r.state, NoticeState::kEnded);
  EXPECT_EQ(r.outcome, NoticeOutcome::kConfirmed);
  EXPECT_EQ(r.options.confirm_keys, "1#");
  EXPECT_EQ(r.options.max_plays, 3);
  EXPECT_EQ(r.options.ring_timeout_s, 20);
  EXPECT_EQ(r.ended_ms, c.ended_ms);
  ASSERT_EQ(EventTypes(r), (std::vector<std::string>{"dialing", "notice", "key", "hangup"}));
  EXPECT_FALSE(r.events[0].play.has_value());
  EXPECT_EQ(r.events[1].play.value_or(0), 1);
  EXPECT_TRUE(r.events[1].restart);
  EXPECT_EQ(r.events[2].key.value_or(""), "#");
  EXPECT_EQ(r.events[3].cause.value_or(""), "bye");
  EXPECT_TRUE(store.ListUnfinished()->empty());
  ASSERT_TRUE(store.Delete(c.id).ok());
  EXPECT_FALSE(store.FindById(c.id)->has_value());
}

// The registries of personal data (app/security_context.cc) name what the store creates.
TEST(NoticeCallStoreTest, ThePersonalDataRegistriesNameTheStoresColumns) {
  auto db = std::move(storage::testing::OpenTestDatabase().value());
  ASSERT_TRUE(NoticeCallStore(*db).Migrate().ok());
  EXPECT_EQ(EncryptedColumns().size(), 2u);
  ASSERT_EQ(RetentionRules().size(), 1u);
  EXPECT_EQ(RetentionRules()[0].category, security::RetentionCategory::kPersonal);
  for (const auto& c : EncryptedColumns())
    EXPECT_TRUE(db->Prepare("SELECT " + c.key_column + ", " + c.column + " FROM " + c.table).ok())
        << c.table << "." << c.column;
  for (const auto& r : RetentionRules()) {
    std::string columns = r.timestamp_column;
    for (const auto& c : r.clear_columns) columns += ", " + c;
    if (!r.file_column.empty()) columns += ", " + r.file_column;
    EXPECT_TRUE(db->Prepare("SELECT " + columns + " FROM " + r.table).ok()) << r.table;
  }
}

}  // namespace
}  // namespace zx::campaigns
