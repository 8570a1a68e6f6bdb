#include "app/voice_bridge.h"

#include <toml++/toml.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "base/log.h"
#include "base/toml_file.h"
#include "dialogue/conversation.h"
#include "telephony/espeak_synthesizer.h"
#include "telephony/funasr_recognizer.h"
#include "telephony/speech_text.h"

namespace zx::app {

using telephony::CallId;
using telephony::SharedPcm;
using Clock = std::chrono::steady_clock;

const IvrKey* IvrMenu::Find(char key) const {
  for (const IvrKey& k : keys)
    if (k.key.size() == 1 && k.key[0] == key) return &k;
  return nullptr;
}

Result<IvrMenu> LoadIvrMenu(const std::string& path) {
  auto parsed = ReadTomlFile(path);
  if (!parsed.ok()) return parsed.status();
  toml::table t = std::move(parsed).value();
  IvrMenu m;
  auto text = [&](const char* key, std::string& out, bool required) -> Status {
    auto v = t[key].value<std::string>();
    if (v)
      out = *v;
    else if (t.contains(key))
      return InvalidArgument(path + ": '" + key + "' must be a string");
    if (required && out.empty()) return InvalidArgument(path + ": '" + key + "' is required");
    return Status::Ok();
  };
  ZX_RETURN_IF_ERROR(text("greeting", m.greeting, true));
  ZX_RETURN_IF_ERROR(text("invalid_key", m.invalid_key, false));
  ZX_RETURN_IF_ERROR(text("no_input", m.no_input, false));
  ZX_RETURN_IF_ERROR(text("goodbye", m.goodbye, false));
  ZX_RETURN_IF_ERROR(text("not_understood", m.not_understood, false));
  ZX_RETURN_IF_ERROR(text("speech_unavailable", m.speech_unavailable, false));
  ZX_RETURN_IF_ERROR(text("transfer_failed", m.transfer_failed, false));
  m.no_input_seconds = t["no_input_seconds"].value_or(m.no_input_seconds);
  m.max_no_input = t["max_no_input"].value_or(m.max_no_input);
  if (m.no_input_seconds < 0 || m.no_input_seconds > 600)
    return InvalidArgument(path + ": 'no_input_seconds' must be 0..600");
  const toml::array* keys = t["key"].as_array();
  if (!keys || keys->empty()) return InvalidArgument(path + ": no [[key]] entries");
  for (size_t i = 0; i < keys->size(); ++i) {
    const toml::table* k = (*keys)[i].as_table();
    std::string where = path + ": [[key]] #" + std::to_string(i + 1);
    if (!k) return InvalidArgument(where + " is not a table");
    IvrKey key;
    key.key = (*k)["key"].value_or(std::string());
    key.label = (*k)["label"].value_or(std::string());
    key.action = (*k)["action"].value_or(std::string());
    key.text = (*k)["text"].value_or(std::string());
    if (key.key.size() != 1 || std::string("0123456789*#").find(key.key[0]) == std::string::npos)
      return InvalidArgument(where + ": 'key' must be one of 0-9, * or #");
    if (key.action != "ask" && key.action != "agent" && key.action != "repeat" &&
        key.action != "menu")
      return InvalidArgument(where + ": 'action' must be ask, agent, repeat or menu");
    if ((key.action == "ask" || key.action == "agent") && key.text.empty())
      return InvalidArgument(where + ": action '" + key.action + "' needs 'text'");
    if (m.Find(key.key[0]))
      return InvalidArgument(where + ": key " + key.key + " is defined twice");
    m.keys.push_back(std::move(key));
  }
  if (const toml::table* call = t["call"].as_table()) {
    m.max_calls = (*call)["max_calls"].value_or(m.max_calls);
    m.over_capacity_code = (*call)["over_capacity_code"].value_or(m.over_capacity_code);
    m.answer_delay_ms = (*call)["answer_delay_ms"].value_or(m.answer_delay_ms);
    m.record = (*call)["record"].value_or(m.record);
    m.transfer_to = (*call)["transfer_to"].value_or(m.transfer_to);
  }
  if (m.max_calls < 1) return InvalidArgument(path + ": [call] max_calls must be at least 1");
  if (m.over_capacity_code != 486 && m.over_capacity_code != 503)
    return InvalidArgument(path + ": [call] over_capacity_code must be 486 or 503");
  if (m.answer_delay_ms < 0 || m.answer_delay_ms > 10000)
    return InvalidArgument(path + ": [call] answer_delay_ms must be 0..10000");
  return m;
}

// ---------------------------------------------------------------------------------------------

class VoiceBridge::Worker {
 public:
  Worker(IvrMenu menu, dialogue::DialogueService& dialogue, telephony::SpeechSynthesizer& tts,
         telephony::SpeechRecognizer* asr)
      : menu_(std::move(menu)), dialogue_(dialogue), tts_(tts), asr_(asr) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Worker() { Stop(); }

