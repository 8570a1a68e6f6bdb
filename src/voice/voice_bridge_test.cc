// The phone menu without SIP: the bridge over a fake call control (telephony/testing), a fake
// synthesizer, a scripted dialogue and a fake clock. The test plays the gateway: it offers a
// call (OnIncoming), sends its events to the call's handler and looks at what was played.
#include "voice/voice_bridge.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "telephony/recognizer.h"
#include "telephony/speech_text.h"
#include "telephony/testing/fake_call_control.h"

namespace zx::voice {
namespace {

using telephony::CallHandler;
using telephony::CallId;
using telephony::DigitSource;
using telephony::SharedPcm;
using telephony::TransferState;

// Renders every sentence as its own buffer and remembers which text made it.
class FakeSynthesizer final : public telephony::SpeechSynthesizer {
 public:
  Result<SharedPcm> Synthesize(std::string_view text) override {
    auto pcm = std::make_shared<const telephony::Pcm>(text.size() * 8, int16_t{1000});
    std::lock_guard lock(mu_);
    texts_[pcm.get()] = std::string(text);
    ++calls_;
    return pcm;
  }
  std::string TextOf(const SharedPcm& pcm) {
    std::lock_guard lock(mu_);
    auto it = texts_.find(pcm.get());
    return it == texts_.end() ? "?" : it->second;
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::map<const telephony::Pcm*, std::string> texts_;
  int calls_ = 0;
};

// A dialogue whose replies the test writes; records what the caller said.
class ScriptedDialogue final : public MenuDialogue {
 public:
  std::function<MenuReply(const std::string&)> reply = [](const std::string& text) {
    MenuReply r;
    r.text = "关于" + text + "的答复。";
    r.topic = "topic";
    return r;
  };
  // While set, Say waits until it is cleared (a slow turn).
  void Hold(bool hold) {
    std::lock_guard lock(mu_);
    hold_ = hold;
    cv_.notify_all();
  }
  std::vector<std::string> asked() {
    std::lock_guard lock(mu_);
    return asked_;
  }
  int started() { return started_; }
  int ended() { return ended_; }
  std::vector<std::string> ratings() {
    std::lock_guard lock(mu_);
    return ratings_;
  }

  Result<std::unique_ptr<MenuConversation>> Start() override {
    int n = ++started_;
    return std::unique_ptr<MenuConversation>(new Conversation(*this, "conv-" + std::to_string(n)));
  }

 private:
  class Conversation final : public MenuConversation {
   public:
    Conversation(ScriptedDialogue& d, std::string id) : d_(d), id_(std::move(id)) {}
    const std::string& id() const override { return id_; }
    Result<MenuReply> Say(std::string_view text) override {
      std::unique_lock lock(d_.mu_);
      d_.asked_.emplace_back(text);
      d_.cv_.wait(lock, [&] { return !d_.hold_; });
      return d_.reply(std::string(text));
    }
    // Recorded as "choose:<topic>|<said>"; the reply is the script's for that line.
    Result<MenuReply> Choose(const std::string& topic, std::string_view said) override {
      std::string line = "choose:" + topic + "|" + std::string(said);
      std::unique_lock lock(d_.mu_);
      d_.asked_.push_back(line);
      return d_.reply(line);
    }
    void End() override {
      if (!ended_) ++d_.ended_;
      ended_ = true;
    }
    std::string Reference() override { return ended_ ? "202612050007" : ""; }
    Status Rate(std::string_view rating) override {
      std::lock_guard lock(d_.mu_);
      d_.ratings_.emplace_back(rating);
      return Status::Ok();
    }

   private:
    ScriptedDialogue& d_;
    std::string id_;
    bool ended_ = false;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  std::vector<std::string> asked_;
  std::vector<std::string> ratings_;
  std::atomic<int> started_{0};
  std::atomic<int> ended_{0};
};

IvrMenu TestMenu() {
  IvrMenu m;
  m.greeting = "欢迎致电，请选择业务。";
  m.invalid_key = "没有这个选项。";
  m.no_input = "请按键选择。";
  m.no_input_seconds = 10;
  m.max_no_input = 2;
  m.goodbye = "再见。";
  m.not_understood = "没有听清。";
  m.speech_unavailable = "请用按键。";
  m.transfer_failed = "暂时无法接通人工。";
  m.keys = {{"1", "社保", "ask", "社保卡补办"},
            {"2", "医保", "ask", "医保报销"},
            {"0", "人工", "agent", "转人工"},
            {"9", "重听", "repeat", ""},
            {"8", "菜单", "menu", ""}};
  return m;
}

std::string S(const std::string& text) { return telephony::PrepareForSpeech(text); }

class VoiceBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(""); }

  void Make(const std::string& transfer_to, IvrMenu menu = TestMenu()) {
    bridge_.reset();
    VoiceBridgeOptions options;
    options.transfer_to = transfer_to;
    options.threads = 2;
    options.clock = &clock_;
    bridge_ = std::make_unique<VoiceBridge>(std::move(menu), dialogue_, tts_, nullptr, options);
    bridge_->Attach(&calls_);
  }

