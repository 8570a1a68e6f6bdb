// The calls of zhixian as the modules above telephony see them: one call's events
// (CallHandler), who takes an inbound call (InboundCallRouter), and what can be done to a call
// (CallControl). The SIP gateway (gateway.h) implements CallControl; a fake one
// (telephony/testing/fake_call_control.h) lets the phone menu and notice calls run in unit
// tests without SIP.
//
// Threads: CallControl methods are thread-safe and do not block (the gateway hands the work to
// its own thread). CallHandler and InboundCallRouter methods are called on the gateway's thread
// and must return quickly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "telephony/call_outcome.h"
#include "telephony/endpoint.h"
#include "telephony/media.h"
#include "telephony/trunk.h"

namespace zx::telephony {

using CallId = uint64_t;

// One outbound call.
struct OriginateOptions {
  int ring_timeout_ms = 30000;  // unanswered by then: CANCEL, outcome no_answer
  std::string caller_id;        // From user; empty: trunk.from_user, trunk.username, or `user`
  std::string display_name;     // From display name (no quotes or line breaks)
  // Extra request headers, e.g. {"X-Campaign-Attempt", "c42-t17-a2"} so that the far end can
  // recognise a retried attempt.
  std::vector<std::pair<std::string, std::string>> headers;
  SipTransport transport = SipTransport::kDefault;  // kDefault: the trunk's
};

enum class CallDirection { kInbound, kOutbound };
const char* CallDirectionName(CallDirection direction);  // "inbound", "outbound"

struct CallInfo {
  CallId id = 0;
  CallDirection direction = CallDirection::kInbound;
  std::string caller_masked;  // "138****5678"; never the full number (outbound: our caller id)
  // Inbound: the caller's number (From user part) in full, for a call-back the caller asks for.
  // Personal data: never log it; whoever keeps it seals it. Outbound: empty.
  std::string caller;
  // Inbound: the dialled user part, e.g. "12345". Outbound: the dialled number, masked.
  std::string called_user;
  std::string codec;  // "PCMU" or "PCMA"
};

enum class DigitSource { kRfc4733, kInband };
const char* DigitSourceName(DigitSource source);

// Progress of a REFER transfer (Transfer()).
enum class TransferState {
  kAccepted,   // the peer took the REFER (202) or reports a provisional result (1xx sipfrag)
  kSucceeded,  // NOTIFY with a 2xx sipfrag: the call is ended with BYE (reason "transferred")
  kFailed,     // REFER refused, or the transfer target failed (sipfrag >= 300): the call stays
  kTimedOut,   // no final NOTIFY within transfer_timeout_ms: the call stays
};
const char* TransferStateName(TransferState state);  // "accepted", "succeeded", ...

// The events of ONE call, on the gateway's thread. Must not block (post the work elsewhere).
// Each call has its own handler: an inbound call the one its InboundCallRouter returned, an
// outbound call the one given to Originate; so a handler never has to guess whose call an
// event belongs to. The gateway holds it (shared) until the call is forgotten.
class CallHandler {
 public:
  virtual ~CallHandler() = default;
  // The call is answered and acknowledged: media flows (an outbound call's outcome is then
  // "answered").
  virtual void OnCallStarted(const CallInfo& call) = 0;
  // A key; also during early media of an outbound call (before OnCallStarted).
  virtual void OnDigit(CallId call, char digit, DigitSource source) = 0;
  // The caller started speaking (the prompt was stopped if barge_in_on_speech).
  virtual void OnSpeechStarted(CallId /*call*/) {}
  // More of the utterance being spoken (after OnSpeechStarted; about every speech_chunk_ms), so
  // that a recognizer can show its text while the caller still speaks. The pieces of one
  // utterance, joined, begin the audio its OnUtterance hands over (which still holds all of
  // it). Move the audio out; do not process it on this thread.
  virtual void OnSpeechAudio(CallId /*call*/, Pcm /*audio*/) {}
  // What OnSpeechStarted began ends without an utterance: too short (min_speech_ms) or cut by
  // a key.
  virtual void OnSpeechAbandoned(CallId /*call*/) {}
  // The caller finished an utterance (8 kHz PCM with a little silence around it), for speech
  // recognition. Move the audio out; do not process it on this thread.
  virtual void OnUtterance(CallId /*call*/, Pcm /*audio*/, EndReason /*reason*/) {}
  // A queued prompt ended: played to the end, or stopped (barge-in, StopPlayback).
  virtual void OnPlaybackDone(CallId call, uint64_t prompt_id, bool interrupted) = 0;
  // The call is over ("bye", "cancel", "hangup", "transferred", "timeout", "error: ..."). Every
  // call that was started ends exactly once; a call cancelled before answer ends without
  // starting.
  virtual void OnCallEnded(CallId call, const std::string& reason) = 0;