  void Attach(telephony::Gateway* gw) { gateway_ = gw; }

  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    for (auto& [id, call] : calls_) EndConversation(*call);
    calls_.clear();
  }

  // ---- the worker thread ----
  void Started(const telephony::CallInfo& info) {
    auto call = std::make_unique<CallState>();
    call->id = info.id;
    auto conv = dialogue::Conversation::Start(dialogue_, "voice");
    if (conv.ok()) {
      call->conversation.emplace(std::move(conv).value());
    } else {
      log::Error("ivr.conversation_failed call={} error=\"{}\"", info.id, conv.status().message());
    }
    log::Info("ivr.call call={} conversation={}", info.id,
              call->conversation ? call->conversation->id() : "-");
    CallState& c = *call;
    calls_[info.id] = std::move(call);
    Speak(c, menu_.greeting, true);
  }

  void Digit(CallId id, char digit) {
    CallState* c = Find(id);
    if (!c || c->ending) return;
    c->no_input_count = 0;
    c->deadline.reset();
    const IvrKey* key = menu_.Find(digit);
    bool global = key && (key->action == "agent" || key->action == "repeat");
    if (c->choosing && !global && digit >= '1' && digit <= '8') {
      // The assistant asked back with numbered choices: the digit picks one.
      log::Info("ivr.key call={} key={} action=choose", id, digit);
      Ask(*c, std::string(1, digit));
      return;
    }
    if (digit == '*') {
      log::Info("ivr.key call={} key=* action=menu", id);
      c->choosing = false;
      Speak(*c, menu_.greeting, true);
      return;
    }
    if (!key) {
      log::Info("ivr.key call={} action=invalid", id);
      Speak(*c, menu_.invalid_key + menu_.greeting, true);
      return;
    }
    log::Info("ivr.key call={} key={} action={} label={}", id, digit, key->action, key->label);
    if (key->action == "repeat") {
      if (!c->last_audio.empty()) Play(*c, c->last_audio);
    } else if (key->action == "menu") {
      c->choosing = false;
      Speak(*c, menu_.greeting, true);
    } else {  // ask, agent
      Ask(*c, key->text);
    }
  }

  void PlaybackDone(CallId id, uint64_t prompt_id, bool interrupted) {
    CallState* c = Find(id);
    if (!c || prompt_id != c->last_prompt_id) return;
    if (c->ending) {
      if (gateway_) gateway_.load()->Hangup(id);
      return;
    }
    if (c->transfer_pending) {  // the hand-over reply has been said: now transfer
      c->transfer_pending = false;
      StartTransfer(*c);
      return;
    }
    if (!interrupted && menu_.no_input_seconds > 0 && !menu_.no_input.empty())
      c->deadline = Clock::now() + std::chrono::seconds(menu_.no_input_seconds);
  }

  void SpeechStarted(CallId id) {
    if (CallState* c = Find(id)) c->deadline.reset();  // the caller is talking: no "no input"
  }

  // An utterance ended (the gateway's VAD): recognise it. Without a recogniser, say once that
  // speech cannot be understood and keys must be used.
  void Utterance(CallId id, telephony::Pcm audio) {
    CallState* c = Find(id);
    if (!c || c->ending || c->transfer_pending) return;
    c->no_input_count = 0;
    if (!asr_) {
      if (!c->told_no_speech) {
        c->told_no_speech = true;
        Speak(*c, menu_.speech_unavailable + menu_.greeting, true);
      }
      return;
    }
    StopRecognition(*c);  // a newer utterance replaces one still being recognised
    uint64_t seq = ++c->utterance_seq;
    c->relay = std::make_unique<Relay>(this, id, seq);
    telephony::RecognitionOptions options;
    options.name = "call-" + std::to_string(id) + "-utt-" + std::to_string(seq);
    c->recognition = asr_->Open(options, c->relay.get());
    c->recognition->Feed(audio.data(), audio.size());
    c->recognition->Finish();
    c->heard_at = Clock::now();
  }