  // Offers and answers a call; the greeting starts.
  std::shared_ptr<CallHandler> Answer(CallId id) {
    telephony::CallInfo info;
    info.id = id;
    auto handler = bridge_->OnIncoming(info);
    EXPECT_TRUE(handler);
    handler->OnCallStarted(info);
    bridge_->Flush();
    return handler;
  }
  // What the call has heard so far, prompt by prompt (its sentences joined).
  std::vector<std::string> Heard(CallId id) {
    std::vector<std::string> out;
    for (const auto& p : calls_.played(id)) {
      if (p.first || out.empty()) out.emplace_back();
      out.back() += tts_.TextOf(p.audio);
    }
    return out;
  }
  std::string LastHeard(CallId id) {
    auto heard = Heard(id);
    return heard.empty() ? "" : heard.back();
  }
  uint64_t LastPrompt(CallId id) {
    auto p = calls_.played(id);
    return p.empty() ? 0 : p.back().prompt_id;
  }
  // The prompt playing now was heard to its end.
  void Finish(CallHandler& h, CallId id, bool interrupted = false) {
    h.OnPlaybackDone(id, LastPrompt(id), interrupted);
    bridge_->Flush();
  }
  void Key(CallHandler& h, CallId id, char key) {
    h.OnDigit(id, key, DigitSource::kRfc4733);
    bridge_->Flush();
  }
  void Wait(int seconds) {
    clock_.Advance(std::chrono::seconds(seconds));
    bridge_->Flush();
  }
  size_t Hangups(CallId id) {
    size_t n = 0;
    for (CallId c : calls_.hangups()) n += c == id;
    return n;
  }