  // Outbound: a provisional response (180 ringing, 183 session progress); `early_media` when it
  // carried an SDP answer (media from the far end is then received: in-band keys, no recording).
  virtual void OnCallProgress(CallId call, int sip_code, bool early_media) {}
  // Outbound: the call ended without being answered, exactly once, instead of
  // OnCallStarted/OnCallEnded. `sip_code` is the final response, 0 when there was none (ring
  // timeout, transport error, our own cancel).
  virtual void OnCallFailed(CallId call, CallOutcome outcome, int sip_code) {}
  // The peer put the call on hold (held: we send no RTP) or resumed it.
  virtual void OnHold(CallId call, bool held) {}
  // Progress of Transfer(); `sip_code` is the REFER response or the NOTIFY sipfrag status.
  virtual void OnTransfer(CallId call, TransferState state, int sip_code) {}
};

// Who takes an inbound call. Asked once per offered call, on the gateway's thread, after the
// INVITE was accepted for capacity and media and before it is answered; must not block.
class InboundCallRouter {
 public:
  virtual ~InboundCallRouter() = default;
  // The handler of this call's events (OnCallStarted when answered, ... OnCallEnded; nothing
  // more if the caller cancels before the answer). Null refuses the call (503).
  virtual std::shared_ptr<CallHandler> OnIncoming(const CallInfo& call) = 0;
};

// What can be done to a call. Thread-safe; nothing blocks. Results arrive as events of the
// call's CallHandler.
class CallControl {
 public:
  virtual ~CallControl() = default;

  // Appends a prompt to the call's play queue; OnPlaybackDone(prompt_id) follows. Unknown or
  // ended calls are ignored.
  virtual void Play(CallId call, SharedPcm audio, uint64_t prompt_id) = 0;
  // Stops the current prompt and clears the queue (each gets OnPlaybackDone interrupted).
  virtual void StopPlayback(CallId call) = 0;
  // Ends the call with BYE (or rejects it if not answered yet; an outbound call not answered
  // yet is cancelled: OnCallFailed(cancelled)).
  virtual void Hangup(CallId call) = 0;

  // Places an outbound call to a number (through the trunk) or a SIP URI, whose events go to
  // `handler` (not null; held until the call is over): OnCallProgress..., then OnCallStarted
  // ... OnCallEnded, or OnCallFailed(outcome, code). The id is allocated at once; events may
  // arrive (on the gateway's thread) before Originate has returned.
  // Errors now (no event follows): kInvalidArgument (number, URI, header or option),
  // kFailedPrecondition (a number without a trunk), kResourceExhausted (max_calls reached),
  // kUnavailable (stopping).
  virtual Result<CallId> Originate(const std::string& number_or_uri,
                                   const OriginateOptions& options,
                                   std::shared_ptr<CallHandler> handler) = 0;

  // Transfers an established call to `target_uri` (a SIP URI, or a number through the trunk)
  // with REFER; `headers` ride in the Refer-To URI into the target's INVITE (e.g. the
  // conversation id for the agent). Progress arrives as OnTransfer. kInvalidArgument for a
  // malformed URI or header; a call that is not established is reported as
  // OnTransfer(kFailed, 0) (a call already forgotten has no handler left to tell).
  virtual Status Transfer(CallId call, const std::string& target_uri,
                          const std::vector<std::pair<std::string, std::string>>& headers = {}) = 0;
};

// A handler that the caller keeps alive itself (it must outlive every call given it), as a
// shared_ptr that does not own it.
inline std::shared_ptr<CallHandler> Unowned(CallHandler& handler) {
  return std::shared_ptr<CallHandler>(std::shared_ptr<void>(), &handler);
}

}  // namespace zx::telephony
