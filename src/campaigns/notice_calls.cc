#include "campaigns/notice_calls.h"

#include <cctype>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <unordered_map>

#include "base/log.h"
#include "base/worker.h"
#include "campaigns/call_replies.h"
#include "campaigns/notice_call_store.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "telephony/gateway.h"  // MaskNumber
#include "telephony/speech_input.h"
#include "telephony/speech_text.h"
#include "telephony/trunk.h"

namespace zx::campaigns {

using telephony::CallId;
using telephony::SharedPcm;

namespace {

constexpr const char* kTable = "notice_calls";
constexpr const char* kKeyChars = "0123456789*#";

Status Field(const char* name, const std::string& why) {
  return InvalidArgument(std::string("field \"") + name + "\" " + why);
}

Status ValidateKeys(const char* name, const std::string& keys, bool may_be_empty) {
  if (keys.empty() && !may_be_empty) return Field(name, "needs at least one key");
  if (keys.size() > 12) return Field(name, "has more than 12 keys");
  for (size_t i = 0; i < keys.size(); ++i) {
    if (std::string_view(kKeyChars).find(keys[i]) == std::string_view::npos)
      return Field(name, "may hold only the keys 0-9, * and #");
    if (keys.find(keys[i], i + 1) != std::string::npos)
      return Field(name, std::string("names key ") + keys[i] + " twice");
  }
  return Status::Ok();
}

bool IsNumber(std::string_view n) {
  size_t start = !n.empty() && n[0] == '+' ? 1 : 0;
  if (n.size() - start < 3 || n.size() > 32) return false;
  for (size_t i = start; i < n.size(); ++i)
    if (std::string_view(kKeyChars).find(n[i]) == std::string_view::npos) return false;
  return true;
}

NoticeEvent Event(const char* type, int64_t at_ms) {
  NoticeEvent e;
  e.type = type;
  e.at_ms = at_ms;
  return e;
}

// The words of one call, rendered before it is dialled: the notice, and with an identity
// question the question and the two ways of ending without the notice.
struct CallAudio {
  SharedPcm notice;
  SharedPcm identity;  // null: no identity question
  SharedPcm wrong_party;
  SharedPcm later;
};

// A call that can no longer run (the process stopped, or is stopping): answered calls keep a
// confirmation or become not_confirmed; calls never answered are cancelled.
void CloseUnfinished(NoticeCall& c, int64_t now_ms, const std::string& cause) {
  if (c.outcome == NoticeOutcome::kNone)
    c.outcome = c.state == NoticeState::kAnswered ? NoticeOutcome::kNotConfirmed
                                                  : NoticeOutcome::kCancelled;
  NoticeEvent e = Event("hangup", now_ms);
  e.cause = cause;
  c.events.push_back(std::move(e));
  c.state = NoticeState::kEnded;
  c.ended_ms = now_ms;
}

}  // namespace

Status ValidateNoticeRequest(const NoticeRequest& r) {
  if (r.number.empty()) return Field("number", "is required");
  if (r.number.find(':') != std::string::npos) {
    if (r.number.size() < 4 || r.number.compare(0, 4, "sip:") != 0)
      return Field("number", "must be a phone number or a sip: URI");
    auto uri = telephony::ParseSipUri(r.number);
    if (!uri.ok()) {
      // ParseSipUri quotes the URI (personal data): keep only the reason.
      const std::string& m = uri.status().message();
      size_t why = m.find("': ");
      return Field("number", "is not a usable SIP URI: " +
                                 (why == std::string::npos ? m : m.substr(why + 3)));
    }
    if (uri->user.empty()) return Field("number", "needs a user part (sip:USER@HOST)");
  } else if (!IsNumber(r.number)) {
    return Field("number",
                 "must be a phone number (3-32 of 0-9 * #, optionally after a leading +) or a "
                 "SIP URI (sip:USER@HOST[:PORT])");
  }
  if (r.text.empty()) return Field("text", "is required");
  if (r.text.size() > kMaxNoticeTextBytes)
    return Field("text", "is longer than " + std::to_string(kMaxNoticeTextBytes) +
                             " bytes; a notice should take well under a minute to say");
  for (char c : r.text)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n')
      return Field("text", "contains control characters");
  if (r.attempt_id.empty() || r.attempt_id.size() > 64)
    return Field("attempt_id", "must be 1-64 characters");
  for (char c : r.attempt_id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-')
      return Field("attempt_id", "may hold only A-Z a-z 0-9 . _ : -");
  ZX_RETURN_IF_ERROR(ValidateKeys("confirm_keys", r.confirm_keys, false));
  ZX_RETURN_IF_ERROR(ValidateKeys("repeat_keys", r.repeat_keys, true));
  if (!r.transfer_to.empty()) {
    ZX_RETURN_IF_ERROR(ValidateKeys("agent_keys", r.agent_keys, false));
    for (char k : r.agent_keys)
      if (r.confirm_keys.find(k) != std::string::npos || r.repeat_keys.find(k) != std::string::npos)
        return Field("agent_keys", std::string("key ") + k + " has two meanings");
  }
  for (char k : r.repeat_keys)
    if (r.confirm_keys.find(k) != std::string::npos)
      return Field("repeat_keys", std::string("and confirm_keys both hold key ") + k);
  if (r.max_plays < 1 || r.max_plays > 5) return Field("max_plays", "must be 1-5");
  if (r.key_timeout_s < 1 || r.key_timeout_s > 60) return Field("key_timeout_s", "must be 1-60");
  if (r.ring_timeout_s != 0 && (r.ring_timeout_s < 5 || r.ring_timeout_s > 300))
    return Field("ring_timeout_s", "must be 5-300 seconds");
  if (r.identity.empty()) return Status::Ok();
  if (r.identity.size() > 300) return Field("identity", "is longer than 300 bytes");
  ZX_RETURN_IF_ERROR(ValidateKeys("identity_yes_keys", r.identity_yes_keys, false));
  ZX_RETURN_IF_ERROR(ValidateKeys("identity_no_keys", r.identity_no_keys, true));
  ZX_RETURN_IF_ERROR(ValidateKeys("identity_later_keys", r.identity_later_keys, true));
  const std::string all = r.identity_yes_keys + r.identity_no_keys + r.identity_later_keys;
  for (size_t i = 0; i < all.size(); ++i)
    if (all.find(all[i], i + 1) != std::string::npos ||
        r.repeat_keys.find(all[i]) != std::string::npos)
      return Field("identity_yes_keys", std::string("key ") + all[i] + " has two meanings");
  if (r.wrong_party_words.empty() || r.later_words.empty())
    return Field("wrong_party_words", "and later_words are needed with an identity question");
  return Status::Ok();
}

char VerdictKeyOf(std::string_view said) {
  // Longest meaning first: 不满意 and 基本满意 both hold 满意.
  static const std::pair<const char*, char> kWords[] = {
      {"不满意", '3'},   {"不太满意", '3'}, {"没解决", '3'}, {"没有解决", '3'}, {"很差", '3'},
      {"基本满意", '2'}, {"还行", '2'},     {"还可以", '2'}, {"一般", '2'},     {"满意", '1'}};
  for (const auto& [words, key] : kWords)
    if (said.find(words) != std::string_view::npos) return key;
  return 0;
}

const char* NoticeStateName(NoticeState state) {
  switch (state) {
    case NoticeState::kDialing:
      return "dialing";
    case NoticeState::kRinging:
      return "ringing";
    case NoticeState::kAnswered:
      return "answered";
    case NoticeState::kEnded:
      return "ended";
  }
  return "ended";
}

const char* NoticeOutcomeName(NoticeOutcome outcome) {
  switch (outcome) {
    case NoticeOutcome::kNone:
      return "";
    case NoticeOutcome::kConfirmed:
      return "confirmed";
    case NoticeOutcome::kNotConfirmed:
      return "not_confirmed";
    case NoticeOutcome::kNoAnswer:
      return "no_answer";
    case NoticeOutcome::kBusy:
      return "busy";
    case NoticeOutcome::kInvalidNumber:
      return "invalid_number";
    case NoticeOutcome::kRejected:
      return "rejected";
    case NoticeOutcome::kFailed:
      return "failed";
    case NoticeOutcome::kCancelled:
      return "cancelled";
    case NoticeOutcome::kWrongParty:
      return "wrong_party";
    case NoticeOutcome::kCallbackLater:
      return "callback_scheduled";
    case NoticeOutcome::kVoicemail:
      return "voicemail";
    case NoticeOutcome::kHungUpEarly:
      return "hung_up_early";
    case NoticeOutcome::kTransferred:
      return "transferred";
    case NoticeOutcome::kAnsweredQuestion:
      return "answered_question";
  }
  return "";
}

NoticeOutcome OutcomeOfUnanswered(telephony::CallOutcome outcome) {
  using CO = telephony::CallOutcome;
  switch (outcome) {
    case CO::kNoAnswer:
      return NoticeOutcome::kNoAnswer;
    case CO::kBusy:
      return NoticeOutcome::kBusy;
    case CO::kInvalidNumber:
      return NoticeOutcome::kInvalidNumber;
    case CO::kRejected:
      return NoticeOutcome::kRejected;
    case CO::kCancelled:
      return NoticeOutcome::kCancelled;
    case CO::kAnswered:  // not an outcome of an unanswered call
    case CO::kFailed:
      break;
  }
  return NoticeOutcome::kFailed;
}

std::string MaskDialTarget(std::string_view target) {
  if (target.size() >= 4 && target.compare(0, 4, "sip:") == 0) {
    size_t at = target.find('@');
    if (at == std::string_view::npos) return "sip:" + telephony::MaskNumber(target.substr(4));
    return "sip:" + telephony::MaskNumber(target.substr(4, at - 4)) +
           std::string(target.substr(at));
  }
  return telephony::MaskNumber(target);
}

// ---------------------------------------------------------------------------------------------

// The calls in progress, on one zx::Worker: speaks to the gateway and writes every change. The
// deadlines of a call are timers on the same worker, so they never race its events.
class NoticeCalls::Runner {
 public:
  Runner(NoticeCallStore& store, const Clock& clock, const NoticeCallOptions& options,
         telephony::CallControl& gateway, telephony::SpeechSynthesizer& tts, Listening listening,
         SharedPcm confirmed, SharedPcm unconfirmed)
      : store_(store),
        clock_(clock),
        options_(options),
        gateway_(gateway),
        tts_(tts),
        listening_(std::move(listening)),
        confirmed_(std::move(confirmed)),
        unconfirmed_(std::move(unconfirmed)),
        worker_("zx-notice", clock) {}
  ~Runner() { Stop(); }

  // False once stopping (the task is dropped).
  bool Post(std::function<void(Runner&)> task) {
    return worker_.Post([this, task = std::move(task)] { task(*this); });
  }

  // Runs what was posted (a call registered just before must be known here, to be closed),
  // joins the worker, then closes the calls still open.
  void Stop() {
    worker_.Stop();
    int64_t now = clock_.NowUnixMillis();
    for (auto& [call, live] : calls_) {
      CloseUnfinished(live.view, now, "server stopping");
      Save(live);
      log::Info("notice.ended id={} call={} outcome={} cause=\"server stopping\"", live.view.id,
                call, NoticeOutcomeName(live.view.outcome));
    }
    calls_.clear();
  }

  // ---- on the worker ----

  void Register(CallId call, NoticeCall view, CallAudio audio) {
    Live& live = calls_[call];
    live.call = call;
    live.view = std::move(view);
    live.audio = std::move(audio);
    live.identifying = live.audio.identity != nullptr;
  }

  // What the citizen said (with a recognizer): recognised off the worker, handled on it.
  void Utterance(CallId call, const telephony::Pcm& audio) {
    Live* c = Find(call);
    if (!c || !c->speech || c->closing || c->view.state != NoticeState::kAnswered) return;
    c->speech->Listen(audio, [this, call](const telephony::Heard& heard) { Heard(call, heard); });
  }

  void Heard(CallId call, const telephony::Heard& heard) {
    Live* c = Find(call);
    if (!c || !heard.understood || c->closing || c->view.outcome == NoticeOutcome::kTransferred)
      return;
    const CallReplies& replies = *listening_.replies;
    const Said said =
        c->identifying ? replies.AtIdentity(heard.text) : replies.AtNotice(heard.text);
    log::Info("notice.heard id={} call={} said={} recognize_ms={}", c->view.id, call,
              SaidName(said), heard.recognize_ms);
    if (c->view.options.verdict_words && !c->identifying) {
      // A verdict said in words is its key; a bare confirmation is no verdict.
      if (const char key = VerdictKeyOf(heard.text)) {
        Digit(call, key);
        return;
      }
      if (said == Said::kConfirm) return;
    }
    if (said == Said::kNothing) return;
    Cancel(c->key_timer);
    Cancel(c->resume_timer);
    NoticeEvent e = Event("speech", Now());
    e.said = SaidName(said);
    c->view.events.push_back(std::move(e));
    const NoticeRequest& o = c->view.options;
    auto key = [](const std::string& keys) { return keys.empty() ? '\0' : keys[0]; };
    switch (said) {
      case Said::kYes:
        IdentityDigit(*c, key(o.identity_yes_keys));
        return;
      case Said::kNo:
        Close(*c, NoticeOutcome::kWrongParty);
        return;
      case Said::kLater:
        Close(*c, NoticeOutcome::kCallbackLater, replies.LaterAt(heard.text, Now()));
        return;
      case Said::kConfirm:
        Close(*c, NoticeOutcome::kConfirmed);
        return;
      case Said::kRepeat:
        if (c->view.plays < o.max_plays + 1) PlayNotice(*c);
        return;
      case Said::kAgent:
        if (!o.transfer_to.empty()) TransferToAgent(*c);
        return;
      case Said::kQuestion:
        Answer(*c, heard.text);
        return;
      case Said::kNothing:
        return;
    }
  }

  void Progress(CallId call, int code, bool early_media) {
    Live* c = Find(call);
    if (!c || c->view.state == NoticeState::kEnded) return;
    const char* type = early_media ? "early_media" : code == 180 ? "ringing" : "progress";
    NoticeEvent e = Event(type, Now());
    e.sip_code = code;
    c->view.events.push_back(std::move(e));
    if (c->view.state == NoticeState::kDialing) c->view.state = NoticeState::kRinging;
    Save(*c);
  }

  void Started(CallId call) {
    Live* c = Find(call);
    if (!c) return;
    c->view.state = NoticeState::kAnswered;
    c->view.sip_code = 200;
    c->view.events.push_back(Event("answered", Now()));
    log::Info("notice.answered id={} call={}", c->view.id, call);
    if (listening_.asr && listening_.replies)
      c->speech = std::make_unique<telephony::SpeechInput>(
          *listening_.asr, "notice-" + c->view.id,
          [this](std::function<void()> task) { worker_.Post(std::move(task)); });
    if (c->identifying)
      PlayIdentity(*c);  // saves
    else
      PlayNotice(*c);  // saves
  }

  void Digit(CallId call, char digit) {
    Live* c = Find(call);
    if (!c || c->view.state != NoticeState::kAnswered) return;  // early media: not the citizen
    if (c->closing || c->view.outcome == NoticeOutcome::kTransferred) return;
    Cancel(c->key_timer);
    Cancel(c->resume_timer);
    c->view.digits += digit;
    NoticeEvent e = Event("key", Now());
    e.key = std::string(1, digit);
    c->view.events.push_back(std::move(e));
    const NoticeRequest& o = c->view.options;
    if (c->identifying) {
      IdentityDigit(*c, digit);
      return;
    }
    if (!o.transfer_to.empty() && o.agent_keys.find(digit) != std::string::npos) {
      log::Info("notice.key id={} call={} action=agent", c->view.id, call);
      TransferToAgent(*c);
    } else if (o.confirm_keys.find(digit) != std::string::npos) {
      log::Info("notice.key id={} call={} action=confirm", c->view.id, call);
      Close(*c, NoticeOutcome::kConfirmed);
    } else if (o.repeat_keys.find(digit) != std::string::npos) {
      log::Info("notice.key id={} call={} action=repeat", c->view.id, call);
      if (c->view.plays < o.max_plays)
        PlayNotice(*c);
      else
        Close(*c, NoticeOutcome::kNotConfirmed);
    } else {
      // Any other key: it stopped the notice (barge-in); carry on as if the notice had ended.
      log::Info("notice.key id={} call={} action=none", c->view.id, call);
      Save(*c);
      if (!c->playing) WaitForKey(*c);
    }
  }

  void PlaybackDone(CallId call, uint64_t prompt, bool interrupted) {
    Live* c = Find(call);
    if (!c || prompt != c->prompt) return;
    c->playing = false;
    if (c->closing) {
      gateway_.Hangup(call);
      return;
    }
    if (!interrupted) {
      if (!c->identifying && c->view.plays >= 1) c->heard_once = true;
      WaitForKey(*c);
    } else {
      // Stopped by a key (whose OnDigit follows at once) or by speech: wait a moment and, if no
      // key came, say the notice again from the start.
      c->resume_timer = worker_.After(std::chrono::milliseconds(options_.speech_resume_ms),
                                      [this, call] { Resume(call); });
    }
  }

  void Ended(CallId call, const std::string& reason) {
    auto it = calls_.find(call);
    if (it == calls_.end()) return;
    CancelTimers(it->second);
    NoticeCall& v = it->second.view;
    if (v.outcome == NoticeOutcome::kNone)
      v.outcome = it->second.audio.identity && !it->second.heard_once ? NoticeOutcome::kHungUpEarly
                  : it->second.questions > 0 ? NoticeOutcome::kAnsweredQuestion
                                             : NoticeOutcome::kNotConfirmed;
    NoticeEvent e = Event("hangup", Now());
    e.cause = reason;
    v.events.push_back(std::move(e));
    v.state = NoticeState::kEnded;
    v.ended_ms = Now();
    Save(it->second);
    log::Info("notice.ended id={} call={} outcome={} digits={} plays={} cause=\"{}\"", v.id, call,
              NoticeOutcomeName(v.outcome), v.digits.size(), v.plays, reason);
    calls_.erase(it);
  }

  void Failed(CallId call, telephony::CallOutcome outcome, int code) {
    auto it = calls_.find(call);
    if (it == calls_.end()) return;
    CancelTimers(it->second);
    NoticeCall& v = it->second.view;
    v.outcome = OutcomeOfUnanswered(outcome);
    v.sip_code = code;
    NoticeEvent e = Event("failed", Now());
    e.outcome = NoticeOutcomeName(v.outcome);
    e.sip_code = code;
    v.events.push_back(std::move(e));
    v.state = NoticeState::kEnded;
    v.ended_ms = Now();
    Save(it->second);
    log::Info("notice.ended id={} call={} outcome={} code={}", v.id, call,
              NoticeOutcomeName(v.outcome), code);
    calls_.erase(it);
  }

 private:
  struct Live {
    CallId call = 0;
    NoticeCall view;
    CallAudio audio;
    bool identifying = false;  // the identity question is not answered yet
    int identity_plays = 0;
    bool heard_once = false;                         // the notice played to its end at least once
    int questions = 0;                               // questions answered (speech)
    std::unique_ptr<telephony::SpeechInput> speech;  // null: keys only
    uint64_t prompt = 0;                             // the prompt whose end matters
    bool playing = false;
    bool closing = false;  // hang up when the closing words end
    int speech_restarts = 0;
    // Timers on the worker (0: none): replay or close when no key came, the notice again
    // after a barge-in, hang up when the end of the closing words was never reported.
    Worker::TimerId key_timer = 0;
    Worker::TimerId resume_timer = 0;
    Worker::TimerId hangup_timer = 0;
  };

  Live* Find(CallId call) {
    auto it = calls_.find(call);
    return it == calls_.end() ? nullptr : &it->second;
  }
  int64_t Now() const { return clock_.NowUnixMillis(); }

  void Cancel(Worker::TimerId& timer) {
    if (timer) worker_.Cancel(timer);
    timer = 0;
  }
  void CancelTimers(Live& c) {
    Cancel(c.key_timer);
    Cancel(c.resume_timer);
    Cancel(c.hangup_timer);
  }

  void Save(Live& c) {
    if (Status s = store_.Update(c.view); !s.ok())
      log::Error("notice.save_failed id={} error=\"{}\"", c.view.id, s.message());
  }

  void WaitForKey(Live& c) {
    Cancel(c.key_timer);
    CallId call = c.call;
    c.key_timer = worker_.After(std::chrono::seconds(c.view.options.key_timeout_s),
                                [this, call] { NoKey(call); });
  }

  void Play(Live& c, SharedPcm audio) {
    c.prompt = ++next_prompt_;
    c.playing = true;
    Cancel(c.key_timer);
    Cancel(c.resume_timer);
    gateway_.StopPlayback(c.call);
    gateway_.Play(c.call, std::move(audio), c.prompt);
  }

  void PlayNotice(Live& c, bool counted = true) {
    if (counted) ++c.view.plays;
    NoticeEvent e = Event("notice", Now());
    e.play = c.view.plays;
    e.restart = !counted;
    c.view.events.push_back(std::move(e));
    Save(c);
    Play(c, c.audio.notice);
  }

  // The citizen asked for a person: the call goes to the agents (REFER); it ends when the
  // transfer is done. A refused transfer plays the notice again.
  void TransferToAgent(Live& c) {
    Cancel(c.key_timer);
    Cancel(c.resume_timer);
    gateway_.StopPlayback(c.call);
    Status s = gateway_.Transfer(c.call, c.view.options.transfer_to,
                                 {{"X-Campaign-Attempt", c.view.attempt_id}});
    NoticeEvent e = Event("transfer", Now());
    e.outcome = s.ok() ? "transferred" : "failed";
    c.view.events.push_back(std::move(e));
    if (!s.ok()) {
      log::Warn("notice.transfer_failed id={} error=\"{}\"", c.view.id, s.message());
      PlayNotice(c);
      return;
    }
    c.view.outcome = NoticeOutcome::kTransferred;
    c.prompt = 0;  // the stopped notice's end is no cue any more
    Save(c);
    // The far end ends the call once the agent has it; should that never come, hang up.
    CallId call = c.call;
    c.hangup_timer = worker_.After(std::chrono::seconds(60), [this, call] {
      if (Live* c = Find(call)) {
        c->hangup_timer = 0;
        gateway_.Hangup(call);
      }
    });
  }

  void PlayIdentity(Live& c) {
    ++c.identity_plays;
    NoticeEvent e = Event("identity", Now());
    e.play = c.identity_plays;
    c.view.events.push_back(std::move(e));
    Save(c);
    Play(c, c.audio.identity);
  }

  // A key while the identity question is open: yes plays the notice; no, later and silence
  // end the call without a word of the matter.
  void IdentityDigit(Live& c, char digit) {
    const NoticeRequest& o = c.view.options;
    if (o.identity_yes_keys.find(digit) != std::string::npos) {
      log::Info("notice.key id={} call={} action=identified", c.view.id, c.call);
      c.identifying = false;
      c.view.events.push_back(Event("identified", Now()));
      PlayNotice(c);
    } else if (o.identity_no_keys.find(digit) != std::string::npos) {
      log::Info("notice.key id={} call={} action=wrong_party", c.view.id, c.call);
      Close(c, NoticeOutcome::kWrongParty);
    } else if (o.identity_later_keys.find(digit) != std::string::npos) {
      log::Info("notice.key id={} call={} action=later", c.view.id, c.call);
      Close(c, NoticeOutcome::kCallbackLater);
    } else if (o.repeat_keys.find(digit) != std::string::npos && c.identity_plays < 2) {
      PlayIdentity(c);
    } else {
      Save(c);
      if (!c.playing) WaitForKey(c);
    }
  }

  // A question after the notice: its answer, then the notice's keys offered again.
  void Answer(Live& c, const std::string& question) {
    ++c.questions;
    std::string words = listening_.answer ? listening_.answer(question) : "";
    if (words.empty()) words = options_.no_answer;
    auto audio = tts_.Synthesize(telephony::PrepareForSpeech(words + options_.after_answer));
    NoticeEvent e = Event("answer", Now());
    e.outcome = audio.ok() ? "spoken" : "synthesis_failed";
    c.view.events.push_back(std::move(e));
    Save(c);
    if (!audio.ok()) {
      WaitForKey(c);
      return;
    }
    Play(c, std::move(*audio));
  }

  // The outcome is known: say the closing words, then hang up. `when_ms`: the moment a
  // callback_scheduled asked for (0 none).
  void Close(Live& c, NoticeOutcome outcome, int64_t when_ms = 0) {
    if (outcome == NoticeOutcome::kNotConfirmed && c.questions > 0)
      outcome = NoticeOutcome::kAnsweredQuestion;
    c.view.outcome = outcome;
    c.closing = true;
    NoticeEvent e = Event("closing", Now());
    e.outcome = NoticeOutcomeName(outcome);
    if (when_ms > 0) e.when_ms = when_ms;
    c.view.events.push_back(std::move(e));
    Save(c);
    SharedPcm words = outcome == NoticeOutcome::kConfirmed       ? confirmed_
                      : outcome == NoticeOutcome::kWrongParty    ? c.audio.wrong_party
                      : outcome == NoticeOutcome::kVoicemail     ? c.audio.wrong_party
                      : outcome == NoticeOutcome::kCallbackLater ? c.audio.later
                                                                 : unconfirmed_;
    // Should the end of the closing words never be reported, hang up anyway.
    auto ms = std::chrono::milliseconds(words ? words->size() / 8 : 0);
    CallId call = c.call;
    Cancel(c.hangup_timer);
    c.hangup_timer = worker_.After(ms + std::chrono::seconds(5), [this, call] {
      if (Live* c = Find(call)) {
        c->hangup_timer = 0;
        gateway_.Hangup(call);
      }
    });
    if (words)
      Play(c, std::move(words));
    else
      gateway_.Hangup(c.call);
  }

  // The pause after a barge-in is over and no key came: the notice again from the start (at
  // most kMaxSpeechRestarts times uncounted), or a counted play, or the end.
  void Resume(CallId call) {
    Live* c = Find(call);
    if (!c) return;
    c->resume_timer = 0;
    if (c->closing) return;
    if (c->identifying) {
      if (c->identity_plays < 2)
        PlayIdentity(*c);
      else
        WaitForKey(*c);
      return;
    }
    bool restart = c->speech_restarts < kMaxSpeechRestarts;
    if (restart) ++c->speech_restarts;
    if (restart || c->view.plays < c->view.options.max_plays)
      PlayNotice(*c, !restart);
    else
      Close(*c, NoticeOutcome::kNotConfirmed);
  }

  // No key within key_timeout_s of the end of the notice: play it again, or close.
  void NoKey(CallId call) {
    Live* c = Find(call);
    if (!c) return;
    c->key_timer = 0;
    if (c->closing) return;
    NoticeEvent e = Event("no_key", Now());
    e.play = c->identifying ? c->identity_plays : c->view.plays;
    c->view.events.push_back(std::move(e));
    if (c->identifying) {
      if (c->identity_plays < 2)
        PlayIdentity(*c);
      else
        Close(*c, NoticeOutcome::kVoicemail);
    } else if (c->view.plays < c->view.options.max_plays)
      PlayNotice(*c);
    else
      Close(*c, NoticeOutcome::kNotConfirmed);
  }

  NoticeCallStore& store_;
  const Clock& clock_;
  const NoticeCallOptions& options_;
  telephony::CallControl& gateway_;
  telephony::SpeechSynthesizer& tts_;
  Listening listening_;
  SharedPcm confirmed_;
  SharedPcm unconfirmed_;
  std::unordered_map<CallId, Live> calls_;  // the worker (then Stop) only
  uint64_t next_prompt_ = 0;
  Worker worker_;  // last: its thread stops before the members it uses go
};

// ---------------------------------------------------------------------------------------------

NoticeCalls::NoticeCalls(std::unique_ptr<NoticeCallStore> store,
                         std::shared_ptr<const security::FieldCipher> cipher, const Clock& clock,
                         NoticeCallOptions options)
    : store_(std::move(store)),
      cipher_(std::move(cipher)),
      clock_(clock),
      options_(std::move(options)) {}

Result<std::unique_ptr<NoticeCalls>> NoticeCalls::Open(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher, const Clock& clock,
    NoticeCallOptions options) {
  auto store = std::make_unique<NoticeCallStore>(db);
  ZX_RETURN_IF_ERROR(store->Migrate());
  // Calls a previous process left open cannot go on: close them, so that their attempt ids
  // report an outcome (and are never dialled again).
  std::vector<NoticeCall> unfinished;
  if (options.close_unfinished) {
    ZX_ASSIGN_OR_RETURN(unfinished, store->ListUnfinished());
  }
  for (NoticeCall& c : unfinished) {
    // Another node's call goes on while that node runs.
    if (c.node != options.node && options.node_gone && !options.node_gone(c.node)) continue;
    CloseUnfinished(c, clock.NowUnixMillis(), "interrupted");
    ZX_RETURN_IF_ERROR(store->Update(c));
    log::Warn("notice.interrupted id={} outcome={} (the server stopped during the call)", c.id,
              NoticeOutcomeName(c.outcome));
  }
  return std::unique_ptr<NoticeCalls>(
      new NoticeCalls(std::move(store), std::move(cipher), clock, std::move(options)));
}

NoticeCalls::~NoticeCalls() { Detach(); }

Status NoticeCalls::Attach(telephony::CallControl* gateway, telephony::SpeechSynthesizer* tts,
                           Listening listening) {
  if (!gateway || !tts) return InvalidArgument("notice calls need a gateway and a synthesizer");
  auto render = [&](const std::string& text) -> Result<SharedPcm> {
    return tts->Synthesize(telephony::PrepareForSpeech(text));
  };
  ZX_ASSIGN_OR_RETURN(SharedPcm confirmed, render(options_.confirmed_closing));
  ZX_ASSIGN_OR_RETURN(SharedPcm unconfirmed, render(options_.unconfirmed_closing));
  std::lock_guard start(start_mu_);
  std::lock_guard lock(mu_);
  if (runner_) return FailedPrecondition("notice calls are already attached to a gateway");
  gateway_ = gateway;
  tts_ = tts;
  runner_ =
      std::make_unique<Runner>(*store_, clock_, options_, *gateway, *tts, std::move(listening),
                               std::move(confirmed), std::move(unconfirmed));
  return Status::Ok();
}

void NoticeCalls::Detach() {
  std::unique_ptr<Runner> runner;
  {
    std::lock_guard start(start_mu_);  // no Start in flight
    std::lock_guard lock(mu_);         // no event being posted
    runner = std::move(runner_);
    gateway_ = nullptr;
    tts_ = nullptr;
  }
  if (runner) runner->Stop();
}

void NoticeCalls::Sync() {
  // Posted under mu_ (the runner cannot go meanwhile), waited for outside it. Timers due by
  // the clock run before the tasks posted after they fell due, so they have run too.
  std::promise<void> done;
  auto handled = done.get_future();
  {
    std::lock_guard lock(mu_);
    if (!runner_ || !runner_->Post([&done](Runner&) { done.set_value(); })) return;
  }
  handled.wait();
}

void NoticeCalls::Post(std::function<void(Runner&)> event) {
  std::lock_guard lock(mu_);
  if (runner_) runner_->Post(std::move(event));
}

Result<NoticeCall> NoticeCalls::Get(const std::string& id) {
  ZX_ASSIGN_OR_RETURN(std::optional<NoticeCall> call, store_->FindById(id));
  if (!call) return NotFound("no such notice call");
  return std::move(*call);
}

bool NoticeCalls::NodeGone(const std::string& node) const {
  if (node == options_.node) return false;  // this node runs (its calls are in calls_)
  return !options_.node_gone || options_.node_gone(node);
}

Result<NoticeCall> NoticeCalls::CloseIfOrphaned(const std::string& id) {
  ZX_ASSIGN_OR_RETURN(NoticeCall call, Get(id));
  if (call.state == NoticeState::kEnded || !NodeGone(call.node)) return call;
  CloseUnfinished(call, clock_.NowUnixMillis(), "node gone");
  ZX_RETURN_IF_ERROR(store_->Update(call));
  log::Warn("notice.interrupted id={} node={} outcome={} (its node stopped during the call)",
            call.id, call.node, NoticeOutcomeName(call.outcome));
  return call;
}

Result<NoticeStart> NoticeCalls::Start(const NoticeRequest& request) {
  ZX_RETURN_IF_ERROR(ValidateNoticeRequest(request));
  std::lock_guard start(start_mu_);
  ZX_ASSIGN_OR_RETURN(std::optional<NoticeCall> existing,
                      store_->FindByAttempt(request.attempt_id));
  if (existing) return NoticeStart{std::move(*existing), false};

  telephony::CallControl* gateway = nullptr;
  telephony::SpeechSynthesizer* tts = nullptr;
  {
    std::lock_guard lock(mu_);
    gateway = gateway_;
    tts = tts_;
  }
  // Both stay valid while start_mu_ is held: Detach takes it first.
  if (!gateway || !tts)
    return Unavailable(
        "voice is off (server.sip = \"off\", or the SIP gateway did not start): no calls can be "
        "placed");
  std::string speech = telephony::PrepareForSpeech(request.text);
  if (speech.empty()) return Field("text", "has nothing to say");
  // Rendered before dialling: the citizen hears the notice as soon as they answer.
  CallAudio words;
  for (auto [text, pcm] :
       {std::pair{&request.text, &words.notice}, std::pair{&request.identity, &words.identity},
        std::pair{&request.wrong_party_words, &words.wrong_party},
        std::pair{&request.later_words, &words.later}}) {
    if (request.identity.empty() && pcm != &words.notice) break;
    auto audio = tts->Synthesize(telephony::PrepareForSpeech(*text));
    if (!audio.ok()) return Unavailable("speech synthesis failed: " + audio.status().message());
    *pcm = std::move(*audio);
  }

  NoticeCall call;
  call.id = security::HexEncode(security::RandomBytes(8));
  call.attempt_id = request.attempt_id;
  call.number_masked = MaskDialTarget(request.number);
  call.state = NoticeState::kDialing;
  call.created_ms = clock_.NowUnixMillis();
  call.node = options_.node;
  call.options = request;
  call.options.number.clear();
  call.options.text.clear();
  call.options.identity.clear();  // the masked name: personal enough to keep out
  if (call.options.ring_timeout_s == 0)
    call.options.ring_timeout_s = options_.default_ring_timeout_s;
  call.events.push_back(Event("dialing", call.created_ms));
  call.notice_ms = static_cast<int64_t>(words.notice->size() * 1000 / telephony::kSampleRate);

  std::optional<std::string> number_enc, text_enc;
  if (cipher_) {
    number_enc =
        cipher_->Encrypt(request.number, security::FieldAad(kTable, "number_enc", call.id));
    text_enc = cipher_->Encrypt(request.text, security::FieldAad(kTable, "text_enc", call.id));
  }
  ZX_RETURN_IF_ERROR(store_->Insert(call, number_enc, text_enc));

  telephony::OriginateOptions originate;
  originate.ring_timeout_ms = call.options.ring_timeout_s * 1000;
  originate.headers.emplace_back("X-Campaign-Attempt", call.attempt_id);
  Result<CallId> placed = Unavailable("");
  {
    // Registered under the lock the event handlers take: no event can come first.
    std::lock_guard lock(mu_);
    placed = gateway->Originate(request.number, originate, telephony::Unowned(*this));
    if (placed.ok() && runner_) {
      runner_->Post([id = *placed, call, words = std::move(words)](Runner& r) mutable {
        r.Register(id, std::move(call), std::move(words));
      });
    }
  }
  if (!placed.ok()) {
    // Nothing was dialled: forget the row, so that the attempt can be made again.
    (void)store_->Delete(call.id);
    const Status& s = placed.status();
    log::Warn("notice.not_placed attempt={} number={} error=\"{}\"", call.attempt_id,
              call.number_masked, s.message());
    if (s.code() == Code::kInvalidArgument)
      return Field("number", "cannot be dialled: " + s.message());
    return s;
  }
  log::Info("notice.dialing id={} call={} attempt={} number={} plays<={} ring_timeout_s={}",
            call.id, *placed, call.attempt_id, call.number_masked, call.options.max_plays,
            call.options.ring_timeout_s);
  return NoticeStart{std::move(call), true};
}

// ---- events from the gateway thread: posted to the runner -----------------------------------

void NoticeCalls::OnCallStarted(const telephony::CallInfo& info) {
  Post([id = info.id](Runner& r) { r.Started(id); });
}
void NoticeCalls::OnDigit(CallId call, char digit, telephony::DigitSource) {
  Post([call, digit](Runner& r) { r.Digit(call, digit); });
}
void NoticeCalls::OnPlaybackDone(CallId call, uint64_t prompt_id, bool interrupted) {
  Post([call, prompt_id, interrupted](Runner& r) { r.PlaybackDone(call, prompt_id, interrupted); });
}
void NoticeCalls::OnCallEnded(CallId call, const std::string& reason) {
  Post([call, reason](Runner& r) { r.Ended(call, reason); });
}
void NoticeCalls::OnCallProgress(CallId call, int sip_code, bool early_media) {
  Post([call, sip_code, early_media](Runner& r) { r.Progress(call, sip_code, early_media); });
}
void NoticeCalls::OnUtterance(CallId call, telephony::Pcm audio, telephony::EndReason) {
  Post([call, audio = std::move(audio)](Runner& r) { r.Utterance(call, audio); });
}
void NoticeCalls::OnCallFailed(CallId call, telephony::CallOutcome outcome, int sip_code) {
  Post([call, outcome, sip_code](Runner& r) { r.Failed(call, outcome, sip_code); });
}

}  // namespace zx::campaigns