  FakeClock clock_{1700000000000};
  telephony::testing::FakeCallControl calls_;
  FakeSynthesizer tts_;
  ScriptedDialogue dialogue_;
  std::unique_ptr<VoiceBridge> bridge_;
};

TEST_F(VoiceBridgeTest, AnsweredCallHearsTheGreeting) {
  auto h = Answer(1);
  EXPECT_EQ(Heard(1), std::vector<std::string>{S("欢迎致电，请选择业务。")});
  EXPECT_EQ(dialogue_.started(), 1);
  EXPECT_TRUE(dialogue_.asked().empty());
}

TEST_F(VoiceBridgeTest, KeysAskTheDialogueAndTheReplyIsSaid) {
  auto h = Answer(1);
  Key(*h, 1, '1');
  EXPECT_EQ(dialogue_.asked(), std::vector<std::string>{"社保卡补办"});
  EXPECT_EQ(LastHeard(1), S("关于社保卡补办的答复。"));
  Key(*h, 1, '7');  // not in the menu
  EXPECT_EQ(LastHeard(1), S("没有这个选项。欢迎致电，请选择业务。"));
  Key(*h, 1, '8');  // menu
  EXPECT_EQ(LastHeard(1), S("欢迎致电，请选择业务。"));
  EXPECT_EQ(dialogue_.asked().size(), 1u);
}

TEST_F(VoiceBridgeTest, NineRepeatsTheLastPromptWithoutSynthesisingAgain) {
  auto h = Answer(1);
  Key(*h, 1, '2');
  int synthesised = tts_.calls();
  auto before = calls_.played(1).back().audio;
  Key(*h, 1, '9');
  EXPECT_EQ(tts_.calls(), synthesised);
  EXPECT_EQ(calls_.played(1).back().audio, before);
  EXPECT_EQ(LastHeard(1), S("关于医保报销的答复。"));
}

TEST_F(VoiceBridgeTest, ZeroAsksForAnAgentWithoutTransferTarget) {
  dialogue_.reply = [](const std::string&) {
    MenuReply r;
    r.text = "正在为您转接人工。";
    r.topic = "agent";
    r.handoff = true;
    return r;
  };
  auto h = Answer(1);
  Key(*h, 1, '0');
  EXPECT_EQ(dialogue_.asked(), std::vector<std::string>{"转人工"});
  EXPECT_EQ(LastHeard(1), S("正在为您转接人工。"));
  Finish(*h, 1);
  EXPECT_TRUE(calls_.transfers().empty());  // no target: the caller stays on the line
  EXPECT_EQ(Hangups(1), 0u);
}

class HandOverTest : public VoiceBridgeTest {
 protected:
  void SetUp() override {
    Make("sip:8001@agents");
    dialogue_.reply = [](const std::string&) {
      MenuReply r;
      r.text = "正在为您转接人工。";
      r.topic = "agent";
      r.handoff = true;
      return r;
    };
  }
};

TEST_F(HandOverTest, TransferAfterTheReplyHasBeenSaid) {
  auto h = Answer(1);
  Key(*h, 1, '0');
  EXPECT_TRUE(calls_.transfers().empty());  // not while the reply plays
  Finish(*h, 1);
  auto transfers = calls_.transfers();
  ASSERT_EQ(transfers.size(), 1u);
  EXPECT_EQ(transfers[0].call, 1u);
  EXPECT_EQ(transfers[0].target, "sip:8001@agents");
  ASSERT_EQ(transfers[0].headers.size(), 1u);
  EXPECT_EQ(transfers[0].headers[0].first, "X-Zhixian-Conversation");
  EXPECT_EQ(transfers[0].headers[0].second, "conv-1");
  size_t heard = Heard(1).size();
  h->OnTransfer(1, TransferState::kAccepted, 202);
  h->OnTransfer(1, TransferState::kSucceeded, 200);
  h->OnCallEnded(1, "transferred");
  bridge_->Flush();
  EXPECT_EQ(Heard(1).size(), heard);  // nothing more said
  EXPECT_EQ(dialogue_.ended(), 1);
}

TEST_F(HandOverTest, AFailedTransferIsToldToTheCaller) {
  auto h = Answer(1);
  Key(*h, 1, '0');
  Finish(*h, 1);
  ASSERT_EQ(calls_.transfers().size(), 1u);
  h->OnTransfer(1, TransferState::kFailed, 486);
  bridge_->Flush();
  EXPECT_EQ(LastHeard(1), S("暂时无法接通人工。"));
  EXPECT_EQ(Hangups(1), 0u);
}

TEST_F(HandOverTest, ARefusedTransferRequestIsToldToTheCaller) {
  calls_.FailTransfers(InvalidArgument("bad target"));
  auto h = Answer(1);
  Key(*h, 1, '0');
  Finish(*h, 1);
  EXPECT_EQ(LastHeard(1), S("暂时无法接通人工。"));
}

TEST_F(VoiceBridgeTest, SilenceTwiceThenGoodbyeAndHangUp) {
  auto h = Answer(1);
  Wait(60);  // the greeting has not been heard to its end: no timer yet
  EXPECT_EQ(Heard(1).size(), 1u);
  Finish(*h, 1);
  Wait(9);
  EXPECT_EQ(Heard(1).size(), 1u);
  Wait(1);
  EXPECT_EQ(LastHeard(1), S("请按键选择。欢迎致电，请选择业务。"));
  Finish(*h, 1);
  Wait(10);
  EXPECT_EQ(LastHeard(1), S("请按键选择。欢迎致电，请选择业务。"));
  EXPECT_EQ(Heard(1).size(), 3u);
  Finish(*h, 1);
  Wait(10);
  EXPECT_EQ(LastHeard(1), S("再见。"));
  EXPECT_EQ(Hangups(1), 0u);
  Finish(*h, 1);
  EXPECT_EQ(Hangups(1), 1u);
}

TEST_F(VoiceBridgeTest, AKeyResetsTheSilenceCount) {
  auto h = Answer(1);
  Finish(*h, 1);
  Wait(10);  // no input 1
  Finish(*h, 1);
  Wait(10);  // no input 2
  Key(*h, 1, '1');
  Finish(*h, 1);
  Wait(10);  // no input 1 again, not the goodbye
  EXPECT_EQ(LastHeard(1), S("请按键选择。欢迎致电，请选择业务。"));
}

TEST_F(VoiceBridgeTest, BargeInByKeyReplacesThePromptAndArmsNoTimer) {
  auto h = Answer(1);
  uint64_t greeting = LastPrompt(1);
  size_t stops = calls_.stops().size();
  Key(*h, 1, '2');                          // during the greeting
  EXPECT_GT(calls_.stops().size(), stops);  // the reply replaces what plays
  EXPECT_EQ(LastHeard(1), S("关于医保报销的答复。"));
  // The gateway reports the greeting as interrupted: it is not the prompt now playing.
  h->OnPlaybackDone(1, greeting, true);
  bridge_->Flush();
  Wait(30);
  EXPECT_EQ(Heard(1).size(), 2u);
  // The reply cut by the caller's voice arms no silence timer either.
  Finish(*h, 1, /*interrupted=*/true);
  Wait(30);
  EXPECT_EQ(Heard(1).size(), 2u);
}

TEST_F(VoiceBridgeTest, AfterAnAskBackADigitPicksAChoice) {
  dialogue_.reply = [](const std::string& text) {
    MenuReply r;
    if (text == "社保卡补办") {
      r.text = "您是想咨询：1. 补办；2. 挂失？";
      r.asks_choice = true;
    } else {
      r.text = "好的，" + text + "。";
      r.topic = "t";
    }
    return r;
  };
  auto h = Answer(1);
  Key(*h, 1, '1');
  Key(*h, 1, '2');  // picks choice 2, not the menu's key 2
  EXPECT_EQ(dialogue_.asked(), (std::vector<std::string>{"社保卡补办", "2"}));
  Key(*h, 1, '2');  // no ask-back any more: the menu's key 2
  EXPECT_EQ(dialogue_.asked().back(), "医保报销");
}

TEST_F(VoiceBridgeTest, RepeatAndAgentWorkDuringAnAskBack) {
  dialogue_.reply = [](const std::string& text) {
    MenuReply r;
    r.text = text == "转人工" ? "正在转接。" : "您是想咨询：1. 补办；2. 挂失？";
    r.asks_choice = text != "转人工";
    return r;
  };
  auto h = Answer(1);
  Key(*h, 1, '1');
  Key(*h, 1, '9');
  EXPECT_EQ(dialogue_.asked().size(), 1u);
  Key(*h, 1, '0');
  EXPECT_EQ(dialogue_.asked().back(), "转人工");
}

// Issue 11: the goodbye gives the 受理编号 and asks for a rating by keys 1/2/3; the call ends
// after the rating's thanks, or after a pause without one.
TEST_F(VoiceBridgeTest, TheEndOfTheConversationGivesTheReferenceAndTakesARatingByKey) {
  dialogue_.reply = [](const std::string&) {
    MenuReply r;
    r.text = "感谢，再见。";
    r.done = true;
    return r;
  };
  auto h = Answer(1);
  Key(*h, 1, '1');
  EXPECT_EQ(dialogue_.ended(), 1);
  EXPECT_EQ(LastHeard(1),
            S("感谢，再见。您的受理编号是202612050007。请您对本次服务进行评价：满意请按1，"
              "基本满意请按2，不满意请按3。"));
  Finish(*h, 1, /*interrupted=*/true);  // even when cut short: the key is still awaited
  EXPECT_EQ(Hangups(1), 0u);
  Key(*h, 1, '5');  // not a rating: ignored
  EXPECT_TRUE(dialogue_.ratings().empty());
  Key(*h, 1, '2');
  EXPECT_EQ(dialogue_.ratings(), std::vector<std::string>{"基本满意"});
  EXPECT_EQ(LastHeard(1), S("感谢您的评价，再见。"));
  EXPECT_EQ(Hangups(1), 0u);
  Finish(*h, 1);
  EXPECT_EQ(Hangups(1), 1u);
}

TEST_F(VoiceBridgeTest, WithoutARatingTheCallEndsAfterAPause) {
  dialogue_.reply = [](const std::string&) {
    MenuReply r;
    r.text = "感谢，再见。";
    r.done = true;
    return r;
  };
  auto h = Answer(1);
  Key(*h, 1, '1');
  Finish(*h, 1);
  Wait(7);
  EXPECT_EQ(Hangups(1), 0u);
  Wait(2);
  EXPECT_EQ(Hangups(1), 1u);
  EXPECT_TRUE(dialogue_.ratings().empty());
}

TEST_F(VoiceBridgeTest, SpeechWithoutRecogniserIsToldOnce) {
  auto h = Answer(1);
  h->OnUtterance(1, telephony::Pcm(1600), telephony::EndReason::kSilence);
  bridge_->Flush();
  EXPECT_EQ(LastHeard(1), S("请用按键。欢迎致电，请选择业务。"));
  h->OnUtterance(1, telephony::Pcm(1600), telephony::EndReason::kSilence);
  bridge_->Flush();
  EXPECT_EQ(Heard(1).size(), 2u);
}

// Streams whose results the test delivers, as the recognizer's I/O thread would.
class ScriptedRecognizer final : public telephony::SpeechRecognizer {
 public:
  struct Stream final : public telephony::RecognitionStream {
    void Feed(const int16_t*, size_t) override {}
    void Finish() override {}
    void Cancel() override {}
  };
  std::unique_ptr<telephony::RecognitionStream> Open(
      const telephony::RecognitionOptions& options,
      telephony::RecognitionHandler* handler) override {
    std::lock_guard lock(mu_);
    names.push_back(options.name);
    handlers.push_back(handler);
    return std::make_unique<Stream>();
  }
  telephony::RecognitionHandler* Last() {
    std::lock_guard lock(mu_);
    return handlers.empty() ? nullptr : handlers.back();
  }
  std::mutex mu_;
  std::vector<std::string> names;
  std::vector<telephony::RecognitionHandler*> handlers;
};

TEST_F(VoiceBridgeTest, SpeechIsRecognisedAndAsked) {
  ScriptedRecognizer asr;
  VoiceBridgeOptions options;
  options.threads = 1;
  options.clock = &clock_;
  bridge_ = std::make_unique<VoiceBridge>(TestMenu(), dialogue_, tts_, &asr, options);
  bridge_->Attach(&calls_);
  auto h = Answer(1);
  h->OnSpeechStarted(1);
  h->OnUtterance(1, telephony::Pcm(1600), telephony::EndReason::kSilence);
  bridge_->Flush();
  ASSERT_NE(asr.Last(), nullptr);
  EXPECT_EQ(asr.names.back(), "call-1-utt-1");
  asr.Last()->OnFinal({"我想补办社保卡", true});
  bridge_->Flush();
  EXPECT_EQ(dialogue_.asked(), std::vector<std::string>{"我想补办社保卡"});
  EXPECT_EQ(LastHeard(1), S("关于我想补办社保卡的答复。"));
  h->OnUtterance(1, telephony::Pcm(1600), telephony::EndReason::kSilence);
  bridge_->Flush();
  asr.Last()->OnError({telephony::RecognitionErrorCode::kTimeout, "no final result"});
  bridge_->Flush();
  EXPECT_EQ(LastHeard(1), S("没有听清。"));
  EXPECT_EQ(dialogue_.asked().size(), 1u);
  bridge_.reset();  // before the recognizer goes
}

TEST_F(VoiceBridgeTest, OneSlowTurnDoesNotHoldCallsOnOtherWorkers) {
  auto slow = Answer(1);  // workers: call 1 on one, call 2 on the other
  auto fast = Answer(2);
  dialogue_.Hold(true);
  slow->OnDigit(1, '1', DigitSource::kRfc4733);  // its dialogue turn now waits
  fast->OnDigit(2, '8', DigitSource::kRfc4733);  // the menu key needs no turn
  for (int i = 0; i < 500 && Heard(2).size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(Heard(2).size(), 2u);
  EXPECT_EQ(Heard(1).size(), 1u);
  dialogue_.Hold(false);
  bridge_->Flush();
  EXPECT_EQ(LastHeard(1), S("关于社保卡补办的答复。"));
}

TEST_F(VoiceBridgeTest, EndedCallsEndTheirConversationAndIgnoreLaterEvents) {
  auto h = Answer(1);
  h->OnCallEnded(1, "bye");
  bridge_->Flush();
  EXPECT_EQ(dialogue_.ended(), 1);
  Key(*h, 1, '1');
  EXPECT_TRUE(dialogue_.asked().empty());
}

TEST_F(VoiceBridgeTest, StopEndsOpenConversationsAndRefusesNewCalls) {
  auto a = Answer(1);
  auto b = Answer(2);
  bridge_->Stop();
  EXPECT_EQ(dialogue_.ended(), 2);
  telephony::CallInfo info;
  info.id = 3;
  EXPECT_EQ(bridge_->OnIncoming(info), nullptr);
  a->OnDigit(1, '1', DigitSource::kRfc4733);  // dropped
  EXPECT_TRUE(dialogue_.asked().empty());
}

TEST_F(VoiceBridgeTest, CallsBeforeAttachAreRefused) {
  VoiceBridge unattached(TestMenu(), dialogue_, tts_);
  telephony::CallInfo info;
  info.id = 1;
  EXPECT_EQ(unattached.OnIncoming(info), nullptr);
}

// Issue 11: a calculation is said result first; key 1 right after it says the working, and
// once anything else has been said, key 1 is the menu's again.
TEST_F(VoiceBridgeTest, ACalculationIsSaidResultFirstAndKey1SaysTheWorking) {
  const std::string calc =
      "加班费测算：\n工作日：100 × 150% = "
      "150.00元\n结果：加班费150.00元。\n依据：规则（示例市人社局）";
  dialogue_.reply = [&](const std::string& text) {
    MenuReply r;
    r.text = text == "医保报销" ? calc : "关于" + text + "的答复。";
    r.topic = "topic";
    return r;
  };
  auto h = Answer(1);
  Key(*h, 1, '2');
  EXPECT_EQ(LastHeard(1), S("加班费测算结果：加班费150.00元。要听计算过程请按1。"));
  Key(*h, 1, '1');
  EXPECT_EQ(LastHeard(1), S("加班费测算：\n工作日：100 × 150% = 150.00元\n结果：加班费150.00元。\n"
                            "依据示例市人社局的规定。"));
  EXPECT_EQ(dialogue_.asked(), std::vector<std::string>{"医保报销"});  // key 1 asked nothing
  Key(*h, 1, '1');  // the offer has been taken: 1 is the menu's key again
  EXPECT_EQ(LastHeard(1), S("关于社保卡补办的答复。"));
  EXPECT_EQ(LastHeard(1).find("依据："), std::string::npos);
}

// ---- the agents in zhixian (no transfer_to): the queue, the agent's words spoken, call-backs ----

// A desk the test plays: it emits the agent's events and records the call-backs left.
class FakeDesk final : public AgentDesk {
 public:
  struct Left {
    std::string conversation;
    std::string phone;
    CallbackReason reason;
  };
  int Watch(const std::string& id, Listener listener) override {
    std::lock_guard lock(mu_);
    listeners_[++next_] = {id, std::move(listener)};
    return next_;
  }
  void Unwatch(int watch) override {
    std::lock_guard lock(mu_);
    listeners_.erase(watch);
  }
  int QueuePosition(const std::string&) const override { return position; }
  std::optional<int64_t> AverageHandlingSeconds() const override { return average; }
  Status LeaveCallback(const std::string& id, const std::string& phone,
                       CallbackReason reason) override {
    std::lock_guard lock(mu_);
    left_.push_back({id, phone, reason});
    return Status::Ok();
  }
  void Speaking(const std::string& id, const std::string& text) override {
    std::lock_guard lock(mu_);
    speaking_.push_back(id + ":" + text);
  }
  std::vector<std::string> speaking() {
    std::lock_guard lock(mu_);
    return speaking_;
  }
  // As an agent's action would, from another thread than the call's.
  void Emit(const std::string& id, const DeskEvent& event) {
    std::vector<Listener> to_call;
    {
      std::lock_guard lock(mu_);
      for (auto& [n, l] : listeners_)
        if (l.first == id) to_call.push_back(l.second);
    }
    std::thread([&] {
      for (auto& l : to_call) l(event);
    }).join();
  }
  std::vector<Left> left() {
    std::lock_guard lock(mu_);
    return left_;
  }
  size_t watching() {
    std::lock_guard lock(mu_);
    return listeners_.size();
  }

  std::atomic<int> position{3};
  std::optional<int64_t> average;

 private:
  std::mutex mu_;
  int next_ = 0;
  std::map<int, std::pair<std::string, Listener>> listeners_;
  std::vector<Left> left_;
  std::vector<std::string> speaking_;  // "conversation:text"
};

class AgentLineTest : public VoiceBridgeTest {
 protected:
  void SetUp() override { MakeWithDesk(""); }
  void MakeWithDesk(const std::string& transfer_to, telephony::SpeechRecognizer* asr = nullptr) {
    bridge_.reset();
    VoiceBridgeOptions options;
    options.transfer_to = transfer_to;
    options.threads = 2;
    options.clock = &clock_;
    options.desk = &desk_;
    options.handling_seconds = 120;
    bridge_ = std::make_unique<VoiceBridge>(TestMenu(), dialogue_, tts_, asr, options);
    bridge_->Attach(&calls_);
    dialogue_.reply = [](const std::string& text) {
      MenuReply r;
      if (text == "转人工") {
        r.text = "正在为您转接人工坐席。您可以继续留言，也可以留下电话。";
        r.handoff = true;
      }  // later turns: an agent holds it, the dialogue says nothing
      return r;
    };
  }
  std::shared_ptr<CallHandler> AnswerFrom(CallId id, const std::string& caller) {
    telephony::CallInfo info;
    info.id = id;
    info.caller = caller;
    info.caller_masked = "138****5678";
    auto handler = bridge_->OnIncoming(info);
    EXPECT_TRUE(handler);
    handler->OnCallStarted(info);
    bridge_->Flush();
    return handler;
  }
  void Agent(const DeskEvent& event) {
    desk_.Emit("conv-1", event);
    bridge_->Flush();
  }

  FakeDesk desk_;
};

TEST_F(AgentLineTest, ZeroJoinsTheQueueAndHearsThePlaceAndEstimateEveryThirtySeconds) {
  auto h = AnswerFrom(1, "13812345678");
  Key(*h, 1, '0');
  EXPECT_EQ(dialogue_.asked(), std::vector<std::string>{"转人工"});
  // Not the chat's "留下电话" reply: what a caller can do by keys. 2 ahead × 120 s = 4 minutes.
  EXPECT_EQ(LastHeard(1),
            S("正在为您转接人工坐席。您前面还有2位，预计等待4分钟。如需挂机等待回拨，请按1。"));
  Finish(*h, 1);
  EXPECT_TRUE(calls_.transfers().empty());
  size_t heard = Heard(1).size();
  Wait(10);  // no "no input" prompt while waiting
  EXPECT_EQ(Heard(1).size(), heard);
  desk_.position = 2;
  desk_.average = 300;  // the recent average handling time wins over the default
  Wait(20);
  EXPECT_EQ(Heard(1).size(), heard + 1);
  EXPECT_EQ(LastHeard(1), S("您前面还有1位，预计等待5分钟。如需挂机等待回拨，请按1。"));
  Finish(*h, 1);
  // The queue moves up and nobody is ahead any more.
  desk_.position = 1;
  Agent({DeskEvent::Kind::kQueueMoved, 1, ""});
  Wait(30);
  EXPECT_EQ(LastHeard(1), S("您是下一位，坐席接通后将马上为您服务。如需挂机等待回拨，请按1。"));
  EXPECT_EQ(Hangups(1), 0u);
}

TEST_F(AgentLineTest, TheAgentsTypedWordsAreSpokenAndTheCallersKeysReachTheAgent) {
  auto h = AnswerFrom(1, "13812345678");
  Key(*h, 1, '0');
  Finish(*h, 1);
  Agent({DeskEvent::Kind::kTaken, 0, ""});
  Agent({DeskEvent::Kind::kAgentSaid, 0, "您好，人工坐席已接入。"});
  EXPECT_EQ(LastHeard(1), S("您好，人工坐席已接入。"));
  int synthesised = tts_.calls();
  Agent({DeskEvent::Kind::kAgentSaid, 0, "请问您的社保卡是哪一年办的？"});
  EXPECT_EQ(LastHeard(1), S("请问您的社保卡是哪一年办的？"));
  EXPECT_GT(tts_.calls(), synthesised);  // synthesised: the text was spoken, not a recording
  Finish(*h, 1);
  size_t heard = Heard(1).size();
  Wait(60);  // with an agent: no announcements, no "no input"
  EXPECT_EQ(Heard(1).size(), heard);
  // Keys are sent at # ...
  Key(*h, 1, '2');
  Key(*h, 1, '0');
  Key(*h, 1, '#');
  // ... or after a pause.
  Key(*h, 1, '1');
  Wait(3);
  EXPECT_EQ(dialogue_.asked(), (std::vector<std::string>{"转人工", "按键：20", "按键：1"}));
  EXPECT_EQ(Heard(1).size(), heard);  // the dialogue said nothing: the agent answers
  // The agent closes the conversation: the caller hears so and the call ends.
  Agent({DeskEvent::Kind::kEnded, 0, ""});
  EXPECT_EQ(LastHeard(1), S("坐席已结束本次服务，感谢您的来电，再见。"));
  EXPECT_EQ(Hangups(1), 0u);
  Finish(*h, 1);
  EXPECT_EQ(Hangups(1), 1u);
  EXPECT_TRUE(desk_.left().empty());
}

// While the caller speaks, the recogniser's partial text goes to the desk, but only once the
// call is handed over (the menu's dialogue waits for the final text); the citizen's turn then
// replaces it, and an utterance that ends without words clears it.
TEST_F(AgentLineTest, TheCallersPartialTextReachesTheDeskOnlyOnceHandedOver) {
  ScriptedRecognizer asr;
  MakeWithDesk("", &asr);
  auto h = AnswerFrom(1, "13812345678");
  // In the menu: recognised as it comes, but nothing is shown.
  h->OnSpeechStarted(1);
  h->OnSpeechAudio(1, telephony::Pcm(800));
  bridge_->Flush();
  ASSERT_EQ(asr.names.size(), 1u);
  asr.Last()->OnPartial({"转", false});
  h->OnUtterance(1, telephony::Pcm(1600), telephony::EndReason::kSilence);
  bridge_->Flush();
  EXPECT_EQ(asr.names.size(), 1u);  // the stream opened at the start took the utterance
  asr.Last()->OnFinal({"转人工", true});
  bridge_->Flush();
  EXPECT_EQ(dialogue_.asked(), std::vector<std::string>{"转人工"});
  EXPECT_TRUE(desk_.speaking().empty());
  Finish(*h, 1);
  // Queued: the desk sees the words before the turn.
  h->OnSpeechStarted(1);
  h->OnSpeechAudio(1, telephony::Pcm(800));
  bridge_->Flush();
  asr.Last()->OnPartial({"我的社保卡", false});
  bridge_->Flush();
  EXPECT_EQ(desk_.speaking(), std::vector<std::string>{"conv-1:我的社保卡"});
  EXPECT_EQ(dialogue_.asked().size(), 1u);  // the turn comes with the final text
  h->OnUtterance(1, telephony::Pcm(1600), telephony::EndReason::kSilence);
  bridge_->Flush();
  asr.Last()->OnFinal({"我的社保卡丢了", true});
  bridge_->Flush();
  EXPECT_EQ(dialogue_.asked(), (std::vector<std::string>{"转人工", "我的社保卡丢了"}));
  EXPECT_EQ(desk_.speaking().size(), 1u);  // the turn replaces the partial line
  // Words that come to nothing, and speech cut by a key: the line is cleared.
  h->OnSpeechStarted(1);
  bridge_->Flush();
  asr.Last()->OnPartial({"嗯", false});
  bridge_->Flush();
  h->OnUtterance(1, telephony::Pcm(1600), telephony::EndReason::kSilence);
  bridge_->Flush();
  asr.Last()->OnFinal({"", true});
  bridge_->Flush();
  h->OnSpeechStarted(1);
  bridge_->Flush();
  asr.Last()->OnPartial({"那个", false});
  bridge_->Flush();
  h->OnSpeechAbandoned(1);
  bridge_->Flush();
  EXPECT_EQ(desk_.speaking(), (std::vector<std::string>{"conv-1:我的社保卡", "conv-1:嗯",
                                                        "conv-1:", "conv-1:那个", "conv-1:"}));
  EXPECT_EQ(dialogue_.asked().size(), 2u);
  bridge_.reset();  // before the recognizer goes
}

TEST_F(AgentLineTest, OnePressedWhileQueuedLeavesACallBackOnTheCallersNumber) {
  auto h = AnswerFrom(1, "13812345678");
  Key(*h, 1, '0');
  Key(*h, 1, '1');
  auto left = desk_.left();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].conversation, "conv-1");
  EXPECT_EQ(left[0].phone, "13812345678");
  EXPECT_EQ(left[0].reason, CallbackReason::kCallerAsked);
  EXPECT_EQ(LastHeard(1), S("已为您登记回拨，坐席将拨打您现在的来电号码，请挂机。再见。"));
  Finish(*h, 1);
  EXPECT_EQ(Hangups(1), 1u);
  h->OnCallEnded(1, "bye");
  bridge_->Flush();
  EXPECT_EQ(desk_.left().size(), 1u);  // one task, not a second at the hang-up
  EXPECT_EQ(desk_.watching(), 0u);
}

TEST_F(AgentLineTest, HangingUpWhileQueuedLeavesACallBack) {
  auto h = AnswerFrom(1, "+8613812345678");
  Key(*h, 1, '0');
  Finish(*h, 1);
  h->OnCallEnded(1, "bye");
  bridge_->Flush();
  auto left = desk_.left();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].conversation, "conv-1");
  EXPECT_EQ(left[0].phone, "+8613812345678");
  EXPECT_EQ(left[0].reason, CallbackReason::kHungUpInQueue);
  EXPECT_EQ(dialogue_.ended(), 1);
}

