#include "telephony/gateway.h"

extern "C" {
#include <re.h>
}

#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "telephony/dtmf.h"
#include "telephony/g711.h"
#include "telephony/jitter_buffer.h"

namespace zx::telephony {

const char* DigitSourceName(DigitSource source) {
  return source == DigitSource::kRfc4733 ? "rfc4733" : "inband";
}

std::string MaskNumber(std::string_view number) {
  if (number.size() >= 7)
    return std::string(number.substr(0, 3)) + "****" +
           std::string(number.substr(number.size() - 4));
  if (number.size() <= 2) return "**";
  return std::string(number.size() - 2, '*') + std::string(number.substr(number.size() - 2));
}

namespace {

constexpr const char* kAllow = "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n";
constexpr int kTelephoneEventPt = 101;
constexpr uint64_t kTickMs = kFrameMs;
constexpr uint64_t kLateMs = 10;
// After a key, the detector ignores the caller for this many frames: a DTMF tone is not speech.
constexpr int kDigitMuteFrames = 15;
std::atomic<bool> g_running{false};

enum CommandKind { kPlay = 1, kStop, kHangup, kShutdown };

struct Command {
  CallId call = 0;
  SharedPcm audio;
  uint64_t prompt_id = 0;
};

std::string PlStr(const pl& p) { return p.p ? std::string(p.p, p.l) : std::string(); }

class GatewayImpl;

struct Prompt {
  SharedPcm audio;
  uint64_t id = 0;
  size_t pos = 0;
};

struct Call {
  enum class State { kRinging, kAnswered, kEstablished, kEnded };

  GatewayImpl* gw = nullptr;
  CallInfo info;
  State state = State::kRinging;
  sipsess* sess = nullptr;
  struct rtp_sock* rtp = nullptr;
  sdp_session* sdp = nullptr;
  sdp_media* media = nullptr;
  mbuf* answer = nullptr;  // the SDP answer, kept for a delayed 200
  mbuf* tx = nullptr;      // reused RTP payload buffer
  tmr answer_tmr{};
  Codec codec = Codec::kPcmu;
  int te_pt = kTelephoneEventPt;
  sa remote{};
  bool remote_latched = false;
  bool started = false;
  bool marker = true;
  bool idle = true;  // no prompt audio in the last frame (the next prompt starts a talkspurt)
  uint32_t ts = 0;
  JitterBuffer jitter;
  std::deque<int16_t> rx_pcm;  // decoded caller audio not yet played out
  Rfc4733Receiver rfc4733;
  bool got_rfc4733 = false;
  std::unique_ptr<InbandDtmfDetector> inband;
  std::unique_ptr<UtteranceDetector> speech;
  int speech_muted_frames = 0;
  std::deque<Prompt> prompts;
  std::unique_ptr<RecordingSink> recording;

  explicit Call(int jitter_depth) : jitter(jitter_depth) { tmr_init(&answer_tmr); }
  ~Call() {
    tmr_cancel(&answer_tmr);
    mem_deref(sess);
    mem_deref(rtp);
    mem_deref(answer);
    mem_deref(tx);
    mem_deref(media);
    mem_deref(sdp);
  }
};

class GatewayImpl final : public Gateway {
 public:
  GatewayImpl(GatewayOptions options, CallHandler* handler)
      : options_(std::move(options)), handler_(handler) {
    tmr_init(&tick_);
    tmr_init(&shutdown_tmr_);
  }

  ~GatewayImpl() override {
    if (thread_.joinable()) {
      Push(kShutdown, new Command{});
      thread_.join();
    }
    g_running = false;
  }

  Status Run() {
    std::promise<Status> started;
    auto ready = started.get_future();
    thread_ = std::thread([this, &started] { Loop(started); });
    Status s = ready.get();
    if (!s.ok()) thread_.join();
    return s;
  }

  uint16_t port() const override { return port_; }

