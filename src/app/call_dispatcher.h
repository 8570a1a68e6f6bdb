// CallDispatcher: the gateway has one CallHandler; this one passes each call's events to the
// part of the app that owns the call: calls that came in to the IVR (VoiceBridge), calls that
// zhixian placed to the outbound side (NoticeCalls).
//
// It tells them apart by the events themselves: only outbound calls get OnCallProgress and
// OnCallFailed, and OnCallStarted says the direction. An outbound call's first event is always
// one of those three (keys in early media follow the progress that opened it), so by the time
// an event carries only a call id, the call is known. Inbound is the default.
//
// Threads: every method runs on the gateway's thread (the only one that touches the set of
// outbound calls); each handler gets its events in the gateway's order.
#pragma once

#include <string>
#include <unordered_set>

#include "telephony/gateway.h"

namespace zx::app {

class CallDispatcher final : public telephony::CallHandler {
 public:
  // `inbound` and `outbound` must outlive the dispatcher; `outbound` may be null (outbound
  // events are then dropped).
  CallDispatcher(telephony::CallHandler& inbound, telephony::CallHandler* outbound)
      : inbound_(inbound), outbound_(outbound) {}

  void OnCallStarted(const telephony::CallInfo& call) override;
  void OnDigit(telephony::CallId call, char digit, telephony::DigitSource source) override;
  void OnSpeechStarted(telephony::CallId call) override;
  void OnUtterance(telephony::CallId call, telephony::Pcm audio,
                   telephony::EndReason reason) override;
  void OnPlaybackDone(telephony::CallId call, uint64_t prompt_id, bool interrupted) override;
  void OnCallEnded(telephony::CallId call, const std::string& reason) override;
  void OnCallProgress(telephony::CallId call, int sip_code, bool early_media) override;
  void OnCallFailed(telephony::CallId call, telephony::CallOutcome outcome, int sip_code) override;
  void OnHold(telephony::CallId call, bool held) override;
  void OnTransfer(telephony::CallId call, telephony::TransferState state, int sip_code) override;

  // Outbound calls known and not yet ended (for tests and stats).
  size_t outbound_calls() const { return outbound_calls_.size(); }

 private:
  // The handler of a call that has been seen before; null for an outbound call without one.
  telephony::CallHandler* For(telephony::CallId call) const;

  telephony::CallHandler& inbound_;
  telephony::CallHandler* outbound_;
  std::unordered_set<telephony::CallId> outbound_calls_;
};

}  // namespace zx::app
