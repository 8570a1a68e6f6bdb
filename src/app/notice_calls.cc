#include "app/notice_calls.h"

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <unordered_map>

#include "base/log.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "telephony/gateway.h"  // MaskNumber
#include "telephony/speech_text.h"
#include "telephony/trunk.h"

namespace zx::app {

using nlohmann::json;
using telephony::CallId;
using telephony::SharedPcm;

namespace {

constexpr const char* kTable = "notice_calls";
constexpr const char* kKeyChars = "0123456789*#";

Status Migrate(storage::Database& db) {
  // number_enc and text_enc hold FieldCipher output (NULL without a key file, and after
  // retention); everything else is not personal.
  return db.Migrate({{"notice_calls", 1, R"sql(
    CREATE TABLE notice_calls (
      id TEXT PRIMARY KEY,
      attempt_id TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL,
      ended_at INTEGER,
      number_masked TEXT NOT NULL,
      number_enc TEXT,
      text_enc TEXT,
      options TEXT NOT NULL,
      state TEXT NOT NULL,
      outcome TEXT NOT NULL DEFAULT '',
      sip_code INTEGER NOT NULL DEFAULT 0,
      digits TEXT NOT NULL DEFAULT '',
      plays INTEGER NOT NULL DEFAULT 0,
      notice_ms INTEGER NOT NULL DEFAULT 0,
      events TEXT NOT NULL DEFAULT '[]');
    CREATE INDEX notice_calls_created ON notice_calls(created_at);
  )sql"}});
}

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

json OptionsJson(const NoticeRequest& r) {
  return {{"confirm_keys", r.confirm_keys},
          {"repeat_keys", r.repeat_keys},
          {"max_plays", r.max_plays},
          {"key_timeout_s", r.key_timeout_s},
          {"ring_timeout_s", r.ring_timeout_s}};
}

NoticeRequest OptionsFromJson(const std::string& text) {
  NoticeRequest r;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return r;
  r.confirm_keys = j.value("confirm_keys", r.confirm_keys);
  r.repeat_keys = j.value("repeat_keys", r.repeat_keys);
  r.max_plays = j.value("max_plays", r.max_plays);
  r.key_timeout_s = j.value("key_timeout_s", r.key_timeout_s);
  r.ring_timeout_s = j.value("ring_timeout_s", r.ring_timeout_s);
  return r;
}

NoticeState StateFromName(std::string_view name) {
  for (NoticeState s : {NoticeState::kDialing, NoticeState::kRinging, NoticeState::kAnswered})
    if (name == NoticeStateName(s)) return s;
  return NoticeState::kEnded;
}

NoticeOutcome OutcomeFromName(std::string_view name) {
  for (int i = 1; i <= static_cast<int>(NoticeOutcome::kCancelled); ++i)
    if (name == NoticeOutcomeName(static_cast<NoticeOutcome>(i)))
      return static_cast<NoticeOutcome>(i);
  return NoticeOutcome::kNone;
}

constexpr const char* kColumns =
    "id, attempt_id, created_at, ended_at, number_masked, options, state, outcome, sip_code, "
    "digits, plays, events, notice_ms";

NoticeCall RowToCall(const storage::Statement& st) {
  NoticeCall c;
  c.id = st.Text(0);
  c.attempt_id = st.Text(1);
  c.created_ms = st.Int(2);
  c.ended_ms = st.IsNull(3) ? 0 : st.Int(3);
  c.number_masked = st.Text(4);
  c.options = OptionsFromJson(st.Text(5));
  c.state = StateFromName(st.Text(6));
  c.outcome = OutcomeFromName(st.Text(7));
  c.sip_code = static_cast<int>(st.Int(8));
  c.digits = st.Text(9);
  c.plays = static_cast<int>(st.Int(10));
  c.events = json::parse(st.Text(11), nullptr, false);
  if (!c.events.is_array()) c.events = json::array();
  c.notice_ms = st.Int(12);
  return c;
}

// Writes what changes during a call.
Status SaveCall(storage::Database& db, const NoticeCall& c) {
  auto st = db.Prepare(
      "UPDATE notice_calls SET state = ?, outcome = ?, sip_code = ?, digits = ?, plays = ?, "
      "events = ?, ended_at = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, NoticeStateName(c.state))
      .Bind(2, NoticeOutcomeName(c.outcome))
      .Bind(3, static_cast<int64_t>(c.sip_code))
      .Bind(4, c.digits)
      .Bind(5, static_cast<int64_t>(c.plays))
      .Bind(6, c.events.dump());
  if (c.ended_ms)
    st->Bind(7, c.ended_ms);
  else
    st->BindNull(7);
  return st->Bind(8, c.id).Run();
}

json Event(const char* type, int64_t at_ms) { return {{"event", type}, {"at_ms", at_ms}}; }

// A call that can no longer run (the process stopped, or is stopping): answered calls keep a
// confirmation or become not_confirmed; calls never answered are cancelled.
void CloseUnfinished(NoticeCall& c, int64_t now_ms, const std::string& cause) {
  if (c.outcome == NoticeOutcome::kNone)
    c.outcome = c.state == NoticeState::kAnswered ? NoticeOutcome::kNotConfirmed
                                                  : NoticeOutcome::kCancelled;
  json e = Event("hangup", now_ms);
  e["cause"] = cause;
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
  for (char k : r.repeat_keys)
    if (r.confirm_keys.find(k) != std::string::npos)
      return Field("repeat_keys", std::string("and confirm_keys both hold key ") + k);
  if (r.max_plays < 1 || r.max_plays > 5) return Field("max_plays", "must be 1-5");
  if (r.key_timeout_s < 1 || r.key_timeout_s > 60) return Field("key_timeout_s", "must be 1-60");
  if (r.ring_timeout_s != 0 && (r.ring_timeout_s < 5 || r.ring_timeout_s > 300))
    return Field("ring_timeout_s", "must be 5-300 seconds");
  return Status::Ok();
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

// The calls in progress, on one thread: speaks to the gateway and writes every change.
class NoticeCalls::Worker {
 public:
  Worker(storage::Database& db, const Clock& clock, const NoticeCallOptions& options,
         telephony::CallControl& gateway, SharedPcm confirmed, SharedPcm unconfirmed)
      : db_(db),
        clock_(clock),
        options_(options),
        gateway_(gateway),
        confirmed_(std::move(confirmed)),
        unconfirmed_(std::move(unconfirmed)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Worker() { Stop(); }

  void Push(std::function<void(Worker&)> task) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  // Joins the thread, then closes the calls still open.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    int64_t now = clock_.NowUnixMillis();
    for (auto& [call, live] : calls_) {
      CloseUnfinished(live.view, now, "server stopping");
      Save(live);
      log::Info("notice.ended id={} call={} outcome={} cause=\"server stopping\"", live.view.id,
                call, NoticeOutcomeName(live.view.outcome));
    }
    calls_.clear();
  }

  // ---- the worker thread ----

  void Register(CallId call, NoticeCall view, SharedPcm notice) {
    Live& live = calls_[call];
    live.call = call;
    live.view = std::move(view);
    live.notice = std::move(notice);
  }

  void Progress(CallId call, int code, bool early_media) {
    Live* c = Find(call);
    if (!c || c->view.state == NoticeState::kEnded) return;
    const char* type = early_media ? "early_media" : code == 180 ? "ringing" : "progress";
    json e = Event(type, Now());
    e["sip_code"] = code;
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
    PlayNotice(*c);  // saves
  }

  void Digit(CallId call, char digit) {
    Live* c = Find(call);
    if (!c || c->view.state != NoticeState::kAnswered) return;  // early media: not the citizen
    if (c->closing) return;
    c->key_deadline.reset();
    c->resume_at.reset();
    c->view.digits += digit;
    json e = Event("key", Now());
    e["key"] = std::string(1, digit);
    c->view.events.push_back(std::move(e));
    const NoticeRequest& o = c->view.options;
    if (o.confirm_keys.find(digit) != std::string::npos) {
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
      if (!c->playing) c->key_deadline = Mono() + std::chrono::seconds(o.key_timeout_s);
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
      c->key_deadline = Mono() + std::chrono::seconds(c->view.options.key_timeout_s);
    } else {
      // Stopped by a key (whose OnDigit follows at once) or by speech: wait a moment and, if no
      // key came, say the notice again from the start.
      c->resume_at = Mono() + std::chrono::milliseconds(options_.speech_resume_ms);
    }
  }

  void Ended(CallId call, const std::string& reason) {
    auto it = calls_.find(call);
    if (it == calls_.end()) return;
    NoticeCall& v = it->second.view;
    if (v.outcome == NoticeOutcome::kNone) v.outcome = NoticeOutcome::kNotConfirmed;
    json e = Event("hangup", Now());
    e["cause"] = reason;
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
    NoticeCall& v = it->second.view;
    v.outcome = OutcomeOfUnanswered(outcome);
    v.sip_code = code;
    json e = Event("failed", Now());
    e["outcome"] = NoticeOutcomeName(v.outcome);
    e["sip_code"] = code;
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
    SharedPcm notice;
    uint64_t prompt = 0;  // the prompt whose end matters
    bool playing = false;
    bool closing = false;  // hang up when the closing words end
    int speech_restarts = 0;
    std::optional<std::chrono::steady_clock::time_point> key_deadline;  // replay or close then
    std::optional<std::chrono::steady_clock::time_point> resume_at;     // after a barge-in
    std::optional<std::chrono::steady_clock::time_point> hangup_at;     // closing words lost
  };

  Live* Find(CallId call) {
    auto it = calls_.find(call);
    return it == calls_.end() ? nullptr : &it->second;
  }
  int64_t Now() const { return clock_.NowUnixMillis(); }
  std::chrono::steady_clock::time_point Mono() const { return clock_.Monotonic(); }

  void Save(Live& c) {
    if (Status s = SaveCall(db_, c.view); !s.ok())
      log::Error("notice.save_failed id={} error=\"{}\"", c.view.id, s.message());
  }

  void Play(Live& c, SharedPcm audio) {
    c.prompt = ++next_prompt_;
    c.playing = true;
    c.key_deadline.reset();
    c.resume_at.reset();
    gateway_.StopPlayback(c.call);
    gateway_.Play(c.call, std::move(audio), c.prompt);
  }

  void PlayNotice(Live& c, bool counted = true) {
    if (counted) ++c.view.plays;
    json e = Event("notice", Now());
    e["play"] = c.view.plays;
    if (!counted) e["restart"] = true;
    c.view.events.push_back(std::move(e));
    Save(c);
    Play(c, c.notice);
  }

  // The outcome is known: say the closing words, then hang up.
  void Close(Live& c, NoticeOutcome outcome) {
    c.view.outcome = outcome;
    c.closing = true;
    json e = Event("closing", Now());
    e["outcome"] = NoticeOutcomeName(outcome);
    c.view.events.push_back(std::move(e));
    Save(c);
    SharedPcm words = outcome == NoticeOutcome::kConfirmed ? confirmed_ : unconfirmed_;
    // Should the end of the closing words never be reported, hang up anyway.
    auto ms = std::chrono::milliseconds(words ? words->size() / 8 : 0);
    c.hangup_at = Mono() + ms + std::chrono::seconds(5);
    if (words)
      Play(c, std::move(words));
    else
      gateway_.Hangup(c.call);
  }

  void CheckDeadlines() {
    auto now = Mono();
    for (auto& [call, c] : calls_) {
      if (c.hangup_at && *c.hangup_at <= now) {
        c.hangup_at.reset();
        gateway_.Hangup(call);
      }
      if (c.closing) continue;
      if (c.resume_at && *c.resume_at <= now) {
        c.resume_at.reset();
        bool restart = c.speech_restarts < kMaxSpeechRestarts;
        if (restart) ++c.speech_restarts;
        if (restart || c.view.plays < c.view.options.max_plays)
          PlayNotice(c, !restart);
        else
          Close(c, NoticeOutcome::kNotConfirmed);
      }
      if (c.key_deadline && *c.key_deadline <= now) {
        c.key_deadline.reset();
        json e = Event("no_key", Now());
        e["play"] = c.view.plays;
        c.view.events.push_back(std::move(e));
        if (c.view.plays < c.view.options.max_plays)
          PlayNotice(c);
        else
          Close(c, NoticeOutcome::kNotConfirmed);
      }
    }
  }

  void Run() {
    for (;;) {
      std::function<void(Worker&)> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(50),
                     [this] { return stopping_ || !tasks_.empty(); });
        // Stopping: what was queued is still handled (a call registered just before must be
        // known to Stop, which closes it), then the thread ends.
        if (stopping_ && tasks_.empty()) return;
        if (!tasks_.empty()) {
          task = std::move(tasks_.front());
          tasks_.pop_front();
        }
      }
      if (task) task(*this);
      CheckDeadlines();
    }
  }

  storage::Database& db_;
  const Clock& clock_;
  const NoticeCallOptions& options_;
  telephony::CallControl& gateway_;
  SharedPcm confirmed_;
  SharedPcm unconfirmed_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(Worker&)>> tasks_;  // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  std::unordered_map<CallId, Live> calls_;          // the worker thread (then Stop) only
  uint64_t next_prompt_ = 0;
};

// ---------------------------------------------------------------------------------------------

NoticeCalls::NoticeCalls(storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
                         const Clock& clock, NoticeCallOptions options)
    : db_(db), cipher_(std::move(cipher)), clock_(clock), options_(std::move(options)) {}

Result<std::unique_ptr<NoticeCalls>> NoticeCalls::Open(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher, const Clock& clock,
    NoticeCallOptions options) {
  ZX_RETURN_IF_ERROR(Migrate(db));
  // Calls a previous process left open cannot go on: close them, so that their attempt ids
  // report an outcome (and are never dialled again).
  auto open =
      db.Prepare(std::string("SELECT ") + kColumns + " FROM notice_calls WHERE state != 'ended'");
  if (!open.ok()) return open.status();
  std::vector<NoticeCall> unfinished;
  for (;;) {
    auto row = open->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    unfinished.push_back(RowToCall(*open));
  }
  for (NoticeCall& c : unfinished) {
    CloseUnfinished(c, clock.NowUnixMillis(), "interrupted");
    ZX_RETURN_IF_ERROR(SaveCall(db, c));
    log::Warn("notice.interrupted id={} outcome={} (the server stopped during the call)", c.id,
              NoticeOutcomeName(c.outcome));
  }
  return std::unique_ptr<NoticeCalls>(
      new NoticeCalls(db, std::move(cipher), clock, std::move(options)));
}

NoticeCalls::~NoticeCalls() { Detach(); }

Status NoticeCalls::Attach(telephony::CallControl* gateway, telephony::SpeechSynthesizer* tts) {
  if (!gateway || !tts) return InvalidArgument("notice calls need a gateway and a synthesizer");
  auto render = [&](const std::string& text) -> Result<SharedPcm> {
    return tts->Synthesize(telephony::PrepareForSpeech(text));
  };
  auto confirmed = render(options_.confirmed_closing);
  if (!confirmed.ok()) return confirmed.status();
  auto unconfirmed = render(options_.unconfirmed_closing);
  if (!unconfirmed.ok()) return unconfirmed.status();
  std::lock_guard start(start_mu_);
  std::lock_guard lock(mu_);
  if (worker_) return FailedPrecondition("notice calls are already attached to a gateway");
  gateway_ = gateway;
  tts_ = tts;
  worker_ = std::make_unique<Worker>(db_, clock_, options_, *gateway, std::move(*confirmed),
                                     std::move(*unconfirmed));
  return Status::Ok();
}

void NoticeCalls::Detach() {
  std::unique_ptr<Worker> worker;
  {
    std::lock_guard start(start_mu_);  // no Start in flight
    std::lock_guard lock(mu_);         // no event being queued
    worker = std::move(worker_);
    gateway_ = nullptr;
    tts_ = nullptr;
  }
  if (worker) worker->Stop();
}

void NoticeCalls::Sync() {
  auto done = std::make_shared<std::promise<void>>();
  auto handled = done->get_future();
  {
    std::lock_guard lock(mu_);
    if (!worker_) return;
    worker_->Push([done](Worker&) { done->set_value(); });
  }
  handled.wait();
}

void NoticeCalls::Post(std::function<void(Worker&)> event) {
  std::lock_guard lock(mu_);
  if (worker_) worker_->Push(std::move(event));
}

Result<std::optional<NoticeCall>> NoticeCalls::FindByAttempt(const std::string& attempt_id) {
  auto st =
      db_.Prepare(std::string("SELECT ") + kColumns + " FROM notice_calls WHERE attempt_id = ?");
  if (!st.ok()) return st.status();
  auto row = st->Bind(1, attempt_id).Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<NoticeCall>();
  return std::optional<NoticeCall>(RowToCall(*st));
}

Result<NoticeCall> NoticeCalls::Get(const std::string& id) {
  auto st = db_.Prepare(std::string("SELECT ") + kColumns + " FROM notice_calls WHERE id = ?");
  if (!st.ok()) return st.status();
  auto row = st->Bind(1, id).Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound("no such notice call");
  return RowToCall(*st);
}

Result<NoticeStart> NoticeCalls::Start(const NoticeRequest& request) {
  ZX_RETURN_IF_ERROR(ValidateNoticeRequest(request));
  std::lock_guard start(start_mu_);
  auto existing = FindByAttempt(request.attempt_id);
  if (!existing.ok()) return existing.status();
  if (*existing) return NoticeStart{std::move(**existing), false};

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
  auto audio = tts->Synthesize(speech);
  if (!audio.ok()) return Unavailable("speech synthesis failed: " + audio.status().message());

  NoticeCall call;
  call.id = security::HexEncode(security::RandomBytes(8));
  call.attempt_id = request.attempt_id;
  call.number_masked = MaskDialTarget(request.number);
  call.state = NoticeState::kDialing;
  call.created_ms = clock_.NowUnixMillis();
  call.options = request;
  call.options.number.clear();
  call.options.text.clear();
  if (call.options.ring_timeout_s == 0)
    call.options.ring_timeout_s = options_.default_ring_timeout_s;
  call.events.push_back(Event("dialing", call.created_ms));
  call.notice_ms = static_cast<int64_t>((*audio)->size() * 1000 / telephony::kSampleRate);

  auto insert = db_.Prepare(
      "INSERT INTO notice_calls (id, attempt_id, created_at, number_masked, number_enc, text_enc, "
      "options, state, events, notice_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, call.id)
      .Bind(2, call.attempt_id)
      .Bind(3, call.created_ms)
      .Bind(4, call.number_masked);
  if (cipher_) {
    insert->Bind(
        5, cipher_->Encrypt(request.number, security::FieldAad(kTable, "number_enc", call.id)));
    insert->Bind(6,
                 cipher_->Encrypt(request.text, security::FieldAad(kTable, "text_enc", call.id)));
  } else {
    insert->BindNull(5);
    insert->BindNull(6);
  }
  insert->Bind(7, OptionsJson(call.options).dump())
      .Bind(8, NoticeStateName(call.state))
      .Bind(9, call.events.dump())
      .Bind(10, call.notice_ms);
  ZX_RETURN_IF_ERROR(insert->Run());

  telephony::OriginateOptions originate;
  originate.ring_timeout_ms = call.options.ring_timeout_s * 1000;
  originate.headers.emplace_back("X-Campaign-Attempt", call.attempt_id);
  Result<CallId> placed = Unavailable("");
  {
    // Registered under the lock the event handlers take: no event can come first.
    std::lock_guard lock(mu_);
    placed = gateway->Originate(request.number, originate, telephony::Unowned(*this));
    if (placed.ok() && worker_) {
      worker_->Push([id = *placed, call, pcm = std::move(*audio)](Worker& w) mutable {
        w.Register(id, std::move(call), std::move(pcm));
      });
    }
  }
  if (!placed.ok()) {
    // Nothing was dialled: forget the row, so that the attempt can be made again.
    auto erase = db_.Prepare("DELETE FROM notice_calls WHERE id = ?");
    if (erase.ok()) (void)erase->Bind(1, call.id).Run();
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

// ---- events from the gateway thread: queued for the worker ----------------------------------

void NoticeCalls::OnCallStarted(const telephony::CallInfo& info) {
  Post([id = info.id](Worker& w) { w.Started(id); });
}
void NoticeCalls::OnDigit(CallId call, char digit, telephony::DigitSource) {
  Post([call, digit](Worker& w) { w.Digit(call, digit); });
}
void NoticeCalls::OnPlaybackDone(CallId call, uint64_t prompt_id, bool interrupted) {
  Post([call, prompt_id, interrupted](Worker& w) { w.PlaybackDone(call, prompt_id, interrupted); });
}
void NoticeCalls::OnCallEnded(CallId call, const std::string& reason) {
  Post([call, reason](Worker& w) { w.Ended(call, reason); });
}
void NoticeCalls::OnCallProgress(CallId call, int sip_code, bool early_media) {
  Post([call, sip_code, early_media](Worker& w) { w.Progress(call, sip_code, early_media); });
}
void NoticeCalls::OnCallFailed(CallId call, telephony::CallOutcome outcome, int sip_code) {
  Post([call, outcome, sip_code](Worker& w) { w.Failed(call, outcome, sip_code); });
}

}  // namespace zx::app