  void Recognized(CallId id, uint64_t seq, bool ok, const std::string& text,
                  const std::string& error) {
    CallState* c = Find(id);
    if (!c || seq != c->utterance_seq || c->ending) return;
    StopRecognition(*c);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - c->heard_at).count();
    if (!ok || text.empty()) {
      log::Info("ivr.heard call={} chars=0 asr_ms={} error=\"{}\"", id, ms, error);
      Speak(*c, menu_.not_understood, false);
      return;
    }
    // The words themselves are a transcript (personal data): only their length is logged.
    log::Info("ivr.heard call={} chars={} asr_ms={}", id, text.size(), ms);
    Ask(*c, text);
  }

  void Transferred(CallId id, telephony::TransferState state, int sip_code) {
    CallState* c = Find(id);
    if (!c) return;
    using TS = telephony::TransferState;
    log::Info("ivr.transfer call={} state={} code={}", id, telephony::TransferStateName(state),
              sip_code);
    if (state == TS::kFailed || state == TS::kTimedOut) {
      // The conversation is still in the agents' queue; the caller is told and may hang up.
      Speak(*c, menu_.transfer_failed, false);
    }
  }

  void Ended(CallId id, const std::string& reason) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    StopRecognition(*it->second);
    EndConversation(*it->second);
    log::Info("ivr.call_ended call={} reason=\"{}\"", id, reason);
    calls_.erase(it);
  }

 private:
  // Receives one utterance's recognition on the recogniser's thread and posts it to the worker.
  class Relay final : public telephony::RecognitionHandler {
   public:
    Relay(Worker* worker, CallId call, uint64_t seq) : worker_(worker), call_(call), seq_(seq) {}
    void OnPartial(const telephony::RecognitionResult&) override {}
    void OnFinal(const telephony::RecognitionResult& r) override {
      Worker* w = worker_;
      w->Post([w, call = call_, seq = seq_, text = r.text] {
        w->Recognized(call, seq, true, text, "");
      });
    }
    void OnError(const telephony::RecognitionError& e) override {
      Worker* w = worker_;
      w->Post([w, call = call_, seq = seq_,
               why = std::string(telephony::RecognitionErrorCodeName(e.code))] {
        w->Recognized(call, seq, false, "", why);
      });
    }

   private:
    Worker* worker_;
    CallId call_;
    uint64_t seq_;
  };

  struct CallState {
    CallId id = 0;
    std::optional<dialogue::Conversation> conversation;
    bool choosing = false;              // the last reply asked back with numbered choices
    bool ending = false;                // hang up when the current prompt ends
    std::vector<SharedPcm> last_audio;  // the last prompt, sentence by sentence, for "repeat"
    uint64_t last_prompt_id = 0;
    int no_input_count = 0;
    std::optional<Clock::time_point> deadline;
    bool transfer_pending = false;  // transfer when the current prompt has been said
    bool told_no_speech = false;    // speech_unavailable said once
    uint64_t utterance_seq = 0;     // the utterance whose result is awaited
    Clock::time_point heard_at;
    // Declared before `recognition`, destroyed after it: the stream's destruction waits for a
    // callback in progress, so the relay outlives every call into it.
    std::unique_ptr<Relay> relay;
    std::unique_ptr<telephony::RecognitionStream> recognition;
  };

  CallState* Find(CallId id) {
    auto it = calls_.find(id);
    return it == calls_.end() ? nullptr : it->second.get();
  }

  void StopRecognition(CallState& c) {
    c.recognition.reset();  // cancels; waits for a callback in progress
    c.relay.reset();
  }

  // The hand-over reply has been said: REFER the call to the agents, the conversation attached.
  void StartTransfer(CallState& c) {
    telephony::Gateway* gw = gateway_.load();
    if (!gw) return;
    std::vector<std::pair<std::string, std::string>> headers;
    if (c.conversation) headers.emplace_back("X-Zhixian-Conversation", c.conversation->id());
    Status s = gw->Transfer(c.id, menu_.transfer_to, headers);
    if (!s.ok()) {
      log::Error("ivr.transfer_failed call={} error=\"{}\"", c.id, s.message());
      Speak(c, menu_.transfer_failed, false);
    }
  }

  void EndConversation(CallState& c) {
    if (!c.conversation || c.conversation->done()) return;
    auto summary = c.conversation->End();
    if (!summary.ok())
      log::Warn("ivr.summary_failed conversation={} error=\"{}\"", c.conversation->id(),
                summary.status().message());
  }

  void Ask(CallState& c, const std::string& text) {
    if (!c.conversation) {
      Speak(c, "抱歉，系统暂时无法受理，请稍后再拨。", false);
      c.ending = true;
      return;
    }
    auto t0 = Clock::now();
    auto reply = c.conversation->Say(text);
    if (!reply.ok()) {
      log::Warn("ivr.say_failed call={} error=\"{}\"", c.id, reply.status().message());
      Speak(c, "抱歉，刚才没有处理成功，请再按一次。", false);
      return;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    log::Info("ivr.reply call={} conversation={} topic={} handoff={} done={} dialogue_ms={}", c.id,
              c.conversation->id(), reply->topic.value_or("-"), reply->handoff, reply->done, ms);
    // An ask-back ("您是想咨询：1. …；2. …？") has no topic: the next digit picks a choice.
    c.choosing = !reply->topic && !reply->handoff && !reply->done;
    Speak(c, reply->text, false);
    // A hand-over: the conversation waits in the agents' queue; with a transfer target the call
    // follows it there once the reply has been said (PlaybackDone).
    if (reply->handoff && !menu_.transfer_to.empty()) c.transfer_pending = true;
    if (reply->done && !reply->handoff) c.ending = true;
  }

  // Speaks `text` sentence by sentence: the first sentence plays while the rest is synthesised,
  // so the caller hears the reply within one sentence's synthesis time (tens of ms), not the
  // whole answer's.
  void Speak(CallState& c, const std::string& text, bool /*is_menu*/) {
    std::vector<SharedPcm> parts;
    for (const std::string& sentence : SplitSentences(telephony::PrepareForSpeech(text))) {
      auto t0 = Clock::now();
      auto pcm = tts_.Synthesize(sentence);
      if (!pcm.ok()) {
        log::Error("ivr.tts_failed call={} error=\"{}\"", c.id, pcm.status().message());
        continue;
      }
      log::Debug("ivr.tts call={} bytes={} audio_ms={} tts_ms={}", c.id, sentence.size(),
                 (*pcm)->size() / 8,
                 std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
      PlayPart(c, *pcm, parts.empty());
      parts.push_back(*pcm);
    }
    if (!parts.empty()) c.last_audio = std::move(parts);
  }

  void Play(CallState& c, const std::vector<SharedPcm>& parts) {
    for (size_t i = 0; i < parts.size(); ++i) PlayPart(c, parts[i], i == 0);
  }

  // The first part replaces whatever is still playing; later parts queue behind it.
  void PlayPart(CallState& c, SharedPcm pcm, bool first) {
    telephony::Gateway* gw = gateway_.load();
    if (!gw) return;
    c.last_prompt_id = ++next_prompt_id_;
    c.deadline.reset();
    if (first) gw->StopPlayback(c.id);
    gw->Play(c.id, std::move(pcm), c.last_prompt_id);
  }

  static std::vector<std::string> SplitSentences(const std::string& text) {
    std::vector<std::string> out;
    std::string current;
    size_t i = 0;
    while (i < text.size()) {
      size_t len = 1;
      unsigned char b = static_cast<unsigned char>(text[i]);
      if (b >= 0xF0)
        len = 4;
      else if (b >= 0xE0)
        len = 3;
      else if (b >= 0xC0)
        len = 2;
      std::string ch = text.substr(i, len);
      current += ch;
      i += len;
      bool end =
          ch == "。" || ch == "！" || ch == "？" || ch == "；" || ch == "!" || ch == "?" ||
          (out.empty() && (ch == "，" || ch == ","));  // the first part short: it is waited for
      // Short fragments ride with the next sentence: fewer, more natural prompts.
      if (end && current.size() >= 18) {
        out.push_back(std::move(current));
        current.clear();
      }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
  }

  void CheckDeadlines() {
    auto now = Clock::now();
    for (auto& [id, call] : calls_) {
      CallState& c = *call;
      if (!c.deadline || *c.deadline > now || c.ending) continue;
      c.deadline.reset();
      if (++c.no_input_count > menu_.max_no_input) {
        log::Info("ivr.no_input call={} action=goodbye", id);
        Speak(c, menu_.goodbye, false);
        c.ending = true;
      } else {
        log::Info("ivr.no_input call={} count={}", id, c.no_input_count);
        Speak(c, menu_.no_input + menu_.greeting, true);
      }
    }
  }

  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(250),
                     [this] { return stopping_ || !tasks_.empty(); });
        if (stopping_) return;
        if (!tasks_.empty()) {
          task = std::move(tasks_.front());
          tasks_.pop_front();
        }
      }
      if (task) task();
      CheckDeadlines();
    }
  }

  IvrMenu menu_;
  dialogue::DialogueService& dialogue_;
  telephony::SpeechSynthesizer& tts_;
  telephony::SpeechRecognizer* asr_;  // null: keys only
  std::atomic<telephony::Gateway*> gateway_{nullptr};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;                       // guarded by mu_
  bool stopping_ = false;                                         // guarded by mu_
  std::unordered_map<CallId, std::unique_ptr<CallState>> calls_;  // the worker thread only
  uint64_t next_prompt_id_ = 0;
};

