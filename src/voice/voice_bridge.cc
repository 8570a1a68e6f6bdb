#include "voice/voice_bridge.h"

#include <chrono>
#include <functional>
#include <utility>

#include "base/log.h"
#include "telephony/prompt_player.h"
#include "telephony/speech_input.h"
#include "voice/ivr_menu_session.h"

namespace zx::voice {

using telephony::CallId;

// One inbound call. The CallHandler methods run on the gateway's thread and only post to the
// call's worker; everything else runs on that worker.
class VoiceBridge::MenuCall final : public telephony::CallHandler,
                                    public std::enable_shared_from_this<MenuCall> {
 public:
  MenuCall(VoiceBridge& bridge, telephony::CallControl& calls, CallId id, Worker& worker)
      : bridge_(bridge),
        menu_(bridge.menu_),
        calls_(calls),
        id_(id),
        worker_(worker),
        player_(calls, bridge.tts_, id),
        session_(bridge.menu_) {}

  // ---- the gateway's thread ----
  void OnCallStarted(const telephony::CallInfo&) override {
    Post([](MenuCall& c) { c.Started(); });
  }
  void OnDigit(CallId, char digit, telephony::DigitSource) override {
    Post([digit](MenuCall& c) { c.Digit(digit); });
  }
  void OnPlaybackDone(CallId, uint64_t prompt_id, bool interrupted) override {
    Post([prompt_id, interrupted](MenuCall& c) {
      c.player_.OnPlaybackDone(prompt_id, interrupted);
    });
  }
  void OnCallEnded(CallId, const std::string& reason) override {
    Post([reason](MenuCall& c) { c.Ended(reason); });
  }
  void OnSpeechStarted(CallId) override {
    Post([](MenuCall& c) { c.CancelNoInput(); });  // the caller is talking: no "no input"
  }
  void OnUtterance(CallId, telephony::Pcm audio, telephony::EndReason) override {
    Post([audio = std::move(audio)](MenuCall& c) { c.Utterance(audio); });
  }
  void OnTransfer(CallId, telephony::TransferState state, int sip_code) override {
    Post([state, sip_code](MenuCall& c) { c.Transferred(state, sip_code); });
  }

  CallId id() const { return id_; }

  // ---- the call's worker ----
  // The call is over, or the server stops: the conversation ends (its summary is written) and
  // later events are dropped.
  void Shutdown() {
    if (ended_) return;
    ended_ = true;
    CancelNoInput();
    speech_.reset();
    if (conversation_) conversation_->End();
  }

 private:
  void Post(std::function<void(MenuCall&)> event) {
    // Dropped once the bridge has stopped (Worker::Post returns false).
    worker_.Post([self = shared_from_this(), event = std::move(event)] {
      if (!self->ended_) event(*self);
    });
  }

  void Started() {
    auto conv = bridge_.dialogue_.Start();
    if (conv.ok()) {
      conversation_ = std::move(conv).value();
    } else {
      log::Error("ivr.conversation_failed call={} error=\"{}\"", id_, conv.status().message());
    }
    log::Info("ivr.call call={} conversation={}", id_, conversation_ ? conversation_->id() : "-");
    if (bridge_.asr_) {
      // Results come back to this call's worker (the input drops them once it is gone).
      speech_ = std::make_unique<telephony::SpeechInput>(
          *bridge_.asr_, "call-" + std::to_string(id_),
          [worker = &worker_](std::function<void()> task) { worker->Post(std::move(task)); });
    }
    bridge_.Opened(shared_from_this());
    Speak(session_.Greeting());
  }

  void Digit(char digit) {
    if (ending_) return;
    no_input_count_ = 0;
    CancelNoInput();
    const IvrKey* key = menu_.Find(digit);
    bool global = key && (key->action == "agent" || key->action == "repeat");
    if (choosing_ && !global && digit >= '1' && digit <= '8') {
      // The assistant asked back with numbered choices: the digit picks one.
      log::Info("ivr.key call={} key={} action=choose", id_, digit);
      Ask(std::string(1, digit));
      return;
    }
    // The menu tree and keypad entry (voice/ivr_menu_session.h).
    MenuSession::Step step = session_.Key(digit);
    if (step.kind == MenuSession::Step::kNone) return;  // a digit of a number being entered
    // Keys that enter a value are not logged (an amount may be personal).
    bool value = session_.entering() || step.kind == MenuSession::Step::kAnswer;
    log::Info("ivr.key call={} key={} action={}{}", id_, value ? '-' : digit, step.log,
              step.key ? " label=" + step.key->label : "");
    choosing_ = false;
    switch (step.kind) {
      case MenuSession::Step::kNone:
        break;
      case MenuSession::Step::kSay:
        Speak(step.text);
        break;
      case MenuSession::Step::kRepeat:
        player_.Replay(PromptDone());
        break;
      case MenuSession::Step::kKey:  // agent (0), ask
        Ask(step.key->text);
        break;
      case MenuSession::Step::kChoose:
        Turn([&] { return conversation_->Choose(step.topic, step.text); });
        break;
      case MenuSession::Step::kAnswer:
        Turn([&] { return conversation_->Say(step.text); });
        break;
    }
  }

  // An utterance ended (the gateway's VAD): recognise it. Without a recogniser, say once that
  // speech cannot be understood and keys must be used.
  void Utterance(const telephony::Pcm& audio) {
    if (ending_ || transfer_pending_) return;
    no_input_count_ = 0;
    if (!speech_) {
      if (!told_no_speech_) {
        told_no_speech_ = true;
        Speak(menu_.speech_unavailable + session_.Prompt());
      }
      return;
    }
    speech_->Listen(audio, [this](const telephony::Heard& heard) { Recognized(heard); });
  }

  void Recognized(const telephony::Heard& heard) {
    if (ending_) return;
    if (!heard.understood) {
      log::Info("ivr.heard call={} chars=0 asr_ms={} error=\"{}\"", id_, heard.recognize_ms,
                heard.error);
      Speak(menu_.not_understood);
      return;
    }
    // The words themselves are a transcript (personal data): only their length is logged.
    log::Info("ivr.heard call={} chars={} asr_ms={}", id_, heard.text.size(), heard.recognize_ms);
    Ask(heard.text);
  }

  void Transferred(telephony::TransferState state, int sip_code) {
    using TS = telephony::TransferState;
    log::Info("ivr.transfer call={} state={} code={}", id_, telephony::TransferStateName(state),
              sip_code);
    if (state == TS::kFailed || state == TS::kTimedOut) {
      // The conversation is still in the agents' queue; the caller is told and may hang up.
      Speak(menu_.transfer_failed);
    }
  }

  void Ended(const std::string& reason) {
    Shutdown();
    log::Info("ivr.call_ended call={} reason=\"{}\"", id_, reason);
    bridge_.Closed(id_);
  }

  // A turn of words (an utterance, an ask-back's choice, a key's text).
  void Ask(const std::string& text) {
    Turn([&] { return conversation_->Say(text); });
  }

  // The one turn of the dialogue per key or utterance: `say` runs it on the conversation.
  void Turn(const std::function<Result<MenuReply>()>& say) {
    if (!conversation_) {
      Speak("抱歉，系统暂时无法受理，请稍后再拨。");
      ending_ = true;
      return;
    }
    auto t0 = std::chrono::steady_clock::now();
    auto reply = say();
    if (!reply.ok()) {
      log::Warn("ivr.say_failed call={} error=\"{}\"", id_, reply.status().message());
      Speak("抱歉，刚才没有处理成功，请再按一次。");
      return;
    }
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    log::Info(
        "ivr.reply call={} conversation={} topic={} handoff={} done={} dialogue_ms={} asking={}",
        id_, conversation_->id(), reply->topic.value_or("-"), reply->handoff, reply->done, ms,
        reply->asking.empty() ? "-" : reply->asking);
    choosing_ = reply->asks_choice;
    // A calculator's question becomes the keypad prompt; an answer is followed by what keys
    // do next (MenuSession::Reply). A hand-over or goodbye is said as it is.
    Speak(reply->handoff || reply->done
              ? reply->text
              : session_.Reply(reply->text, reply->topic.value_or(""), reply->asking));
    // A hand-over: the conversation waits in the agents' queue; with a transfer target the call
    // follows it there once the reply has been said (PromptDone).
    if (reply->handoff && !bridge_.options_.transfer_to.empty()) transfer_pending_ = true;
    if (reply->done && !reply->handoff) ending_ = true;
  }

  void Speak(const std::string& text) {
    CancelNoInput();
    player_.Say(text, PromptDone());
  }

  telephony::PromptPlayer::Done PromptDone() {
    return [this](bool interrupted) { Said(interrupted); };
  }

  // The latest prompt was heard to its end, or cut by a key or the caller's voice.
  void Said(bool interrupted) {
    if (ending_) {
      calls_.Hangup(id_);
      return;
    }
    if (transfer_pending_) {  // the hand-over reply has been said: now transfer
      transfer_pending_ = false;
      StartTransfer();
      return;
    }
    if (!interrupted && menu_.no_input_seconds > 0 && !menu_.no_input.empty()) ArmNoInput();
  }

  // The hand-over reply has been said: REFER the call to the agents, the conversation attached.
  void StartTransfer() {
    std::vector<std::pair<std::string, std::string>> headers;
    if (conversation_) headers.emplace_back("X-Zhixian-Conversation", conversation_->id());
    Status s = calls_.Transfer(id_, bridge_.options_.transfer_to, headers);
    if (!s.ok()) {
      log::Error("ivr.transfer_failed call={} error=\"{}\"", id_, s.message());
      Speak(menu_.transfer_failed);
    }
  }

  void ArmNoInput() {
    CancelNoInput();
    uint64_t generation = ++no_input_generation_;
    std::weak_ptr<MenuCall> weak = shared_from_this();
    no_input_timer_ =
        worker_.After(std::chrono::seconds(menu_.no_input_seconds), [weak, generation] {
          auto self = weak.lock();
          if (self && !self->ended_ && generation == self->no_input_generation_) self->NoInput();
        });
  }

  void CancelNoInput() {
    ++no_input_generation_;  // a timer already due finds itself outdated
    if (no_input_timer_) worker_.Cancel(no_input_timer_);
    no_input_timer_ = 0;
  }

  void NoInput() {
    no_input_timer_ = 0;
    if (ending_) return;
    if (++no_input_count_ > menu_.max_no_input) {
      log::Info("ivr.no_input call={} action=goodbye", id_);
      Speak(menu_.goodbye);
      ending_ = true;
    } else {
      log::Info("ivr.no_input call={} count={}", id_, no_input_count_);
      Speak(menu_.no_input + session_.Prompt());
    }
  }

  VoiceBridge& bridge_;
  const IvrMenu& menu_;
  telephony::CallControl& calls_;
  const CallId id_;
  Worker& worker_;
  telephony::PromptPlayer player_;
  std::unique_ptr<telephony::SpeechInput> speech_;  // null: keys only
  std::unique_ptr<MenuConversation> conversation_;  // null: the dialogue could not start
  MenuSession session_;                             // the caller's place in the menu tree
  bool ended_ = false;             // the call is over (or the bridge stopped): events dropped
  bool choosing_ = false;          // the last reply asked back with numbered choices
  bool ending_ = false;            // hang up when the current prompt ends
  bool transfer_pending_ = false;  // transfer when the current prompt has been said
  bool told_no_speech_ = false;    // speech_unavailable said once
  int no_input_count_ = 0;
  Worker::TimerId no_input_timer_ = 0;
  uint64_t no_input_generation_ = 0;
};

// ---------------------------------------------------------------------------------------------

VoiceBridge::VoiceBridge(IvrMenu menu, MenuDialogue& dialogue, telephony::SpeechSynthesizer& tts,
                         telephony::SpeechRecognizer* asr, VoiceBridgeOptions options)
    : menu_(std::move(menu)), dialogue_(dialogue), tts_(tts), asr_(asr), options_(options) {
  int n = options_.threads < 1 ? 1 : options_.threads;
  for (int i = 0; i < n; ++i)
    workers_.push_back(std::make_unique<Worker>("ivr-" + std::to_string(i), *options_.clock));
}

VoiceBridge::~VoiceBridge() { Stop(); }

void VoiceBridge::Attach(telephony::CallControl* calls) { calls_ = calls; }

Worker& VoiceBridge::WorkerFor(CallId call) { return *workers_[call % workers_.size()]; }

std::shared_ptr<telephony::CallHandler> VoiceBridge::OnIncoming(const telephony::CallInfo& call) {
  telephony::CallControl* calls = calls_.load();
  {
    std::lock_guard lock(mu_);
    if (stopped_ || !calls) return nullptr;
  }
  return std::make_shared<MenuCall>(*this, *calls, call.id, WorkerFor(call.id));
}

void VoiceBridge::Opened(const std::shared_ptr<MenuCall>& call) {
  std::lock_guard lock(mu_);
  open_[call->id()] = call;
}

void VoiceBridge::Closed(CallId call) {
  std::lock_guard lock(mu_);
  open_.erase(call);
}

void VoiceBridge::Stop() {
  std::unordered_map<CallId, std::weak_ptr<MenuCall>> open;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    open.swap(open_);
  }
  // Each open call's conversation ends on its own worker, after the events already posted.
  for (auto& [id, weak] : open)
    WorkerFor(id).Post([w = weak] {  // a copy: a structured binding cannot be captured (clang)
      if (auto call = w.lock()) call->Shutdown();
    });
  for (auto& worker : workers_) worker->Stop();
}

void VoiceBridge::Flush() {
  for (auto& worker : workers_) worker->Flush();
}

}  // namespace zx::voice