  void Play(CallId call, SharedPcm audio, uint64_t prompt_id) override {
    Push(kPlay, new Command{call, std::move(audio), prompt_id});
  }
  void StopPlayback(CallId call) override { Push(kStop, new Command{call, nullptr, 0}); }
  void Hangup(CallId call) override { Push(kHangup, new Command{call, nullptr, 0}); }

  GatewayStats stats() const override {
    std::lock_guard lock(stats_mu_);
    return stats_;
  }

 private:
  // ---- any thread ----
  void Push(int kind, Command* cmd) {
    std::lock_guard lock(mq_mu_);
    if (!mq_ || mqueue_push(mq_, kind, cmd) != 0) delete cmd;
  }

  template <typename F>
  void UpdateStats(F f) {
    std::lock_guard lock(stats_mu_);
    f(stats_);
  }

  // ---- the libre thread ----
  void Loop(std::promise<Status>& started) {
    Status s = Setup();
    if (!s.ok()) {
      Teardown();
      started.set_value(s);
      return;
    }
    started.set_value(Status::Ok());
    re_main(nullptr);
    Teardown();
  }

  Status Setup() {
    if (options_.thread_nice != 0) {
      // Best effort: the media ticker must not wait behind batch work on a busy machine
      // (needs CAP_SYS_NICE to go below 0; without it the thread keeps the default).
      if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), options_.thread_nice) != 0)
        log::Debug("sip.nice_failed nice={} error={}", options_.thread_nice, strerror(errno));
    }
    if (int err = libre_init(); err) return Internal("libre_init failed: " + std::to_string(err));
    libre_ready_ = true;
    (void)fd_setsize(8192);  // every call holds an RTP socket
    sa laddr{};
    if (sa_decode(&laddr, options_.listen.data(), options_.listen.size()) != 0)
      return InvalidArgument("sip listen address '" + options_.listen + "' is not HOST:PORT");
    if (options_.max_calls < 1) return InvalidArgument("max_calls must be at least 1");
    if (options_.over_capacity_code != 486 && options_.over_capacity_code != 503)
      return InvalidArgument("over_capacity_code must be 486 or 503");
    rtp_ip_ = laddr;
    sa_set_port(&rtp_ip_, 0);
    if (sa_is_any(&rtp_ip_)) {
      sa def{};
      if (net_default_source_addr_get(sa_af(&laddr), &def) == 0) rtp_ip_ = def;
      sa_set_port(&rtp_ip_, 0);
    }