TEST_F(AgentLineTest, AWithheldNumberIsNotOfferedACallBackButStillLeavesTheTask) {
  auto h = AnswerFrom(1, "anonymous");
  Key(*h, 1, '0');
  EXPECT_EQ(LastHeard(1), S("正在为您转接人工坐席。您前面还有2位，预计等待4分钟。"));
  Key(*h, 1, '1');  // nothing to call back: the place again
  EXPECT_EQ(LastHeard(1), S("您前面还有2位，预计等待4分钟。"));
  EXPECT_TRUE(desk_.left().empty());
  h->OnCallEnded(1, "bye");
  bridge_->Flush();
  ASSERT_EQ(desk_.left().size(), 1u);
  EXPECT_EQ(desk_.left()[0].phone, "");
}

TEST_F(AgentLineTest, BeforeZeroTheAgentsEventsChangeNothing) {
  auto h = AnswerFrom(1, "13812345678");
  Agent({DeskEvent::Kind::kEnded, 0, ""});
  EXPECT_EQ(Heard(1).size(), 1u);  // only the greeting
  h->OnCallEnded(1, "bye");
  bridge_->Flush();
  EXPECT_TRUE(desk_.left().empty());  // not queued: no call-back
}

TEST_F(AgentLineTest, WithATransferTargetTheCallIsReferredAsBefore) {
  MakeWithDesk("sip:8001@agents");
  auto h = AnswerFrom(1, "13812345678");
  EXPECT_EQ(desk_.watching(), 0u);
  Key(*h, 1, '0');
  EXPECT_EQ(LastHeard(1), S("正在为您转接人工坐席。您可以继续留言，也可以留下电话。"));
  Finish(*h, 1);
  ASSERT_EQ(calls_.transfers().size(), 1u);
  EXPECT_EQ(calls_.transfers()[0].target, "sip:8001@agents");
}

