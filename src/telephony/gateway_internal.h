// The gateway's implementation, shared by its source files (not part of the module's API):
//   gateway.cc           start/stop, commands, inbound calls, the end of every call
//   gateway_media.cc     RTP in, the shared 20 ms ticker, RTP out, recording
//   gateway_outbound.cc  Originate, progress and outcome, digest authentication, REGISTER
//   gateway_dialog.cc    in-dialog requests: re-INVITE (hold), REFER transfer
//   call_sdp.cc          the SDP of a call: our formats, the codec of the answer, hold
// Everything below runs on the libre thread unless a comment says otherwise.
#pragma once

extern "C" {
#include <re.h>
}

#include <atomic>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "telephony/dtmf.h"
#include "telephony/endpoint.h"
#include "telephony/g711.h"
#include "telephony/gateway.h"
#include "telephony/jitter_buffer.h"
#include "telephony/sip_guard.h"

namespace zx::telephony::internal {

inline constexpr const char* kAllow = "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY\r\n";
inline constexpr int kTelephoneEventPt = 101;
inline constexpr uint64_t kTickMs = kFrameMs;
inline constexpr uint64_t kLateMs = 10;
// After a key, speech detection ignores the caller for this many frames: a tone is not speech.
inline constexpr int kDigitMuteFrames = 15;

enum CommandKind { kPlay = 1, kStop, kHangup, kOriginate, kTransfer, kShutdown };

// What Originate() prepared on the caller's thread.
struct OutboundRequest {
  DialTarget target;
  std::string from_uri;
  std::string from_masked;
  std::string display_name;
  std::string extra_headers;  // "Name: value\r\n"...
  int ring_timeout_ms = 30000;
  std::shared_ptr<CallHandler> handler;  // the call's events
};

struct Command {
  CallId call = 0;
  SharedPcm audio;
  uint64_t prompt_id = 0;
  std::unique_ptr<OutboundRequest> outbound;  // kOriginate
  std::string target;                         // kTransfer
};

inline std::string PlStr(const pl& p) { return p.p ? std::string(p.p, p.l) : std::string(); }

class GatewayImpl;

struct Prompt {
  SharedPcm audio;
  uint64_t id = 0;
  size_t pos = 0;
};

struct Call {
  // kRinging: inbound, not answered yet; kCalling: outbound, no final response yet;
  // kAnswered: inbound, 200 sent, waiting for the ACK.
  enum class State { kRinging, kCalling, kAnswered, kEstablished, kEnded };

  GatewayImpl* gw = nullptr;
  CallInfo info;
  // This call's events (the router's for inbound calls, Originate's for outbound); set before
  // the call enters calls_, kept until the Call is freed.
  std::shared_ptr<CallHandler> handler;
  State state = State::kRinging;
  sipsess* sess = nullptr;
  struct rtp_sock* rtp = nullptr;
  sdp_session* sdp = nullptr;
  sdp_media* media = nullptr;
  mbuf* answer = nullptr;  // inbound: the SDP answer, kept for a delayed 200
  mbuf* tx = nullptr;      // reused RTP payload buffer
  tmr setup_tmr{};         // inbound: answer delay; outbound: ring timeout
  Codec codec = Codec::kPcmu;
  int te_pt = kTelephoneEventPt;
  sa remote{};                     // where we send, and the only source we accept media from
  bool remote_latched = false;     // the media source is fixed (first packet seen)
  std::string source_key;          // inbound: the IP address the INVITE came from
  bool counted_source = false;     // counts in calls_by_source_
  uint64_t last_media_ms = 0;      // tmr_jiffies() of the last RTP from the peer (or the answer)
  bool got_media = false;          // an RTP packet from the peer arrived since the answer
  bool recording_started = false;  // the recorder was asked (once, at the first packet)
  bool started = false;
  bool marker = true;
  bool idle = true;  // no prompt audio in the last frame (the next prompt starts a talkspurt)
  bool early_media = false;  // outbound: an SDP answer came with a provisional response
  bool held = false;         // the peer holds the call: send nothing
  int last_progress = 0;     // outbound: the last provisional code reported
  int final_code = 0;        // outbound: the final response that ended the attempt
  uint32_t ts = 0;
  JitterBuffer jitter;
  std::deque<int16_t> rx_pcm;  // decoded audio of the other party not yet played out
  Rfc4733Receiver rfc4733;
  bool got_rfc4733 = false;
  std::unique_ptr<InbandDtmfDetector> inband;
  std::unique_ptr<UtteranceDetector> speech;
  int speech_muted_frames = 0;
  size_t speech_streamed = 0;  // samples of the utterance in progress given to OnSpeechAudio
  std::deque<Prompt> prompts;
  std::unique_ptr<RecordingSink> recording;
  // Transfer (REFER) in progress.
  sipsub* refer = nullptr;
  tmr refer_tmr{};
  bool transfer_final = false;  // a final transfer result was reported