VoiceBridge::VoiceBridge(IvrMenu menu, dialogue::DialogueService& dialogue,
                         telephony::SpeechSynthesizer& tts, telephony::SpeechRecognizer* asr)
    : worker_(std::make_unique<Worker>(std::move(menu), dialogue, tts, asr)) {}

VoiceBridge::~VoiceBridge() { worker_->Stop(); }

void VoiceBridge::Attach(telephony::Gateway* gateway) { worker_->Attach(gateway); }
void VoiceBridge::Stop() { worker_->Stop(); }

void VoiceBridge::OnCallStarted(const telephony::CallInfo& call) {
  Worker* w = worker_.get();
  w->Post([w, call] { w->Started(call); });
}
void VoiceBridge::OnDigit(CallId call, char digit, telephony::DigitSource) {
  Worker* w = worker_.get();
  w->Post([w, call, digit] { w->Digit(call, digit); });
}
void VoiceBridge::OnPlaybackDone(CallId call, uint64_t prompt_id, bool interrupted) {
  Worker* w = worker_.get();
  w->Post([w, call, prompt_id, interrupted] { w->PlaybackDone(call, prompt_id, interrupted); });
}
void VoiceBridge::OnCallEnded(CallId call, const std::string& reason) {
  Worker* w = worker_.get();
  w->Post([w, call, reason] { w->Ended(call, reason); });
}
void VoiceBridge::OnSpeechStarted(CallId call) {
  Worker* w = worker_.get();
  w->Post([w, call] { w->SpeechStarted(call); });
}
void VoiceBridge::OnUtterance(CallId call, telephony::Pcm audio, telephony::EndReason) {
  Worker* w = worker_.get();
  w->Post([w, call, audio = std::move(audio)]() mutable { w->Utterance(call, std::move(audio)); });
}
void VoiceBridge::OnTransfer(CallId call, telephony::TransferState state, int sip_code) {
  Worker* w = worker_.get();
  w->Post([w, call, state, sip_code] { w->Transferred(call, state, sip_code); });
}

