// Outbound notice calls (智能外呼, one call): a citizen is called, hears a personal notice
// ("您的社保卡已制作完成，请携带身份证到…领取。确认收到请按1，重听请按9"), confirms it with a key,
// and the result is kept with a clear outcome. Campaigns (scheduling, pacing, retries, SMS)
// build on this; a NoticeCall is one attempt.
//
// The call: dial (Gateway::Originate, with the attempt id in X-Campaign-Attempt); on answer
// speak the notice (SpeechSynthesizer over telephony::PrepareForSpeech, rendered before
// dialling so the citizen never waits for it); then wait key_timeout_s for a key. A confirm
// key ends it: "好的，已为您确认，再见。" and hang up, outcome confirmed. A repeat key, or no key
// in time, plays the notice again, up to max_plays plays in all; then "未收到您的确认，再见。"
// and hang up, outcome not_confirmed. The citizen hanging up before confirming
// is not_confirmed too. Speech stops the notice (the gateway's barge-in): a "喂？" should not
// cost the citizen the notice, so after a short pause it starts again from the beginning (not
// counted as a play, at most kMaxSpeechRestarts times). An unanswered call ends with the
// gateway's outcome (no_answer, busy, invalid_number, rejected, failed, cancelled) and SIP code.
//
// Attempts: `attempt_id` is the caller's; the same attempt id never dials twice, also after a
// restart: the row (attempt_id UNIQUE) is written before dialling, and Start with a known
// attempt id returns that call. Nothing is dialled when Start fails (the attempt is not used
// up). Calls a stopped process left open are closed when the store next opens (hang-up cause
// "interrupted").
//
// Personal data: the number and the notice text are stored only encrypted (FieldCipher, row
// key the call id: FieldAad("notice_calls", "number_enc" | "text_enc", id)); without a key file
// only the masked number is stored (and the text not at all). Logs carry masked numbers only.
// The events (ringing, answer, keys, hang-up) and the outcome are not personal and are kept.
//
// Threads: Start and Get are thread-safe (HTTP threads). The CallHandler methods run on the
// gateway's thread and only post work to the runner's one zx::Worker (base/worker.h), which
// speaks to the gateway and writes the database; the deadlines of a call (a key, the end of a
// barge-in pause, the closing words) are timers on that worker, on the injectable Clock. Calls
// are registered under the same lock that the handler methods take, right after Originate
// returns, so no event of a call can overtake its registration.
//
// The SQL is in NoticeCallStore (campaigns/notice_call_store.h); the JSON of a call is the HTTP
// edge's (http/notice_call_routes.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "telephony/call_control.h"
#include "telephony/recognizer.h"
#include "telephony/synthesizer.h"

