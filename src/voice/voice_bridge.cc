#include "voice/voice_bridge.h"

#include <chrono>
#include <functional>
#include <utility>

#include "base/log.h"
#include "dialogue/satisfaction.h"
#include "telephony/prompt_player.h"
#include "telephony/speech_input.h"
#include "telephony/speech_text.h"
#include "voice/ivr_menu_session.h"
#include "voice/spoken_reply.h"

namespace zx::voice {

using telephony::CallId;

namespace {

// How long the caller has to press a rating key after the prompt.
constexpr int kRatingSeconds = 8;

// The number a call-back can reach: the From user part when it is a number ("+8613812345678",
// "057188001234"); "" for "anonymous" and the like.
std::string CallbackNumber(const std::string& user) {
  size_t digits = 0;
  for (size_t i = 0; i < user.size(); ++i) {
    if (user[i] >= '0' && user[i] <= '9')
      ++digits;
    else if (!(i == 0 && user[i] == '+'))
      return "";
  }
  return digits >= 5 && digits <= 20 ? user : "";
}

}  // namespace

// One inbound call. The CallHandler methods run on the gateway's thread and only post to the
// call's worker; everything else runs on that worker.
class VoiceBridge::MenuCall final : public telephony::CallHandler,
                                    public std::enable_shared_from_this<MenuCall> {
 public:
  MenuCall(VoiceBridge& bridge, telephony::CallControl& calls, const telephony::CallInfo& info,
           Worker& worker)
      : bridge_(bridge),
        menu_(bridge.menu_),
        calls_(calls),
        id_(info.id),
        caller_(CallbackNumber(info.caller)),
        worker_(worker),
        player_(calls, bridge.tts_, info.id),
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
    Post([](MenuCall& c) { c.SpeechStarted(); });
  }
  void OnSpeechAudio(CallId, telephony::Pcm audio) override {
    Post([audio = std::move(audio)](MenuCall& c) {
      if (c.speech_) c.speech_->Feed(audio);
    });
  }
  void OnSpeechAbandoned(CallId) override {
    Post([](MenuCall& c) { c.SpeechAbandoned(); });
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
    if (watch_) bridge_.options_.desk->Unwatch(watch_);
    watch_ = 0;
    // Hung up (or the server stops) while waiting for an agent: never nothing, a call-back.
    if (mode_ == Mode::kQueued && !callback_left_) LeaveCallback(CallbackReason::kHungUpInQueue);
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
    WatchAgents();
    if (bridge_.asr_) {
      // Results come back to this call's worker (the input drops them once it is gone).
      speech_ = std::make_unique<telephony::SpeechInput>(
          *bridge_.asr_, "call-" + std::to_string(id_),
          [worker = &worker_](std::function<void()> task) { worker->Post(std::move(task)); },
          [this](const std::string& text) { Speaking(text); });
    }
    bridge_.Opened(shared_from_this());
    Speak(session_.Greeting());
  }

