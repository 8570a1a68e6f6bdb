// Gateway: the SIP user agent and RTP media of zhixian, over libre 1.1.0.
//
// Inbound: answers INVITEs (UDP and TCP) with an SDP answer for PCMU/PCMA and telephone-event;
// handles ACK, BYE and CANCEL before answer; refuses calls over `max_calls` with 486 or 503, and
// every new call with 503 while the node takes none (`not_taking_calls`: draining, database
// unreachable); answers OPTIONS pings 200, or 503 while it takes no new calls; answers a
// request it cannot make sense of (missing headers, CSeq that does not match, an INVITE whose
// SDP does not parse, a From without tag) with 400, an offer whose addresses or ports we cannot
// use with 488, and carries on; messages that are not SIP at all are dropped by libre. Strangers
// are kept in bounds: an optional allow-list of peers (403 for others), a limit of calls per source
// address, media only from the SDP address, calls without media ended after a timeout, and
// recordings only once media has arrived.
//
// Outbound: Originate() places a call through the configured trunk (outbound proxy, digest
// authentication on 401/407, optional REGISTER) or straight to a SIP URI, with an SDP offer for
// PCMU, PCMA and telephone-event; the answer picks the codec. Ringing and early media (183 with
// SDP: media is received and in-band keys detected) are reported as progress; an unanswered
// call ends with an outcome (busy, no answer, ...) and its SIP code; calls over `max_calls`
// (inbound and outbound together) are refused at once.
//
// In-dialog: Transfer() sends REFER and follows the NOTIFY sipfrag (the call is ended with BYE
// when the transfer succeeds); a re-INVITE that puts us on hold (sendonly, inactive or
// c=0.0.0.0) stops our RTP until the peer resumes (OnHold).
//
// Media: one shared 20 ms ticker drives every call (docs/telephony.md: a timer per call collapses
// at a few hundred calls); per tick and call it plays out one frame of the jitter buffer (in-band
// DTMF detection and recording of the caller) and sends one RTP packet of the prompt queue or
// silence (recorded as the other channel). RFC 4733 keys are reported as soon as they arrive.
// Recordings are 8 kHz stereo (left: the other party, right: zhixian), written to the sink
// that `recorder` makes for each answered call when its first RTP packet arrives.
//
// Threads: libre runs on the gateway's own thread (signalling, RTP and the ticker); the public
// methods are thread-safe and hand work to that thread with mqueue_push. CallHandler and
// InboundCallRouter methods are invoked on that thread and must return quickly (post the work
// elsewhere). Each call's events go to its own handler (call_control.h).
// libre keeps process-wide state: only one Gateway may run at a time in a process.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "telephony/call_control.h"
#include "telephony/call_outcome.h"
#include "telephony/endpoint.h"
#include "telephony/media.h"
#include "telephony/recording.h"
#include "telephony/trunk.h"

namespace zx::telephony {

struct GatewayOptions {
  std::string listen = "127.0.0.1:5060";  // HOST:PORT for UDP and TCP; port 0 picks a free one
  std::string user = "zhixian";           // the user part of our Contact
  int max_calls = 500;                    // calls beyond this are refused
  int over_capacity_code = 486;           // 486 Busy Here or 503 Service Unavailable
  int answer_delay_ms = 0;                // ring (180) this long before answering (200)
  uint16_t rtp_port_min = 20000;          // RTP ports (even; RTCP is not used)
  uint16_t rtp_port_max = 59998;
  int jitter_depth = 2;         // frames buffered before playout starts
  bool inband_dtmf = true;      // detect DTMF tones in the audio (spandsp)
  bool barge_in_on_key = true;  // a key stops the prompt at once
  // Voice activity and end of utterance on every answered call (endpoint.h): the caller's
  // speech stops the prompt (barge-in) and each utterance is handed to OnUtterance.
  bool detect_speech = true;
  bool barge_in_on_speech = true;
  // While the caller speaks, the settled audio of the utterance goes to OnSpeechAudio in pieces
  // of about this length (a copy and a hand-over each, never more often than once per tick);
  // 0: only the whole utterance at its end.
  int speech_chunk_ms = 100;
  EndpointOptions endpoint;
  VadOptions vad;
  RecordingFactory recorder;  // empty: no recordings (see WavFileRecordings)
  int thread_nice = -10;      // nice value of the SIP/media thread (best effort, CAP_SYS_NICE)
  TrunkOptions trunk;         // outbound calls and registration (trunk.h)
  int transfer_timeout_ms = 30000;  // REFER without a final NOTIFY by then: kTimedOut