  explicit Call(int jitter_depth) : jitter(jitter_depth) {
    tmr_init(&setup_tmr);
    tmr_init(&refer_tmr);
  }
  ~Call();
};

// SDP of a call (call_sdp.cc).
// Our session at `addr` (RTP address and port): PCMU, PCMA, telephone-event 0-15, ptime 20.
int BuildLocalSdp(Call* c, const sa* addr);
// After an offer or answer was decoded: picks the first PCMU/PCMA of the remote list that we
// support and the telephone-event payload type; false when there is no common codec.
bool NegotiateCodec(Call* c);
// The remote description stops our sending: sendonly/inactive from the peer, or c=0.0.0.0.
bool RemoteHolds(const sdp_media* media);
// Whether a SIP message carries an SDP body.
bool HasSdp(const sip_msg* msg);
// What makes the SDP body of `msg` unusable for media on `local` (sip_guard.h), "" if nothing.
std::string SdpBodyProblem(const sip_msg* msg, const sa* local);

class GatewayImpl final : public Gateway {
 public:
  GatewayImpl(GatewayOptions options, InboundCallRouter* router);
  ~GatewayImpl() override;

  Status Run();

  // ---- Gateway (any thread) ----
  uint16_t port() const override { return port_; }
  void Play(CallId call, SharedPcm audio, uint64_t prompt_id) override;
  void StopPlayback(CallId call) override;
  void Hangup(CallId call) override;
  Result<CallId> Originate(const std::string& number_or_uri, const OriginateOptions& options,
                           std::shared_ptr<CallHandler> handler) override;
  Status Transfer(CallId call, const std::string& target_uri,
                  const std::vector<std::pair<std::string, std::string>>& headers) override;
  GatewayStats stats() const override;
  RegistrationStatus registration() const override;

 private:
  // ---- any thread ----
  bool Push(int kind, Command* cmd);
  template <typename F>
  void UpdateStats(F f) {
    std::lock_guard lock(stats_mu_);
    f(stats_);
  }
  template <typename F>
  void UpdateRegistration(F f) {
    std::lock_guard lock(stats_mu_);
    f(registration_);
  }
  // Takes one of max_calls; false when all are in use.
  bool ReserveCallSlot();
  void ReleaseCallSlot() { active_calls_.fetch_sub(1); }
  // options_.not_taking_calls, "" without it.
  std::string WhyNoNewCalls() const {
    return options_.not_taking_calls ? options_.not_taking_calls() : std::string();
  }

  // ---- gateway.cc ----
  void Loop(std::promise<Status>& started);
  Status Setup();
  void Teardown();
  Call* Find(CallId id);
  static void OnCommand(int kind, void* data, void* arg);
  void Shutdown();
  static bool OnRequest(const sip_msg* msg, void* arg);
  void Reply(const sip_msg* msg, uint16_t code, const char* reason);
  // An INVITE over a capacity limit: over_capacity_code (486, or 503 with Retry-After).
  void RefuseBusy(const sip_msg* msg);
  static void OnConnect(const sip_msg* msg, void* arg);
  void HandleInvite(const sip_msg* msg);
  static void OnAnswerTimer(void* arg);
  static int OnAnswer(const sip_msg* msg, void* arg);
  static void OnEstablished(const sip_msg* msg, void* arg);
  static void OnClose(int err, const sip_msg* msg, void* arg);
  void HangupCall(Call* c, const char* reason);
  void EndCall(Call* c, const std::string& reason);
  // An outbound call ends unanswered: OnCallFailed(outcome, code).
  void FailCall(Call* c, CallOutcome outcome, int sip_code, const std::string& why);
  void Forget(Call* c);
  void StopPrompts(Call* c);
  void ReportDigit(Call* c, char digit, DigitSource source);
  // In-band DTMF and speech detection for a call whose media is negotiated.
  void SetUpDetectors(Call* c);
  void StartRecording(Call* c);
  // Per-source accounting of inbound calls (max_calls_per_source).
  void ReleaseSourceSlot(Call* c);
  // Ends established calls that have had no media for no_media_timeout_ms.
  void CheckNoMedia(uint64_t now);
  // Raises the listen backlog of our SIP/TCP socket (libre listens with a tiny one).
  void SetTcpBacklog();