namespace zx::campaigns {

class NoticeCallStore;
class CallReplies;

// Speech on notice calls (optional): with a recognizer and the replies, what the citizen says
// counts as the keys do (campaigns/call_replies.h: yes/no/later to the identity question;
// confirm, repeat, a person, later after the notice), and anything else said after the notice
// is a question answered with `answer`'s words (the knowledge base's spoken answer; empty: the
// options' no_answer words), then the notice's keys are offered again. All must outlive Detach.
struct Listening {
  telephony::SpeechRecognizer* asr = nullptr;
  const CallReplies* replies = nullptr;
  std::function<std::string(const std::string& question)> answer;
};

struct NoticeRequest {
  // "13812345678" or "+8613812345678" through the trunk, or a SIP URI ("sip:user@host:port").
  std::string number;
  std::string text;        // the notice, with its own key instructions ("确认收到请按1…")
  std::string attempt_id;  // the caller's: 1-64 of A-Z a-z 0-9 . _ : -
  std::string confirm_keys = "1";  // keys that confirm (0-9 * #, at least one)
  std::string repeat_keys = "9";   // keys that play it again (may be empty)
  int max_plays = 2;               // plays at most, the first included (1-5)
  int key_timeout_s = 8;           // wait for a key after each play (1-60)
  int ring_timeout_s = 0;          // unanswered by then: no_answer (5-300; 0: the default)
  // The identity question, asked before the notice ("请问您是张*先生吗？是本人请按1，不是请按2，
  // 现在不方便请按3。"); empty: none, the notice plays at once. With it, a yes key plays the
  // notice; a no key says `wrong_party_words` and ends (wrong_party: nothing of the matter is
  // said); a later key says `later_words` and ends (callback_scheduled); a repeat key or no key
  // asks again, twice in all, then ends (voicemail: nobody said who they are). Hanging up before
  // the identity is confirmed, or during the first play of the notice, is hung_up_early.
  std::string identity;
  std::string identity_yes_keys = "1";
  std::string identity_no_keys = "2";
  std::string identity_later_keys = "3";
  std::string wrong_party_words = "打扰了，再见。";
  std::string later_words = "好的，我们稍后再联系您，再见。";
  // A person on request: after the identity is confirmed (or without an identity question),
  // an agent key transfers the call (REFER) to `transfer_to` with X-Campaign-Attempt
  // (transferred). Empty: no agent line, the keys do nothing.
  std::string transfer_to;
  std::string agent_keys = "0";
  // A verdict (回访): with speech, the words 满意 / 基本满意 / 不满意 count as the keys 1 / 2 / 3
  // (VerdictKeyOf); a plain "yes" (知道了) confirms nothing. For confirm_keys "123".
  bool verdict_words = false;
};

// The key a spoken verdict stands for: '3' for 不满意 (不太满意, 没解决, ...), '2' for 基本满意
// (还行, 一般, ...), '1' for 满意 (很满意, 非常满意); 0 when the words hold none.
char VerdictKeyOf(std::string_view said);

// Field limits, also for the HTTP layer's messages.
inline constexpr size_t kMaxNoticeTextBytes = 1500;
inline constexpr int kMaxSpeechRestarts = 2;

// Checks every field; the error names the field and says why (never repeating the number).
Status ValidateNoticeRequest(const NoticeRequest& request);

enum class NoticeState { kDialing, kRinging, kAnswered, kEnded };
const char* NoticeStateName(NoticeState state);  // "dialing", "ringing", "answered", "ended"

enum class NoticeOutcome {
  kNone,  // not decided yet
  kConfirmed,
  kNotConfirmed,
  kNoAnswer,
  kBusy,
  kInvalidNumber,
  kRejected,
  kFailed,
  kCancelled,
  // Of calls with an identity question (NoticeRequest::identity):
  kWrongParty,     // someone else answered
  kCallbackLater,  // the right person asked to be called later
  kVoicemail,      // answered, but nobody answered the identity question
  kHungUpEarly,    // hung up before the identity was confirmed or the notice heard once
  kTransferred,    // handed to an agent (NoticeRequest::transfer_to)
  // Heard, not confirmed, but a question about it was answered (with speech recognition).
  kAnsweredQuestion,
  kLastOutcome = kAnsweredQuestion,
};
// "", "confirmed", "not_confirmed", "no_answer", "busy", "invalid_number", "rejected",
// "failed", "cancelled", "wrong_party", "callback_scheduled", "voicemail", "hung_up_early",
// "transferred", "answered_question".
const char* NoticeOutcomeName(NoticeOutcome outcome);
// The outcome of a call that was not answered.
NoticeOutcome OutcomeOfUnanswered(telephony::CallOutcome outcome);

// "138****5678"; for a SIP URI the user part masked ("sip:138****5678@host").
std::string MaskDialTarget(std::string_view number_or_uri);

// One entry of a call's history. Which fields are set depends on `type`: sip_code (ringing,
// early_media, progress, failed), play (notice, identity, no_key), restart (a notice started
// again after speech stopped it), key (key), cause (hangup), outcome (failed, closing). An
// "identified" event marks the yes to the identity question.
struct NoticeEvent {
  // "dialing" | "ringing" | "early_media" | "progress" | "answered" | "identity" |
  // "identified" | "notice" | "key" | "no_key" | "closing" | "hangup" | "failed"
  std::string type;
  int64_t at_ms = 0;  // unix ms
  std::optional<int> sip_code;
  std::optional<int> play;
  bool restart = false;
  std::optional<std::string> key;
  std::optional<std::string> cause;
  std::optional<std::string> outcome;
  std::optional<std::string> said;  // speech: what it was taken for (CallReplies), never the words
  std::optional<int64_t> when_ms;   // closing callback_scheduled: when the citizen asked for
};

struct NoticeCall {
  std::string id;  // 16 hex digits
  std::string attempt_id;
  std::string number_masked;
  NoticeState state = NoticeState::kDialing;
  // Set as soon as it is known (confirmed at the key, before the closing words); final once
  // the state is kEnded.
  NoticeOutcome outcome = NoticeOutcome::kNone;
  int sip_code = 0;       // the final response: 200 answered, 486 busy, ...; 0 none (ring timeout)
  std::string digits;     // keys pressed after the answer, in order
  int plays = 0;          // times the notice started playing
  int64_t notice_ms = 0;  // how long one play of the notice lasts
  std::vector<NoticeEvent> events;  // in order
  int64_t created_ms = 0;
  int64_t ended_ms = 0;   // 0 until ended
  NoticeRequest options;  // keys, plays and timeouts as requested (number and text left empty)
  std::string node;       // the node that runs it (NoticeCallOptions::node)
};

struct NoticeStart {
  NoticeCall call;
  bool created = false;  // false: the attempt id was known, this is the existing call
};

struct NoticeCallOptions {
  int default_ring_timeout_s = 30;  // trunk.ring_timeout_s
  std::string confirmed_closing = "好的，已为您确认，再见。";
  // Promises nothing that is not done: there is no SMS gateway, so no SMS is announced (a
  // campaign that sends one sets its own words).
  std::string unconfirmed_closing = "未收到您的确认，再见。";
  int speech_resume_ms = 700;  // the pause before a notice stopped by speech starts again
  // The serving process closes the calls a stopped process left open (interrupted). A command
  // that only reads or steers (the CLI, next to a running server) must not: those calls may be
  // the server's, live.
  bool close_unfinished = true;
  // Several nodes on one database (docs/deployment.md): the name of this one (storage::NodeName),
  // kept with each call it places, and whether a node is gone (died or stopped: its liveness
  // lease ran out). A starting node closes only its own unfinished calls and a gone node's,
  // never a live node's; CloseIfOrphaned closes a gone node's later. Unset: one node, every
  // unfinished call is this process's predecessor's.
  std::string node;
  std::function<bool(const std::string& node)> node_gone;
  // Speech: what follows the answer to a question, and the words when there is no answer.
  std::string after_answer = "确认收到通知请按1，或者说知道了。";
  std::string no_answer = "这个问题请您拨打12345热线咨询。";
};

class NoticeCalls final : public telephony::CallHandler {
 public:
  // Creates the notice_calls table and closes calls a previous process left open. `db`, `clock`
  // outlive the runner; `cipher` may be null (no key file: only masked numbers are stored).
  static Result<std::unique_ptr<NoticeCalls>> Open(
      storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
      const Clock& clock, NoticeCallOptions options = {});
  ~NoticeCalls() override;  // Detach()