  // Defences against strangers on the SIP port (docs/telephony.md, "Exposure").
  // Media is accepted only from the address and port of the peer's SDP. With latching, the
  // first packet from elsewhere (a phone behind NAT) is adopted instead, but only while nothing
  // has come from the SDP address yet; after that the source is fixed.
  bool rtp_latching = false;
  // Concurrent inbound calls from one IP address (any port); more are refused with
  // over_capacity_code. Peers in allow_from are exempt (a trunk carries every caller). 0: off.
  int max_calls_per_source = 10;
  // An answered call from which no RTP has arrived at all for this long is ended with BYE,
  // reason "no_media" (a silent INVITE holding a slot). 0: never.
  int no_media_timeout_ms = 10000;
  // ... and one whose media stopped, after this long without a packet (the peer vanished
  // without BYE). Not while on hold. 0: never.
  int media_idle_timeout_ms = 60000;
  // Peers that may place calls: addresses or CIDR prefixes separated by commas
  // ("10.0.0.5, 192.168.1.0/24"). Others get 403. Empty: everyone.
  std::string allow_from;
  int tcp_backlog = 1024;  // listen queue of SIP over TCP (the kernel caps it at somaxconn)
  // Why this node takes no new calls now, "" when it does (base/readiness.h: draining, database
  // unreachable): OPTIONS pings are answered 503 with it, so that a dispatcher sends calls to
  // another node, and new INVITEs 503 with Retry-After; calls in progress go on. OPTIONS is
  // answered 503 at max_calls too. Called on the SIP thread: must be quick. Unset: always "".
  std::function<std::string()> not_taking_calls;
  // A caller refused before answer for want of room: "capacity" (max_calls) or "per_source"
  // (max_calls_per_source), for the dashboard's 接通率. Not for peers outside allow_from or a
  // draining node (a dispatcher sends those calls elsewhere). Called on the SIP thread: hand it
  // to another thread. May be empty.
  std::function<void(std::string_view reason)> on_refused;
  // Counters for GET /metrics (zhixian_sip_*); may be null. Must outlive the gateway.
  Metrics* metrics = nullptr;
};

enum class RegistrationState { kDisabled, kRegistering, kRegistered, kFailed };
const char* RegistrationStateName(RegistrationState state);

struct RegistrationStatus {
  RegistrationState state = RegistrationState::kDisabled;
  int last_code = 0;       // SIP code of the last REGISTER response, 0 for none
  uint32_t expires_s = 0;  // granted by the registrar
  uint64_t successes = 0;  // 2xx to REGISTER so far (renewals included)
  uint64_t failures = 0;
  std::string error;  // the last failure, for logs and status pages
};

struct GatewayStats {
  uint64_t calls_offered = 0;
  uint64_t calls_answered = 0;
  uint64_t calls_rejected = 0;  // over capacity (inbound and outbound)
  uint64_t calls_originated = 0;
  uint64_t calls_unanswered = 0;  // outbound calls that ended without an answer
  uint64_t bad_requests = 0;      // answered 400
  uint64_t active_calls = 0;
  uint64_t ticks = 0;
  uint64_t late_ticks = 0;   // ticks that started more than 10 ms late
  uint64_t max_tick_us = 0;  // longest work of one tick
  uint64_t rtp_sent = 0;     // RTP packets sent (none while a call is on hold)
  uint64_t rtp_received = 0;
  uint64_t digits = 0;
  uint64_t utterances = 0;
  uint64_t rtp_foreign_dropped = 0;   // RTP from an address other than the call's peer
  uint64_t calls_refused_source = 0;  // over max_calls_per_source
  uint64_t calls_forbidden = 0;       // not in allow_from (403)
  uint64_t calls_no_media = 0;        // ended by no_media_timeout_ms or media_idle_timeout_ms
  uint64_t pings = 0;                 // OPTIONS received (a dispatcher's probes)
  uint64_t pings_refused = 0;         // ... answered 503 (not_taking_calls, or at max_calls)
};

class Gateway : public CallControl {
 public:
  // Binds the SIP transports and starts the libre thread. Each inbound call's handler comes
  // from `router` (which must outlive the gateway); each outbound call's from Originate.
  // kInvalidArgument for a bad listen address or option, or no router; kUnavailable when the
  // address cannot be bound, kFailedPrecondition when a gateway already runs in this process.
  static Result<std::unique_ptr<Gateway>> Start(const GatewayOptions& options,
                                                InboundCallRouter* router);
  // Hangs up every call (BYE) and stops the thread.
  ~Gateway() override = default;

  // The bound SIP port (useful with port 0).
  virtual uint16_t port() const = 0;

  // CallControl (call_control.h): Play, StopPlayback, Hangup, Originate, Transfer.

  virtual GatewayStats stats() const = 0;
  virtual RegistrationStatus registration() const = 0;
};

// A caller or callee for logs and records: numbers by text::MaskPhone ("13812345678" ->
// "138****5678", "+8613812345678" -> "+86138****5678"); other user parts keep only their ends.
std::string MaskNumber(std::string_view number);

}  // namespace zx::telephony