// ---- the menu tree: keys choose entries by id and enter a calculator's slots ----

namespace tree {

constexpr const char* kTree = R"(greeting = "欢迎致电。"
invalid_key = "没有这个选项。"
no_input = "请按键。"
after_answer = "重听按9。"
[[key]]
key = "0"
action = "agent"
text = "转人工"
[[key]]
key = "9"
action = "repeat"
[[key]]
key = "*"
action = "back"
[[menu]]
id = "main"
  [[menu.item]]
  key = "2"
  label = "医保"
  menu = "yb"
[[menu]]
id = "yb"
title = "医保"
  [[menu.item]]
  key = "1"
  label = "异地备案"
  entry = "yb.remote_filing"
  [[menu.item]]
  key = "2"
  label = "住院测算"
  calc = "yb.inpatient_calc"
[[input]]
calc = "yb.inpatient_calc"
slot = "hospital_level"
prompt = "一级按1，二级按2，三级按3。"
keys = ["一级", "二级", "三级"]
[[input]]
calc = "yb.inpatient_calc"
slot = "class_a"
prompt = "请输入甲类费用金额，以井号键结束。"
)";

IvrMenu TreeMenu() {
  auto path = std::filesystem::temp_directory_path() / "zx_voice_bridge_tree.toml";
  std::ofstream(path) << kTree;
  auto menu = LoadIvrMenu(path.string());
  std::filesystem::remove(path);
  EXPECT_TRUE(menu.ok()) << menu.status().message();
  return menu.ok() ? std::move(menu).value() : IvrMenu{};
}

}  // namespace tree

