// Gateway: the SIP user agent and RTP media of zhixian, over libre 1.1.0.
//
// Answers inbound INVITEs (UDP and TCP) with an SDP answer for PCMU/PCMA and telephone-event;
// handles ACK, BYE and CANCEL before answer; refuses calls over `max_calls` with 486 or 503;
// answers a request it cannot make sense of (missing headers, CSeq that does not match, an
// INVITE whose SDP does not parse) with 400 and carries on; messages that are not SIP at all
// are dropped by libre.
//
// Media: one shared 20 ms ticker drives every call (STACK.md: a timer per call collapses at a
// few hundred calls); per tick and call it plays out one frame of the jitter buffer (in-band
// DTMF detection and recording of the caller) and sends one RTP packet of the prompt queue or
// silence (recorded as the other channel). RFC 4733 keys are reported as soon as they arrive.
// Each call's audio also goes through voice activity detection (endpoint.h): speech stops the
// prompt and each finished utterance is handed to the handler.
// Recordings are 8 kHz stereo (left: caller, right: zhixian), written to the sink that
// `recorder` makes for each answered call.
//
// Threads: libre runs on the gateway's own thread (signalling, RTP and the ticker); the public
// methods are thread-safe and hand work to that thread with mqueue_push. CallHandler methods
// are invoked on that thread and must return quickly (post the work elsewhere).
// libre keeps process-wide state: only one Gateway may run at a time in a process.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "telephony/endpoint.h"
#include "telephony/media.h"
#include "telephony/recording.h"

namespace zx::telephony {

using CallId = uint64_t;

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
  // Voice activity and end of utterance on every call (endpoint.h): the caller's speech
  // stops the prompt (barge-in) and each utterance is handed to OnUtterance.
  bool detect_speech = true;
  bool barge_in_on_speech = true;
  EndpointOptions endpoint;
  VadOptions vad;
  RecordingFactory recorder;  // empty: no recordings (see WavFileRecordings)
  int thread_nice = -10;      // nice value of the SIP/media thread (best effort, CAP_SYS_NICE)
};

struct CallInfo {
  CallId id = 0;
  std::string caller_masked;  // "138****5678"; never the full number
  std::string called_user;    // the dialled user part, e.g. "12345"
  std::string codec;          // "PCMU" or "PCMA"
};

enum class DigitSource { kRfc4733, kInband };
const char* DigitSourceName(DigitSource source);

// Events of the gateway, on its thread. Must not block.
class CallHandler {
 public:
  virtual ~CallHandler() = default;
  // The call is answered and acknowledged: media flows.
  virtual void OnCallStarted(const CallInfo& call) = 0;
  virtual void OnDigit(CallId call, char digit, DigitSource source) = 0;
  // The caller started speaking (the prompt was stopped if barge_in_on_speech).
  virtual void OnSpeechStarted(CallId /*call*/) {}
  // The caller finished an utterance (8 kHz PCM with a little silence around it), for speech
  // recognition. Move the audio out; do not process it on this thread.
  virtual void OnUtterance(CallId /*call*/, Pcm /*audio*/, EndReason /*reason*/) {}
  // A queued prompt ended: played to the end, or stopped (barge-in, StopPlayback).
  virtual void OnPlaybackDone(CallId call, uint64_t prompt_id, bool interrupted) = 0;
  // The call is over ("bye", "cancel", "hangup", "timeout", "error: ..."). Every call that was
  // started ends exactly once; a call cancelled before answer ends without starting.
  virtual void OnCallEnded(CallId call, const std::string& reason) = 0;
};

struct GatewayStats {
  uint64_t calls_offered = 0;
  uint64_t calls_answered = 0;
  uint64_t calls_rejected = 0;  // over capacity
  uint64_t bad_requests = 0;    // answered 400
  uint64_t active_calls = 0;
  uint64_t ticks = 0;
  uint64_t late_ticks = 0;   // ticks that started more than 10 ms late
  uint64_t max_tick_us = 0;  // longest work of one tick
  uint64_t rtp_sent = 0;
  uint64_t rtp_received = 0;
  uint64_t digits = 0;
  uint64_t utterances = 0;
};

class Gateway {
 public:
  // Binds the SIP transports and starts the libre thread. kInvalidArgument for a bad listen
  // address or option, kUnavailable when the address cannot be bound, kFailedPrecondition when
  // a gateway already runs in this process. `handler` must outlive the gateway.
  static Result<std::unique_ptr<Gateway>> Start(const GatewayOptions& options,
                                                CallHandler* handler);
  // Hangs up every call (BYE) and stops the thread.
  virtual ~Gateway() = default;

  // The bound SIP port (useful with port 0).
  virtual uint16_t port() const = 0;

  // Appends a prompt to the call's play queue; OnPlaybackDone(prompt_id) follows. Unknown or
  // ended calls are ignored.
  virtual void Play(CallId call, SharedPcm audio, uint64_t prompt_id) = 0;
  // Stops the current prompt and clears the queue (each gets OnPlaybackDone interrupted).
  virtual void StopPlayback(CallId call) = 0;
  // Ends the call with BYE (or rejects it if not answered yet).
  virtual void Hangup(CallId call) = 0;

  virtual GatewayStats stats() const = 0;
};

// "13812345678" -> "138****5678"; short values keep only their last two characters.
std::string MaskNumber(std::string_view number);

}  // namespace zx::telephony
