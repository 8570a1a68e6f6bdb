// Requests inside an established call: the peer's re-INVITE (hold and resume, new address or
// codec) and our REFER transfer with its NOTIFY sipfrag reports (RFC 3515).
#include <cstring>

#include "base/log.h"
#include "telephony/gateway_internal.h"

namespace zx::telephony::internal {

namespace {

std::string MaskedTarget(const std::string& uri) {
  auto parsed = ParseSipUri(uri.substr(0, uri.find('?')));  // headers are not logged
  if (!parsed.ok()) return "?";
  parsed->user = parsed->user.empty() ? "" : MaskNumber(parsed->user);
  return parsed->ToString();
}

}  // namespace

// A new offer in the call (re-INVITE): answer with our formats and the matching direction
// (libre answers sendonly with recvonly), and follow hold and resume.
int GatewayImpl::OnOffer(mbuf** descp, const sip_msg* msg, void* arg) {
  auto* c = static_cast<Call*>(arg);
  if (!HasSdp(msg)) {
    // An offerless re-INVITE: we offer in the 200, the answer comes with the ACK (OnAnswer).
    return sdp_encode(descp, c->sdp, true);
  }
  if (std::string problem = SdpBodyProblem(msg, &c->gw->rtp_ip_); !problem.empty()) {
    log::Warn("call.reinvite_refused call={} reason=unusable_sdp problem=\"{}\"", c->info.id,
              problem);
    return EPROTO;
  }
  if (int err = sdp_decode(c->sdp, msg->mb, true); err) return err;
  if (!NegotiateCodec(c)) {
    log::Warn("call.reinvite_refused call={} reason=no_common_codec", c->info.id);
    return EPROTO;
  }
  bool held = RemoteHolds(c->media);
  if (int err = sdp_encode(descp, c->sdp, false); err) return err;
  c->gw->ApplyHold(c, held);
  return 0;
}

void GatewayImpl::ApplyHold(Call* c, bool held) {
  if (held == c->held) return;
  c->held = held;
  c->last_media_ms = tmr_jiffies();  // the no-media clock restarts after hold and resume
  if (!held) c->marker = true;       // a new talkspurt after the pause
  log::Info("call.hold call={} held={}", c->info.id, held ? 1 : 0);
  if (c->state == Call::State::kEstablished) c->handler->OnHold(c->info.id, held);
}

Status GatewayImpl::Transfer(CallId call, const std::string& target_uri,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  ZX_ASSIGN_OR_RETURN(auto uri_headers, UriHeaders(headers));
  std::string target;
  if (target_uri.find(':') == std::string::npos) {
    // A number or extension: through the trunk, like Originate.
    ZX_ASSIGN_OR_RETURN(DialTarget resolved,
                        ResolveDialTarget(target_uri, options_.trunk, SipTransport::kDefault));
    target = resolved.request_uri;
  } else {
    ZX_ASSIGN_OR_RETURN(auto uri, ParseSipUri(target_uri));
    target = uri.ToString();
  }
  auto* cmd = new Command{};
  cmd->call = call;
  cmd->target = std::move(target) + uri_headers;
  if (!Push(kTransfer, cmd)) return Unavailable("the SIP gateway is stopping");
  return Status::Ok();
}

void GatewayImpl::StartTransfer(Call* c, const std::string& target) {
  const char* refused = nullptr;
  if (c->state != Call::State::kEstablished)
    refused = "not_established";
  else if (c->refer && !c->transfer_final)
    refused = "transfer_in_progress";
  if (refused) {
    log::Warn("transfer.failed call={} reason={}", c->info.id, refused);
    c->handler->OnTransfer(c->info.id, TransferState::kFailed, 0);
    return;
  }
  c->refer = static_cast<sipsub*>(mem_deref(c->refer));
  c->transfer_final = false;
  int err = sipevent_drefer(&c->refer, evsock_, sipsess_dialog(c->sess), options_.user.c_str(),
                            &GatewayImpl::OnAuth, this, false, &GatewayImpl::OnReferNotify,
                            &GatewayImpl::OnReferClose, c, "Refer-To: <%s>\r\n", target.c_str());
  if (err) {
    c->refer = nullptr;
    log::Warn("transfer.failed call={} reason=\"REFER not sent: {}\"", c->info.id, strerror(err));
    c->handler->OnTransfer(c->info.id, TransferState::kFailed, 0);
    return;
  }
  tmr_start(&c->refer_tmr, static_cast<uint64_t>(options_.transfer_timeout_ms),
            &GatewayImpl::OnTransferTimeout, c);
  log::Info("transfer.sent call={} target={}", c->info.id, MaskedTarget(target));
}

void GatewayImpl::ReportTransfer(Call* c, TransferState state, int sip_code) {
  if (state != TransferState::kAccepted) {
    c->transfer_final = true;
    tmr_cancel(&c->refer_tmr);
  }
  log::Info("transfer.{} call={} code={}", TransferStateName(state), c->info.id, sip_code);
  c->handler->OnTransfer(c->info.id, state, sip_code);
}

void GatewayImpl::OnReferNotify(sip* sip, const sip_msg* msg, void* arg) {
  auto* c = static_cast<Call*>(arg);
  (void)sip_treply(nullptr, sip, msg, 200, "OK");
  if (c->state != Call::State::kEstablished || c->transfer_final) return;
  std::string_view body;
  if (msg->mb && mbuf_get_left(msg->mb) > 0)
    body =
        std::string_view(reinterpret_cast<const char*>(mbuf_buf(msg->mb)), mbuf_get_left(msg->mb));
  int code = SipfragStatusCode(body);
  if (code == 0) {
    log::Warn("transfer.notify_unreadable call={} bytes={}", c->info.id, body.size());
    return;
  }
  GatewayImpl* gw = c->gw;
  if (code < 200) {
    gw->ReportTransfer(c, TransferState::kAccepted, code);
  } else if (code < 300) {
    gw->ReportTransfer(c, TransferState::kSucceeded, code);
    // The other party now talks to the target: our leg is done.
    gw->HangupCall(c, "transferred");
  } else {
    gw->ReportTransfer(c, TransferState::kFailed, code);
  }
}

void GatewayImpl::OnReferClose(int err, const sip_msg* msg, const sipevent_substate*, void* arg) {
  auto* c = static_cast<Call*>(arg);
  c->refer = static_cast<sipsub*>(mem_deref(c->refer));
  if (c->transfer_final || c->state != Call::State::kEstablished) return;
  if (err == ETIMEDOUT)
    c->gw->ReportTransfer(c, TransferState::kTimedOut, 0);
  else if (msg && msg->scode >= 300)  // the REFER itself was refused
    c->gw->ReportTransfer(c, TransferState::kFailed, msg->scode);
  else
    c->gw->ReportTransfer(c, TransferState::kFailed, 0);  // ended without a final sipfrag
}

void GatewayImpl::OnTransferTimeout(void* arg) {
  auto* c = static_cast<Call*>(arg);
  if (c->transfer_final || c->state != Call::State::kEstablished) return;
  c->gw->ReportTransfer(c, TransferState::kTimedOut, 0);
  c->refer = static_cast<sipsub*>(mem_deref(c->refer));
}

}  // namespace zx::telephony::internal