// ---------------------------------------------------------------------------------------------

Result<std::unique_ptr<VoiceService>> VoiceService::Start(
    const Config& config, dialogue::DialogueService& dialogue, storage::Database& db,
    std::shared_ptr<const security::FieldCipher> cipher, NoticeCalls* notices, Metrics* metrics) {
  namespace fs = std::filesystem;
  std::string ivr_path = (fs::path(config.knowledge.kb_dir) / "ivr.toml").string();
  auto menu = LoadIvrMenu(ivr_path);
  if (!menu.ok()) return menu.status();

  std::unique_ptr<VoiceService> svc(new VoiceService());
  auto tts = telephony::EspeakSynthesizer::Create();
  if (!tts.ok()) return tts.status();
  svc->tts_ = std::move(tts).value();
  // Render the fixed prompts now: the first caller should not wait for them.
  for (const std::string& text : {menu->greeting, menu->invalid_key + menu->greeting,
                                  menu->no_input + menu->greeting, menu->goodbye}) {
    std::string speech = telephony::PrepareForSpeech(text);
    if (!speech.empty()) (void)svc->tts_->Synthesize(speech);
  }

  if (!config.asr.url.empty()) {
    telephony::FunAsrOptions asr;
    asr.url = config.asr.url;
    asr.mode = config.asr.mode;
    asr.final_timeout = std::chrono::milliseconds(config.asr.final_timeout_ms);
    auto recognizer = telephony::CreateFunAsrRecognizer(asr);
    if (!recognizer.ok())
      return Status(recognizer.status().code(), "asr: " + recognizer.status().message());
    svc->asr_ = std::move(recognizer).value();
    log::Info("voice.asr url={} mode={}", config.asr.url, config.asr.mode);
  }

  telephony::GatewayOptions options;
  options.listen = config.server.sip;
  // Speech stops a prompt only when it can be understood: without a recogniser a caller's
  // "喂？" would cut the greeting that tells them which keys to press.
  options.barge_in_on_speech = svc->asr_ != nullptr;
  options.trunk.proxy = config.trunk.proxy;
  options.trunk.domain = config.trunk.domain;
  options.trunk.username = config.trunk.username;
  options.trunk.password = config.trunk.password;
  options.trunk.from_user = config.trunk.from_user;
  options.trunk.register_enabled = config.trunk.register_enabled != 0;
  options.trunk.register_expires_s = config.trunk.register_expires_s;
  options.transfer_timeout_ms = config.trunk.transfer_timeout_s * 1000;
  options.max_calls = menu->max_calls;
  options.over_capacity_code = menu->over_capacity_code;
  options.answer_delay_ms = menu->answer_delay_ms;
  options.rtp_latching = config.sip.rtp_latching != 0;
  options.max_calls_per_source = config.sip.max_calls_per_source;
  options.no_media_timeout_ms = config.sip.no_media_timeout_s * 1000;
  options.media_idle_timeout_ms = config.sip.media_idle_timeout_s * 1000;
  options.allow_from = config.sip.allow_from;
  options.tcp_backlog = config.sip.tcp_backlog;
  options.metrics = metrics;
  if (menu->record && cipher) {
    RecordingVaultOptions vault_options;
    vault_options.max_bytes = config.retention.recordings_max_mb << 20;
    vault_options.metrics = metrics;
    auto vault = RecordingVault::Open(db, config.data.dir, cipher->key_ring(),
                                      SystemClock::Instance(), vault_options);
    if (!vault.ok()) return vault.status();
    svc->recordings_ = std::move(vault).value();
    options.recorder = svc->recordings_->Factory();
  } else if (menu->record) {
    log::Warn(
        "voice.not_recording reason=\"no security.key_file\" fix=\"recordings are kept only "
        "encrypted: create a key file (zhixian keys init) and set security.key_file\"");
  }
  svc->bridge_ =
      std::make_unique<VoiceBridge>(std::move(menu).value(), dialogue, *svc->tts_, svc->asr_.get());
  svc->dispatcher_ = std::make_unique<CallDispatcher>(*svc->bridge_, notices);
  auto gw = telephony::Gateway::Start(options, svc->dispatcher_.get());
  if (!gw.ok()) return gw.status();
  svc->gateway_ = std::move(gw).value();
  svc->bridge_->Attach(svc->gateway_.get());
  if (notices) {
    ZX_RETURN_IF_ERROR(notices->Attach(svc->gateway_.get(), svc->tts_.get()));
    svc->notices_ = notices;
  }
  return svc;
}

VoiceService::~VoiceService() {
  if (bridge_) bridge_->Stop();      // no more prompts into the gateway
  if (notices_) notices_->Detach();  // ... nor calls; open notice calls are closed
  gateway_.reset();                  // hangs up every call
  bridge_.reset();
  asr_.reset();
  tts_.reset();
}

}  // namespace zx::app