    if (int err = sip_alloc(&sip_, nullptr, 32, 32, 32, "zhixian", nullptr, nullptr); err)
      return Internal("sip_alloc failed: " + std::to_string(err));
    if (int err = sip_transp_add(sip_, SIP_TRANSP_UDP, &laddr); err)
      return Unavailable("cannot bind SIP/UDP on " + options_.listen + ": " + strerror(err));
    sa bound{};
    if (sip_transp_laddr(sip_, &bound, SIP_TRANSP_UDP, nullptr) == 0) port_ = sa_port(&bound);
    sa tcp_addr = laddr;
    sa_set_port(&tcp_addr, port_);
    if (int err = sip_transp_add(sip_, SIP_TRANSP_TCP, &tcp_addr); err)
      log::Warn("sip.tcp_unavailable port={} error={} (UDP only)", port_, strerror(err));
    // Our validator runs before the session layer's listener.
    if (int err = sip_listen(&lsnr_, sip_, true, &GatewayImpl::OnRequest, this); err)
      return Internal("sip_listen failed: " + std::to_string(err));
    if (int err = sipsess_listen(&sock_, sip_, 64, &GatewayImpl::OnConnect, this); err)
      return Internal("sipsess_listen failed: " + std::to_string(err));
    {
      std::lock_guard lock(mq_mu_);
      if (int err = mqueue_alloc(&mq_, &GatewayImpl::OnCommand, this); err)
        return Internal("mqueue_alloc failed: " + std::to_string(err));
    }
    next_tick_ = tmr_jiffies() + kTickMs;
    tmr_start(&tick_, kTickMs, &GatewayImpl::OnTick, this);
    log::Info("sip.listening addr={} port={} max_calls={}", options_.listen, port_,
              options_.max_calls);
    return Status::Ok();
  }

  void Teardown() {
    tmr_cancel(&tick_);
    tmr_cancel(&shutdown_tmr_);
    calls_.clear();
    dead_.clear();
    lsnr_ = static_cast<sip_lsnr*>(mem_deref(lsnr_));
    sock_ = static_cast<sipsess_sock*>(mem_deref(sock_));
    if (sip_) sip_close(sip_, true);
    sip_ = static_cast<sip*>(mem_deref(sip_));
    {
      std::lock_guard lock(mq_mu_);
      mq_ = static_cast<mqueue*>(mem_deref(mq_));
    }
    if (libre_ready_) libre_close();
    libre_ready_ = false;
  }

  Call* Find(CallId id) {
    auto it = calls_.find(id);
    return it == calls_.end() ? nullptr : it->second.get();
  }

  static void OnCommand(int kind, void* data, void* arg) {
    auto* self = static_cast<GatewayImpl*>(arg);
    std::unique_ptr<Command> cmd(static_cast<Command*>(data));
    if (kind == kShutdown) {
      self->Shutdown();
      return;
    }
    Call* call = self->Find(cmd->call);
    if (!call || call->state == Call::State::kEnded) return;
    switch (kind) {
      case kPlay:
        if (cmd->audio) call->prompts.push_back(Prompt{std::move(cmd->audio), cmd->prompt_id, 0});
        break;
      case kStop:
        self->StopPrompts(call);
        break;
      case kHangup:
        self->HangupCall(call, "hangup");
        break;
    }
  }

  void Shutdown() {
    std::vector<Call*> live;
    for (auto& [id, call] : calls_) live.push_back(call.get());
    for (Call* call : live) HangupCall(call, "shutdown");
    // Give the BYEs a moment on the wire, then stop.
    tmr_start(
        &shutdown_tmr_, live.empty() ? 0 : 200, [](void*) { re_cancel(); }, nullptr);
  }

  // Request validation: what libre 1.1.0 lets through but we cannot serve.
  static bool OnRequest(const sip_msg* msg, void* arg) {
    auto* self = static_cast<GatewayImpl*>(arg);
    bool is_ack = pl_strcmp(&msg->met, "ACK") == 0;
    const char* problem = nullptr;
    if (!pl_isset(&msg->callid))
      problem = "missing Call-ID";
    else if (!pl_isset(&msg->from.auri))
      problem = "missing From";
    else if (!pl_isset(&msg->to.auri))
      problem = "missing To";
    else if (!pl_isset(&msg->cseq.met))
      problem = "missing CSeq";
    else if (!pl_isset(&msg->via.branch))
      problem = "missing Via branch";
    else if (pl_casecmp(&msg->cseq.met, &msg->met) != 0)
      problem = "CSeq method does not match";
    if (problem) {
      self->UpdateStats([](GatewayStats& s) { ++s.bad_requests; });
      log::Warn("sip.bad_request method={} problem=\"{}\"", PlStr(msg->met), problem);
      if (!is_ack) (void)sip_reply(self->sip_, msg, 400, "Bad Request");
      return true;
    }
    if (pl_strcmp(&msg->met, "OPTIONS") == 0) {  // keep-alive pings from proxies and trunks
      (void)sip_replyf(self->sip_, msg, 200, "OK",
                       "%sAccept: application/sdp\r\n"
                       "Content-Length: 0\r\n\r\n",
                       kAllow);
      return true;
    }
    return false;
  }

  void Reply(const sip_msg* msg, uint16_t code, const char* reason) {
    (void)sip_treply(nullptr, sip_, msg, code, reason);
  }

  static void OnConnect(const sip_msg* msg, void* arg) {
    static_cast<GatewayImpl*>(arg)->HandleInvite(msg);
  }

  void HandleInvite(const sip_msg* msg) {
    UpdateStats([](GatewayStats& s) { ++s.calls_offered; });
    if (static_cast<int>(calls_.size()) >= options_.max_calls) {
      UpdateStats([](GatewayStats& s) { ++s.calls_rejected; });
      log::Warn("call.rejected reason=capacity active={} code={}", calls_.size(),
                options_.over_capacity_code);
      if (options_.over_capacity_code == 503)
        (void)sip_treplyf(nullptr, nullptr, sip_, msg, false, 503, "Service Unavailable",
                          "Retry-After: 5\r\nContent-Length: 0\r\n\r\n");
      else
        Reply(msg, 486, "Busy Here");
      return;
    }
    if (mbuf_get_left(msg->mb) == 0) {
      log::Warn("call.rejected reason=no_sdp_offer");
      Reply(msg, 488, "Not Acceptable Here");
      return;
    }

    auto call = std::make_unique<Call>(options_.jitter_depth);
    call->gw = this;
    call->info.id = next_id_++;
    call->info.caller_masked = MaskNumber(PlStr(msg->from.uri.user));
    call->info.called_user = PlStr(msg->uri.user);
    Call* c = call.get();

    int err = rtp_listen(&c->rtp, IPPROTO_UDP, &rtp_ip_, options_.rtp_port_min,
                         options_.rtp_port_max, false, &GatewayImpl::OnRtp, nullptr, c);
    if (err) {
      log::Error("call.rejected reason=rtp_ports error={}", strerror(err));
      Reply(msg, 503, "Service Unavailable");
      return;
    }
    sa media_addr = *rtp_local(c->rtp);
    err = sdp_session_alloc(&c->sdp, &media_addr);
    if (!err)
      err =
          sdp_media_add(&c->media, c->sdp, sdp_media_audio, sa_port(&media_addr), sdp_proto_rtpavp);
    if (!err)
      err = sdp_format_add(nullptr, c->media, false, "0", "PCMU", 8000, 1, nullptr, nullptr,
                           nullptr, false, nullptr);
    if (!err)
      err = sdp_format_add(nullptr, c->media, false, "8", "PCMA", 8000, 1, nullptr, nullptr,
                           nullptr, false, nullptr);
    if (!err)
      err = sdp_format_add(nullptr, c->media, false, "101", telev_rtpfmt, 8000, 1, nullptr, nullptr,
                           nullptr, false, "0-15");
    if (!err) err = sdp_media_set_lattr(c->media, true, sdp_attr_ptime, "20");
    if (err) {
      log::Error("call.rejected reason=sdp_setup error={}", strerror(err));
      Reply(msg, 500, "Server Internal Error");
      return;
    }
    if (sdp_decode(c->sdp, msg->mb, true) != 0) {
      UpdateStats([](GatewayStats& s) { ++s.bad_requests; });
      log::Warn("sip.bad_request method=INVITE problem=\"SDP offer does not parse\"");
      Reply(msg, 400, "Bad Request");
      return;
    }
    bool have_codec = false;
    for (le* e = list_head(sdp_media_format_lst(c->media, false)); e; e = e->next) {
      auto* fmt = static_cast<const sdp_format*>(e->data);
      if (!fmt->sup) continue;
      if (strcasecmp(fmt->name, "PCMU") == 0 || strcasecmp(fmt->name, "PCMA") == 0) {
        c->codec = strcasecmp(fmt->name, "PCMU") == 0 ? Codec::kPcmu : Codec::kPcma;
        have_codec = true;
        break;
      }
    }
    if (!have_codec || sdp_media_rport(c->media) == 0) {
      log::Warn("call.rejected reason=no_common_codec");
      Reply(msg, 488, "Not Acceptable Here");
      return;
    }
    if (const sdp_format* te = sdp_media_rformat(c->media, telev_rtpfmt)) c->te_pt = te->pt;
    c->remote = *sdp_media_raddr(c->media);
    c->info.codec = CodecName(c->codec);
    if (options_.inband_dtmf) {
      c->inband = std::make_unique<InbandDtmfDetector>(
          [this, c](char d) { ReportDigit(c, d, DigitSource::kInband); });
    }
    if (options_.detect_speech) {
      auto detector = UtteranceDetector::Create(options_.endpoint, options_.vad);
      if (detector.ok())
        c->speech = std::move(detector).value();
      else
        log::Error("call.no_speech_detection call={} error=\"{}\"", c->info.id,
                   detector.status().message());
    }
    c->tx = mbuf_alloc(RTP_HEADER_SIZE + kFrameSamples);
    if (!c->tx || sdp_encode(&c->answer, c->sdp, false) != 0) {
      Reply(msg, 500, "Server Internal Error");
      return;
    }

    bool ring_first = options_.answer_delay_ms > 0;
    err = sipsess_accept(&c->sess, sock_, msg, ring_first ? 180 : 200,
                         ring_first ? "Ringing" : "OK", options_.user.c_str(), "application/sdp",
                         ring_first ? nullptr : c->answer, nullptr, nullptr, false,
                         &GatewayImpl::OnOffer, &GatewayImpl::OnAnswer, &GatewayImpl::OnEstablished,
                         nullptr, nullptr, &GatewayImpl::OnClose, c, kAllow);
    if (err) {
      log::Error("call.rejected reason=accept error={}", strerror(err));
      Reply(msg, 500, "Server Internal Error");
      return;
    }
    if (ring_first) {
      tmr_start(&c->answer_tmr, static_cast<uint64_t>(options_.answer_delay_ms),
                &GatewayImpl::OnAnswerTimer, c);
    } else {
      c->state = Call::State::kAnswered;
    }
    log::Info("call.offered call={} from={} to={} codec={}", c->info.id, c->info.caller_masked,
              c->info.called_user, c->info.codec);
    calls_.emplace(c->info.id, std::move(call));
    UpdateStats([this](GatewayStats& s) { s.active_calls = calls_.size(); });
  }

  static void OnAnswerTimer(void* arg) {
    auto* c = static_cast<Call*>(arg);
    if (c->state != Call::State::kRinging) return;
    int err = sipsess_answer(c->sess, 200, "OK", c->answer, kAllow);
    if (err) {
      log::Error("call.answer_failed call={} error={}", c->info.id, strerror(err));
      c->gw->EndCall(c, "error: answer failed");
      return;
    }
    c->state = Call::State::kAnswered;
  }

  // A re-INVITE with a new offer (hold, codec change): answer with the same formats.
  static int OnOffer(mbuf** descp, const sip_msg* msg, void* arg) {
    auto* c = static_cast<Call*>(arg);
    if (int err = sdp_decode(c->sdp, msg->mb, true); err) return err;
    c->remote = *sdp_media_raddr(c->media);
    c->remote_latched = false;
    return sdp_encode(descp, c->sdp, false);
  }

  static int OnAnswer(const sip_msg*, void*) { return 0; }

  static void OnEstablished(const sip_msg*, void* arg) {
    auto* c = static_cast<Call*>(arg);
    if (c->state == Call::State::kEnded) return;
    c->state = Call::State::kEstablished;
    c->started = true;
    GatewayImpl* gw = c->gw;
    if (gw->options_.recorder) {
      auto sink = gw->options_.recorder(c->info);
      if (sink.ok())
        c->recording = std::move(*sink);
      else
        log::Warn("call.recording_failed call={} error=\"{}\"", c->info.id,
                  sink.status().message());
    }
    gw->UpdateStats([](GatewayStats& s) { ++s.calls_answered; });
    log::Info("call.started call={} codec={}", c->info.id, c->info.codec);
    gw->handler_->OnCallStarted(c->info);
  }

  static void OnClose(int err, const sip_msg* msg, void* arg) {
    auto* c = static_cast<Call*>(arg);
    std::string reason;
    if (c->state == Call::State::kRinging || (!c->started && err == ECONNRESET))
      reason = "cancel";
    else if (err == ECONNRESET || err == 0)
      reason = "bye";
    else if (err == ETIMEDOUT)
      reason = "timeout";
    else
      reason = std::string("error: ") + strerror(err);
    if (msg && msg->scode >= 300) reason += " " + std::to_string(msg->scode);
    c->gw->EndCall(c, reason);
  }

  void HangupCall(Call* c, const char* reason) {
    if (c->state == Call::State::kEnded) return;
    if (c->state == Call::State::kRinging && c->sess) {
      (void)sipsess_reject(c->sess, 480, "Temporarily Unavailable", nullptr);
    }
    // Releasing an established session sends BYE.
    c->sess = static_cast<sipsess*>(mem_deref(c->sess));
    EndCall(c, reason);
  }

  void EndCall(Call* c, const std::string& reason) {
    if (c->state == Call::State::kEnded) return;
    c->state = Call::State::kEnded;
    tmr_cancel(&c->answer_tmr);
    c->prompts.clear();
    if (c->recording) {
      if (Status s = c->recording->Close(); !s.ok())
        log::Warn("call.recording_failed call={} error=\"{}\"", c->info.id, s.message());
      c->recording.reset();
    }
    log::Info("call.ended call={} reason=\"{}\" rtp_in={} lost={} late={}", c->info.id, reason,
              c->jitter.received(), c->jitter.lost(), c->jitter.late());
    if (c->started) handler_->OnCallEnded(c->info.id, reason);
    auto it = calls_.find(c->info.id);
    if (it != calls_.end()) {
      dead_.push_back(std::move(it->second));  // freed on the next tick, outside libre callbacks
      calls_.erase(it);
    }
    UpdateStats([this](GatewayStats& s) { s.active_calls = calls_.size(); });
  }

  void StopPrompts(Call* c) {
    auto prompts = std::move(c->prompts);
    c->prompts.clear();
    c->idle = true;
    for (const Prompt& p : prompts) handler_->OnPlaybackDone(c->info.id, p.id, true);
  }

  void ReportDigit(Call* c, char digit, DigitSource source) {
    UpdateStats([](GatewayStats& s) { ++s.digits; });
    log::Info("call.key call={} source={}", c->info.id, DigitSourceName(source));
    log::Debug("call.key_value call={} key={}", c->info.id, digit);
    if (options_.barge_in_on_key && !c->prompts.empty()) StopPrompts(c);
    if (c->speech) {  // the tone is not the start of an utterance
      c->speech->RestartListening();
      c->speech_muted_frames = kDigitMuteFrames;
    }
    handler_->OnDigit(c->info.id, digit, source);
  }

  void DetectSpeech(Call* c, const int16_t* frame) {
    if (c->speech_muted_frames > 0) {
      if (--c->speech_muted_frames == 0) c->speech->RestartListening();
      return;
    }
    UtteranceEvent event = c->speech->Process(frame);
    switch (event.type) {
      case UtteranceEventType::kSpeechStarted:
        log::Info("call.speech call={} barge_in={}", c->info.id,
                  options_.barge_in_on_speech && !c->prompts.empty());
        if (options_.barge_in_on_speech && !c->prompts.empty()) StopPrompts(c);
        handler_->OnSpeechStarted(c->info.id);
        break;
      case UtteranceEventType::kUtteranceEnded:
        UpdateStats([](GatewayStats& s) { ++s.utterances; });
        log::Info("call.utterance call={} speech_ms={} reason={}", c->info.id,
                  event.speech_end_ms - event.speech_start_ms, EndReasonName(event.reason));
        handler_->OnUtterance(c->info.id, std::move(event.audio), event.reason);
        break;
      default:
        break;
    }
  }

  static void OnRtp(const sa* src, const rtp_header* hdr, mbuf* mb, void* arg) {
    auto* c = static_cast<Call*>(arg);
    if (c->state == Call::State::kEnded) return;
    GatewayImpl* gw = c->gw;
    ++gw->rtp_received_;
    if (!c->remote_latched) {  // symmetric RTP: answer where the caller's packets come from
      c->remote = *src;
      c->remote_latched = true;
    }
    const uint8_t* payload = mbuf_buf(mb);
    size_t len = mbuf_get_left(mb);
    if (hdr->pt == c->te_pt) {
      if (auto digit = c->rfc4733.Receive(hdr->ts, payload, len)) {
        c->got_rfc4733 = true;  // the caller's side signals keys out of band: trust only that
        gw->ReportDigit(c, *digit, DigitSource::kRfc4733);
      }
      return;
    }
    if (hdr->pt == static_cast<uint8_t>(c->codec)) c->jitter.Put(hdr->seq, payload, len);
  }

  static void OnTick(void* arg) { static_cast<GatewayImpl*>(arg)->Tick(); }

  void Tick() {
    uint64_t now = tmr_jiffies();
    auto t0 = std::chrono::steady_clock::now();
    bool late = now > next_tick_ + kLateMs;
    std::vector<Call*> live;
    live.reserve(calls_.size());
    for (auto& [id, call] : calls_)
      if (call->state == Call::State::kEstablished) live.push_back(call.get());
    for (Call* c : live)
      if (c->state == Call::State::kEstablished) MediaTick(c);
    auto work_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    dead_.clear();  // after the frames are out: freeing sockets must not delay them
    uint64_t sent = live.size();
    uint64_t received = rtp_received_;
    rtp_received_ = 0;
    UpdateStats([&](GatewayStats& s) {
      ++s.ticks;
      if (late) ++s.late_ticks;
      s.max_tick_us = std::max<uint64_t>(s.max_tick_us, static_cast<uint64_t>(work_us));
      s.rtp_sent += sent;
      s.rtp_received += received;
    });
    if (++ticks_since_report_ >= 500 && !calls_.empty()) {  // every 10 s while calls are up
      ticks_since_report_ = 0;
      GatewayStats st = stats();
      log::Info(
          "media.stats active={} ticks={} late_ticks={} max_tick_us={} rtp_sent={} "
          "rtp_received={} keys={}",
          calls_.size(), st.ticks, st.late_ticks, st.max_tick_us, st.rtp_sent, st.rtp_received,
          st.digits);
    }
    next_tick_ += kTickMs;
    uint64_t after = tmr_jiffies();
    if (after > next_tick_ + 200) next_tick_ = after + kTickMs;  // after a stall, do not burst
    tmr_start(&tick_, next_tick_ > after ? next_tick_ - after : 0, &GatewayImpl::OnTick, this);
  }

  void MediaTick(Call* c) {
    int16_t in[kFrameSamples] = {};
    int16_t out[kFrameSamples] = {};
    // Packets may carry 10-60 ms (ptime): decode whole packets into a FIFO, play 20 ms of it.
    while (c->rx_pcm.size() < static_cast<size_t>(kFrameSamples)) {
      auto packet = c->jitter.Pop();
      if (!packet) break;  // loss or underrun: silence for what is missing
      size_t n = std::min<size_t>(packet->size(), 480);
      int16_t decoded[480];
      Decode(c->codec, packet->data(), n, decoded);
      c->rx_pcm.insert(c->rx_pcm.end(), decoded, decoded + n);
    }
    size_t have = std::min<size_t>(c->rx_pcm.size(), kFrameSamples);
    std::copy(c->rx_pcm.begin(), c->rx_pcm.begin() + have, in);
    c->rx_pcm.erase(c->rx_pcm.begin(), c->rx_pcm.begin() + have);
    if (c->inband && !c->got_rfc4733) c->inband->Process(in, kFrameSamples);
    if (c->state != Call::State::kEstablished) return;  // a key handler hung up
    if (c->speech) DetectSpeech(c, in);
    if (c->state != Call::State::kEstablished) return;

    // RFC 3551: the marker bit flags the first packet of a talkspurt, here the first packet of
    // a prompt after silence or after a prompt was cut off (barge-in).
    if (!c->prompts.empty() && c->prompts.front().pos == 0 && c->idle) c->marker = true;
    c->idle = c->prompts.empty();
    size_t filled = 0;
    while (filled < static_cast<size_t>(kFrameSamples) && !c->prompts.empty()) {
      Prompt& p = c->prompts.front();
      size_t n = std::min(static_cast<size_t>(kFrameSamples) - filled, p.audio->size() - p.pos);
      std::memcpy(out + filled, p.audio->data() + p.pos, n * sizeof(int16_t));
      filled += n;
      p.pos += n;
      if (p.pos >= p.audio->size()) {
        uint64_t id = p.id;
        c->prompts.pop_front();
        handler_->OnPlaybackDone(c->info.id, id, false);
        break;  // the next prompt starts on the next frame
      }
    }

    mbuf* mb = c->tx;
    mb->pos = RTP_HEADER_SIZE;
    mb->end = RTP_HEADER_SIZE;
    if (mbuf_resize(mb, RTP_HEADER_SIZE + kFrameSamples) == 0) {
      Encode(c->codec, out, kFrameSamples, mb->buf + RTP_HEADER_SIZE);
      mb->end = RTP_HEADER_SIZE + kFrameSamples;
      mb->pos = RTP_HEADER_SIZE;
      (void)rtp_send(c->rtp, &c->remote, false, c->marker, static_cast<uint8_t>(c->codec), c->ts,
                     mb);
      c->marker = false;
    }
    c->ts += kFrameSamples;

    if (c->recording) {
      int16_t stereo[2 * kFrameSamples];
      for (int i = 0; i < kFrameSamples; ++i) {
        stereo[2 * i] = in[i];
        stereo[2 * i + 1] = out[i];
      }
      c->recording->Write(stereo, 2 * kFrameSamples);
    }
  }

  GatewayOptions options_;
  CallHandler* handler_;
  std::thread thread_;
  std::atomic<uint16_t> port_{0};

  std::mutex mq_mu_;
  mqueue* mq_ = nullptr;  // guarded by mq_mu_ for pushes from other threads

  mutable std::mutex stats_mu_;
  GatewayStats stats_;

  // The libre thread only.
  bool libre_ready_ = false;
  sip* sip_ = nullptr;
  sip_lsnr* lsnr_ = nullptr;
  sipsess_sock* sock_ = nullptr;
  sa rtp_ip_{};
  tmr tick_{};
  tmr shutdown_tmr_{};
  uint64_t next_tick_ = 0;
  uint64_t rtp_received_ = 0;
  int ticks_since_report_ = 0;
  CallId next_id_ = 1;
  std::unordered_map<CallId, std::unique_ptr<Call>> calls_;
  std::vector<std::unique_ptr<Call>> dead_;
};

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::Start(const GatewayOptions& options,
                                                CallHandler* handler) {
  if (!handler) return InvalidArgument("gateway needs a call handler");
  bool expected = false;
  if (!g_running.compare_exchange_strong(expected, true))
    return FailedPrecondition("a SIP gateway already runs in this process (libre is global)");
  auto gw = std::make_unique<GatewayImpl>(options, handler);
  Status s = gw->Run();
  if (!s.ok()) return s;  // ~GatewayImpl clears g_running
  return std::unique_ptr<Gateway>(std::move(gw));
}

}  // namespace zx::telephony