class MenuTreeTest : public VoiceBridgeTest {
 protected:
  void SetUp() override {
    menu_ = tree::TreeMenu();
    Make("", menu_);
    // The dialogue: an entry's answer, or the inpatient calculator asking its slots in order.
    dialogue_.reply = [](const std::string& line) {
      MenuReply r;
      if (line.rfind("choose:yb.remote_filing|", 0) == 0) {
        r.text = "去外地看病要先办异地就医备案。";
        r.topic = "yb.remote_filing";
      } else if (line.rfind("choose:yb.inpatient_calc|", 0) == 0) {
        r.text = "您住的是几级医院？";
        r.topic = "yb.inpatient_calc";
        r.asking = "hospital_level";
      } else if (line == "三级") {
        r.text = "好的。甲类费用是多少？";
        r.topic = "yb.inpatient_calc";
        r.asking = "class_a";
      } else if (line == "12000") {  // no catalog: the slot's type is unknown, digits as they are
        r.text = "统筹基金支付9350元。";
        r.topic = "yb.inpatient_calc";
      } else {
        r.text = "？";
      }
      return r;
    };
  }
  IvrMenu menu_;
};

TEST_F(MenuTreeTest, KeysReachAnAnswerByIdAndStarGoesBack) {
  auto h = Answer(1);
  EXPECT_EQ(LastHeard(1), S("欢迎致电。" + menu_.menus[0].pages[0]));
  Key(*h, 1, '2');
  EXPECT_EQ(LastHeard(1), S(menu_.Level("yb")->pages[0]));
  Key(*h, 1, '1');
  EXPECT_EQ(dialogue_.asked(),
            std::vector<std::string>{"choose:yb.remote_filing|按键：医保 > 异地备案"});
  EXPECT_EQ(LastHeard(1), S("去外地看病要先办异地就医备案。重听按9。"));
  Key(*h, 1, '*');
  EXPECT_EQ(LastHeard(1), S(menu_.Level("yb")->pages[0]));
  Key(*h, 1, '*');
  EXPECT_EQ(LastHeard(1), S(menu_.menus[0].pages[0]));
  Key(*h, 1, '5');
  EXPECT_EQ(LastHeard(1), S("没有这个选项。" + menu_.menus[0].pages[0]));
  EXPECT_EQ(dialogue_.asked().size(), 1u);  // menus and keys need no turn
}