  void Digit(char digit) {
    if (ending_) return;
    no_input_count_ = 0;
    CancelNoInput();
    if (mode_ != Mode::kMenu) return AgentLineDigit(digit);
    if (rating_) return Rated(digit);
    if (digit == '1' && !more_.empty()) {  // the reply offered "要听计算过程请按1"
      log::Info("ivr.key call={} key=1 action=more", id_);
      Speak(std::string(more_));
      return;
    }
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

  // The caller is talking: no "no input"; with a recogniser, the utterance's stream opens now
  // and its audio follows as it comes (OnSpeechAudio), so that its partial text can show on the
  // agent's desk while the caller speaks.
  void SpeechStarted() {
    CancelNoInput();
    if (speech_ && !ending_ && !transfer_pending_) speech_->Start();
  }

  void SpeechAbandoned() {
    if (speech_) speech_->Abandon();
    StopSpeaking();
  }

  // The partial text of the utterance being spoken (or awaiting its final), posted here by the
  // input. Only an agent (or the queue waiting for one) sees it; the menu's dialogue waits for
  // the final text. Never logged: a transcript.
  void Speaking(const std::string& text) {
    if (ending_ || mode_ == Mode::kMenu || !conversation_ || !bridge_.options_.desk) return;
    bridge_.options_.desk->Speaking(conversation_->id(), text);
    speaking_shown_ = true;
  }
  // The utterance shown as partial text ended without a turn: the desk drops the line.
  void StopSpeaking() {
    if (!speaking_shown_) return;
    speaking_shown_ = false;
    if (conversation_ && bridge_.options_.desk)
      bridge_.options_.desk->Speaking(conversation_->id(), "");
  }

  // An utterance ended (the gateway's VAD): recognise it. Without a recogniser, say once that
  // speech cannot be understood and keys must be used.
  void Utterance(const telephony::Pcm& audio) {
    if (ending_ || transfer_pending_) {
      SpeechAbandoned();
      return;
    }
    no_input_count_ = 0;
    if (!speech_) {
      if (mode_ != Mode::kMenu) return Said(false);  // keys only: back to waiting
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
      StopSpeaking();
      log::Info("ivr.heard call={} chars=0 asr_ms={} error=\"{}\"", id_, heard.recognize_ms,
                heard.error);
      Speak(menu_.not_understood);
      return;
    }
    // The words themselves are a transcript (personal data): only their length is logged.
    log::Info("ivr.heard call={} chars={} asr_ms={}", id_, heard.text.size(), heard.recognize_ms);
    speaking_shown_ = false;  // the citizen's turn replaces the partial line on the desk
    if (mode_ != Mode::kMenu) return ToAgent(heard.text);
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
    // A hand-over to the agents in zhixian: the call waits in their queue on the line.
    if (reply->handoff && watch_) return EnterQueue();
    // A hand-over or goodbye is said as it is. Otherwise a calculator's question becomes the
    // keypad prompt, and an answer is said in its spoken form (voice/spoken_reply.h: the result
    // first, the rest on key 1; numbered choices whole, each one is a key), followed by what
    // keys do next (MenuSession::Reply).
    if (reply->done && !reply->handoff) return SayGoodbyeAndAskRating(reply->text);
    if (reply->handoff || reply->done) {
      Speak(reply->text);
    } else {
      bool whole = choosing_ || !reply->asking.empty();
      SpokenReply spoken =
          whole ? SpokenReply{reply->text, ""} : SpokenForm(reply->text, bridge_.options_.spoken);
      Speak(session_.Reply(spoken.say, reply->topic.value_or(""), reply->asking));
      more_ = std::move(spoken.more);
    }
    // A hand-over: the conversation waits in the agents' queue; with a transfer target the call
    // follows it there once the reply has been said (PromptDone).
    if (reply->handoff && !bridge_.options_.transfer_to.empty()) transfer_pending_ = true;
  }

  // The conversation has ended with `goodbye`: the caller also hears the 受理编号 and is asked
  // to rate the service by keys 1/2/3 (dialogue/satisfaction.h); the call ends with a key or
  // after a pause (Said).
  void SayGoodbyeAndAskRating(const std::string& goodbye) {
    if (!conversation_) {
      Speak(goodbye);
      ending_ = true;
      return;
    }
    conversation_->End();
    std::string reference = conversation_->Reference();
    rating_ = true;
    Speak(goodbye + (reference.empty() ? "" : "您的受理编号是" + reference + "。") +
          std::string(dialogue::kSatisfactionKeyPrompt));
  }

  void Rated(char digit) {
    std::optional<std::string> rating = dialogue::SatisfactionForKey(digit);
    if (!rating) return;  // another key: the prompt stands until the pause ends
    rating_ = false;
    Status s = conversation_->Rate(*rating);
    log::Info("ivr.rated call={} conversation={} ok={}", id_, conversation_->id(), s.ok());
    Speak("感谢您的评价，再见。");
    ending_ = true;
  }

  void RatingTimedOut() {
    rating_ = false;
    calls_.Hangup(id_);
  }

  void Speak(const std::string& text) {
    more_.clear();  // key 1 gives the full text only right after the reply that offered it
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
    if (rating_) {  // a moment for the key, then goodbye
      Arm(kRatingSeconds, &MenuCall::RatingTimedOut);
      return;
    }
    if (transfer_pending_) {  // the hand-over reply has been said: now transfer
      transfer_pending_ = false;
      StartTransfer();
      return;
    }
    if (mode_ == Mode::kQueued) {  // waiting: the place again in a while
      Arm(bridge_.options_.queue_announce_seconds, &MenuCall::AnnounceQueue);
      return;
    }
    if (mode_ == Mode::kWithAgent) return;  // the agent speaks next, or the caller
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

  void ArmNoInput() { Arm(menu_.no_input_seconds, &MenuCall::NoInput); }

  // The call's one timer (no input, the queue announcement, keys to send): `fire` after
  // `seconds` unless cancelled or re-armed before.
  void Arm(int seconds, void (MenuCall::*fire)()) {
    CancelNoInput();
    if (seconds <= 0) return;
    uint64_t generation = ++no_input_generation_;
    std::weak_ptr<MenuCall> weak = shared_from_this();
    no_input_timer_ = worker_.After(std::chrono::seconds(seconds), [weak, generation, fire] {
      auto self = weak.lock();
      if (self && !self->ended_ && generation == self->no_input_generation_) {
        self->no_input_timer_ = 0;
        ((*self).*fire)();
      }
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

  // ---- the agents in zhixian (no transfer_to, a desk): voice/voice_bridge.h ----
  enum class Mode { kMenu, kQueued, kWithAgent };

  // At the start of the call: the conversation's agent events come to this call's worker.
  void WatchAgents() {
    AgentDesk* desk = bridge_.options_.desk;
    if (!desk || !conversation_ || !bridge_.options_.transfer_to.empty()) return;
    std::weak_ptr<MenuCall> weak = shared_from_this();
    watch_ = desk->Watch(conversation_->id(), [weak](const DeskEvent& event) {
      if (auto self = weak.lock()) self->Post([event](MenuCall& c) { c.AgentEvent(event); });
    });
  }

  // The dialogue handed the conversation over: the caller waits on the line.
  void EnterQueue() {
    mode_ = Mode::kQueued;
    choosing_ = false;
    position_ = bridge_.options_.desk->QueuePosition(conversation_->id());
    log::Info("ivr.queued call={} conversation={} position={}", id_, conversation_->id(),
              position_);
    Speak(bridge_.options_.agent_line.queued + QueueText());
  }

  // The place, the estimate and (with a number to call back) the offer of a call-back.
  std::string QueueText() const {
    const VoiceBridgeOptions& o = bridge_.options_;
    int ahead = position_ > 1 ? position_ - 1 : 0;
    std::string text;
    if (ahead == 0) {
      text = o.agent_line.next;
    } else {
      // Each caller ahead takes about one handling time of an agent.
      int64_t per_caller = o.desk->AverageHandlingSeconds().value_or(o.handling_seconds);
      int64_t minutes = (ahead * per_caller + 59) / 60;
      text = QueuePositionText(o.agent_line, ahead, static_cast<int>(minutes < 1 ? 1 : minutes));
    }
    if (!caller_.empty()) text += o.agent_line.callback_offer;
    return text;
  }

  void AnnounceQueue() {
    if (mode_ != Mode::kQueued || ending_) return;
    int position = bridge_.options_.desk->QueuePosition(conversation_->id());
    if (position > 0) position_ = position;
    Speak(QueueText());
  }

  void AgentLineDigit(char digit) {
    if (mode_ == Mode::kQueued) {
      if (digit == '1' && !caller_.empty()) {
        log::Info("ivr.key call={} key=1 action=callback", id_);
        LeaveCallback(CallbackReason::kCallerAsked);
        Speak(bridge_.options_.agent_line.callback_left);
        ending_ = true;
      } else if (digit == '9') {
        player_.Replay(PromptDone());
      } else {
        Speak(QueueText());
      }
      return;
    }
    // With the agent: keys are collected and sent as one message.
    if (digit != '#') keys_ += digit;
    if (digit == '#' || keys_.size() >= 32) return SendKeys();
    Arm(bridge_.options_.key_send_seconds, &MenuCall::SendKeys);
  }

  void SendKeys() {
    if (keys_.empty()) return;
    std::string text = "按键：" + keys_;
    keys_.clear();
    ToAgent(text);
  }

  // The caller's words or keys, as the citizen's message to the agent (the dialogue answers
  // with nothing while an agent holds it; while queued it says the message was kept).
  void ToAgent(const std::string& text) {
    auto reply = conversation_->Say(text);
    if (!reply.ok()) {
      log::Warn("ivr.say_failed call={} error=\"{}\"", id_, reply.status().message());
      return;
    }
    log::Info("ivr.to_agent call={} conversation={} chars={}", id_, conversation_->id(),
              text.size());
    if (!reply->text.empty()) Speak(reply->text);
    if (reply->done) ending_ = true;
  }

  void AgentEvent(const DeskEvent& event) {
    using K = DeskEvent::Kind;
    if (ending_ || callback_left_) return;
    switch (event.kind) {
      case K::kQueueMoved:
        if (mode_ == Mode::kQueued) position_ = event.position;
        return;
      case K::kTaken:
        log::Info("ivr.agent_took call={} conversation={}", id_, conversation_->id());
        mode_ = Mode::kWithAgent;
        CancelNoInput();
        return;
      case K::kAgentSaid:
        // The agent's typed words, spoken (only their length is logged: a transcript).
        log::Info("ivr.agent_said call={} chars={}", id_, event.text.size());
        mode_ = Mode::kWithAgent;
        Speak(event.text);
        return;
      case K::kEnded:
        if (mode_ == Mode::kMenu) return;  // the menu's own goodbye ends it
        log::Info("ivr.agent_ended call={}", id_);
        Speak(bridge_.options_.agent_line.agent_ended);
        ending_ = true;
        return;
    }
  }

  void LeaveCallback(CallbackReason reason) {
    callback_left_ = true;
    Status s = bridge_.options_.desk->LeaveCallback(conversation_->id(), caller_, reason);
    if (!s.ok())
      log::Error("ivr.callback_failed call={} conversation={} error=\"{}\"", id_,
                 conversation_->id(), s.message());
  }

  VoiceBridge& bridge_;
  const IvrMenu& menu_;
  telephony::CallControl& calls_;
  const CallId id_;
  const std::string caller_;  // the number called from (personal: never logged); "" withheld
  Worker& worker_;
  telephony::PromptPlayer player_;
  std::unique_ptr<telephony::SpeechInput> speech_;  // null: keys only
  std::unique_ptr<MenuConversation> conversation_;  // null: the dialogue could not start
  MenuSession session_;                             // the caller's place in the menu tree
  bool ended_ = false;             // the call is over (or the bridge stopped): events dropped
  bool choosing_ = false;          // the last reply asked back with numbered choices
  bool ending_ = false;            // hang up when the current prompt ends
  bool rating_ = false;            // the goodbye asked for a rating: keys 1/2/3 give it
  bool transfer_pending_ = false;  // transfer when the current prompt has been said
  bool told_no_speech_ = false;    // speech_unavailable said once
  bool speaking_shown_ = false;    // the desk shows a partial text of the caller's utterance
  std::string more_;  // the last reply's full text, said on key 1 (empty: key 1 is the menu's)
  int no_input_count_ = 0;
  Mode mode_ = Mode::kMenu;
  int watch_ = 0;                       // the desk's watch of the conversation; 0: none
  int position_ = 0;                    // in the agents' queue, while queued
  bool callback_left_ = false;          // a call-back task was left (the conversation has ended)
  std::string keys_;                    // keys typed for the agent, not yet sent
  Worker::TimerId no_input_timer_ = 0;  // the call's one timer (Arm)
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
  return std::make_shared<MenuCall>(*this, *calls, call, WorkerFor(call.id));
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

void PrerenderPrompts(const IvrMenu& menu, telephony::SpeechSynthesizer& tts) {
  std::vector<std::string> fixed = {menu.greeting, menu.invalid_key, menu.no_input, menu.goodbye,
                                    menu.after_answer};
  for (const IvrLevel& level : menu.menus)
    fixed.insert(fixed.end(), level.pages.begin(), level.pages.end());
  for (const IvrInput& input : menu.inputs) fixed.push_back(input.prompt);
  for (const std::string& text : fixed) {
    for (const std::string& sentence :
         telephony::PromptPlayer::SplitSentences(telephony::PrepareForSpeech(text)))
      (void)tts.Synthesize(sentence);
  }
}

}  // namespace zx::voice