  // The voice side is up: calls can be placed through `gateway` (each call's events come back
  // to this runner, which must outlive the gateway) and spoken with `tts`. Both must stay
  // valid until Detach. Renders the closing words.
  Status Attach(telephony::CallControl* gateway, telephony::SpeechSynthesizer* tts,
                Listening listening = {});
  // Before the gateway goes: stops the worker and closes the calls still open (answered:
  // not_confirmed unless confirmed; not answered: cancelled; hang-up cause "server stopping").
  // Later events are ignored. Idempotent.
  void Detach();

  // Places the call, or returns the existing one for a known attempt id (created = false).
  // Errors, with nothing dialled: kInvalidArgument (a field, named), kUnavailable (voice is off,
  // or the synthesizer failed), kResourceExhausted (every call slot busy), kFailedPrecondition
  // (a number without a trunk), database errors.
  Result<NoticeStart> Start(const NoticeRequest& request);
  // kNotFound for an unknown id.
  Result<NoticeCall> Get(const std::string& id);
  // The call, closed first (interrupted, hang-up cause "node gone") when it is unfinished and
  // the node that ran it is gone: what a dead node left open gets its outcome from another.
  Result<NoticeCall> CloseIfOrphaned(const std::string& id);
  // Whether `node` is gone (NoticeCallOptions::node_gone); never this node itself.
  bool NodeGone(const std::string& node) const;
  const std::string& node() const { return options_.node; }
  // Returns once every event queued so far, and every deadline due by the clock, has been
  // handled (at once when detached). For tests that move a fake clock: call it after moving
  // the clock so that the deadlines now due run.
  void Sync();

  // telephony::CallHandler: the events of the calls it placed (Originate).
  void OnCallStarted(const telephony::CallInfo& call) override;
  void OnDigit(telephony::CallId call, char digit, telephony::DigitSource source) override;
  void OnPlaybackDone(telephony::CallId call, uint64_t prompt_id, bool interrupted) override;
  void OnCallEnded(telephony::CallId call, const std::string& reason) override;
  void OnCallProgress(telephony::CallId call, int sip_code, bool early_media) override;
  void OnCallFailed(telephony::CallId call, telephony::CallOutcome outcome, int sip_code) override;
  void OnUtterance(telephony::CallId call, telephony::Pcm audio,
                   telephony::EndReason reason) override;

 private:
  class Runner;
  NoticeCalls(std::unique_ptr<NoticeCallStore> store,
              std::shared_ptr<const security::FieldCipher> cipher, const Clock& clock,
              NoticeCallOptions options);
  // Posts `event` to the runner unless detached (under mu_).
  void Post(std::function<void(Runner&)> event);

  std::unique_ptr<NoticeCallStore> store_;
  std::shared_ptr<const security::FieldCipher> cipher_;
  const Clock& clock_;
  NoticeCallOptions options_;
  std::mutex start_mu_;             // one Start at a time; Detach waits for it
  std::mutex mu_;                   // the runner's presence; held across Originate + register
  std::unique_ptr<Runner> runner_;  // guarded by mu_ (set by Attach, reset by Detach)
  telephony::CallControl* gateway_ = nullptr;    // guarded by mu_
  telephony::SpeechSynthesizer* tts_ = nullptr;  // guarded by mu_
};

}  // namespace zx::campaigns