TEST_F(MenuTreeTest, ACalculatorIsAnsweredByKeypad) {
  auto h = Answer(1);
  Key(*h, 1, '2');
  Key(*h, 1, '2');
  EXPECT_EQ(LastHeard(1), S("一级按1，二级按2，三级按3。"));  // the keypad's prompt
  Key(*h, 1, '3');
  EXPECT_EQ(LastHeard(1), S("请输入甲类费用金额，以井号键结束。"));
  size_t prompts = Heard(1).size();
  for (char k : std::string("12000")) Key(*h, 1, k);  // 0 and 9 are digits while entering
  EXPECT_EQ(Heard(1).size(), prompts);                // nothing said until #
  Key(*h, 1, '#');
  EXPECT_EQ(dialogue_.asked(),
            (std::vector<std::string>{"choose:yb.inpatient_calc|按键：医保 > 住院测算", "三级",
                                      "12000"}));
  EXPECT_EQ(LastHeard(1), S("统筹基金支付9350元。重听按9。"));
  Key(*h, 1, '0');  // back in the menu: 0 is the agent's again
  EXPECT_EQ(dialogue_.asked().back(), "转人工");
}

TEST_F(MenuTreeTest, SilenceRepeatsTheCurrentLevel) {
  auto h = Answer(1);
  Key(*h, 1, '2');
  Finish(*h, 1);
  Wait(10);
  EXPECT_EQ(LastHeard(1), S("请按键。" + menu_.Level("yb")->pages[0]));
}

}  // namespace
}  // namespace zx::voice