  // ---- gateway_media.cc ----
  static void OnRtp(const sa* src, const rtp_header* hdr, mbuf* mb, void* arg);
  static void OnTick(void* arg);
  void Tick();
  void MediaTick(Call* c);
  void ReceiveFrame(Call* c, int16_t* in);
  bool SendFrame(Call* c, int16_t* out);  // true when a packet went out
  void DetectSpeech(Call* c, const int16_t* in);
  void StreamSpeech(Call* c);  // hands the settled audio of the utterance in progress over
  // Whether RTP from `src` belongs to the call (see GatewayOptions::rtp_latching).
  bool AcceptMediaFrom(Call* c, const sa* src);

  // ---- gateway_outbound.cc ----
  void StartOutbound(CallId id, std::unique_ptr<OutboundRequest> request);
  static void OnProgress(const sip_msg* msg, void* arg);
  static void OnRingTimeout(void* arg);
  static int OnAuth(char** username, char** password, const char* realm, void* arg);
  Status StartRegistration();
  static void OnRegisterResponse(int err, const sip_msg* msg, void* arg);
  std::string DefaultFromUser() const;

  // ---- gateway_dialog.cc ----
  static int OnOffer(mbuf** descp, const sip_msg* msg, void* arg);
  void ApplyHold(Call* c, bool held);
  void StartTransfer(Call* c, const std::string& target);
  void ReportTransfer(Call* c, TransferState state, int sip_code);
  static void OnReferNotify(sip* sip, const sip_msg* msg, void* arg);
  static void OnReferClose(int err, const sip_msg* msg, const sipevent_substate* substate,
                           void* arg);
  static void OnTransferTimeout(void* arg);

  GatewayOptions options_;
  InboundCallRouter* router_;
  std::thread thread_;
  std::atomic<uint16_t> port_{0};
  std::atomic<CallId> next_id_{1};
  std::atomic<int> active_calls_{0};  // calls in calls_ plus originations on their way
  std::string from_host_;             // host[:port] of From for calls without a trunk domain

  std::mutex mq_mu_;
  mqueue* mq_ = nullptr;  // guarded by mq_mu_ for pushes from other threads

  mutable std::mutex stats_mu_;
  GatewayStats stats_;
  RegistrationStatus registration_;

  // The libre thread only.
  bool libre_ready_ = false;
  bool stopping_ = false;  // Shutdown ran: no new calls
  sip* sip_ = nullptr;
  dnsc* dnsc_ = nullptr;
  sip_lsnr* lsnr_ = nullptr;
  sipsess_sock* sock_ = nullptr;
  sipevent_sock* evsock_ = nullptr;
  sipreg* reg_ = nullptr;
  sa rtp_ip_{};
  tmr tick_{};
  tmr shutdown_tmr_{};
  uint64_t next_tick_ = 0;
  uint64_t rtp_received_ = 0;
  uint64_t rtp_sent_ = 0;
  int ticks_since_report_ = 0;
  std::unordered_map<CallId, std::unique_ptr<Call>> calls_;
  std::vector<std::unique_ptr<Call>> dead_;
  AllowList allow_;
  std::unordered_map<std::string, int> calls_by_source_;  // "IP" -> inbound calls
  uint64_t foreign_logged_ms_ = 0;                        // rate limit of the foreign-RTP warning
  uint64_t foreign_since_log_ = 0;
  int ticks_since_media_check_ = 0;
  // GET /metrics (null without options_.metrics).
  Counter* m_foreign_ = nullptr;
  Counter* m_refused_source_ = nullptr;
  Counter* m_forbidden_ = nullptr;
  Counter* m_capacity_ = nullptr;
  Counter* m_no_media_ = nullptr;
};

}  // namespace zx::telephony::internal
