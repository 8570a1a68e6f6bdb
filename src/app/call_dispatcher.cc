#include "app/call_dispatcher.h"

namespace zx::app {

using telephony::CallId;

telephony::CallHandler* CallDispatcher::For(CallId call) const {
  return outbound_calls_.count(call) ? outbound_ : &inbound_;
}

void CallDispatcher::OnCallStarted(const telephony::CallInfo& call) {
  if (call.direction == telephony::CallDirection::kOutbound) {
    outbound_calls_.insert(call.id);
    if (outbound_) outbound_->OnCallStarted(call);
  } else {
    inbound_.OnCallStarted(call);
  }
}

void CallDispatcher::OnDigit(CallId call, char digit, telephony::DigitSource source) {
  if (auto* h = For(call)) h->OnDigit(call, digit, source);
}

void CallDispatcher::OnSpeechStarted(CallId call) {
  if (auto* h = For(call)) h->OnSpeechStarted(call);
}

void CallDispatcher::OnUtterance(CallId call, telephony::Pcm audio, telephony::EndReason reason) {
  if (auto* h = For(call)) h->OnUtterance(call, std::move(audio), reason);
}

void CallDispatcher::OnPlaybackDone(CallId call, uint64_t prompt_id, bool interrupted) {
  if (auto* h = For(call)) h->OnPlaybackDone(call, prompt_id, interrupted);
}

void CallDispatcher::OnCallEnded(CallId call, const std::string& reason) {
  if (auto* h = For(call)) h->OnCallEnded(call, reason);
  outbound_calls_.erase(call);
}

void CallDispatcher::OnCallProgress(CallId call, int sip_code, bool early_media) {
  outbound_calls_.insert(call);
  if (outbound_) outbound_->OnCallProgress(call, sip_code, early_media);
}

void CallDispatcher::OnCallFailed(CallId call, telephony::CallOutcome outcome, int sip_code) {
  outbound_calls_.erase(call);
  if (outbound_) outbound_->OnCallFailed(call, outcome, sip_code);
}

void CallDispatcher::OnHold(CallId call, bool held) {
  if (auto* h = For(call)) h->OnHold(call, held);
}

void CallDispatcher::OnTransfer(CallId call, telephony::TransferState state, int sip_code) {
  if (auto* h = For(call)) h->OnTransfer(call, state, sip_code);
}

}  // namespace zx::app
