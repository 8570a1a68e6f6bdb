// Outbound calls: Originate, provisional responses and early media, the ring timeout, the
// outcome of an unanswered call; digest authentication and REGISTER towards the trunk.
#include <netinet/in.h>

#include <cstring>

#include "base/log.h"
#include "telephony/gateway_internal.h"

namespace zx::telephony::internal {

namespace {

constexpr int kMinRingTimeoutMs = 1000;
constexpr int kMaxRingTimeoutMs = 10 * 60 * 1000;

std::string EscapeUser(std::string_view user) {
  std::string out;
  for (char c : user) out += c == '#' ? std::string("%23") : std::string(1, c);
  return out;
}

bool IsPlainDisplayName(std::string_view name) {
  if (name.size() > 64) return false;
  for (char c : name)
    if (c == '"' || c == '\\' || c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

}  // namespace

std::string GatewayImpl::DefaultFromUser() const {
  const TrunkOptions& trunk = options_.trunk;
  if (!trunk.from_user.empty()) return trunk.from_user;
  if (!trunk.username.empty()) return trunk.username;
  return options_.user;
}

Result<CallId> GatewayImpl::Originate(const std::string& number_or_uri,
                                      const OriginateOptions& options,
                                      std::shared_ptr<CallHandler> handler) {
  if (!handler) return InvalidArgument("an outbound call needs a handler for its events");
  if (options.ring_timeout_ms < kMinRingTimeoutMs || options.ring_timeout_ms > kMaxRingTimeoutMs)
    return InvalidArgument("ring_timeout_ms must be between 1000 and 600000");
  ZX_ASSIGN_OR_RETURN(DialTarget target,
                      ResolveDialTarget(number_or_uri, options_.trunk, options.transport));
  std::string from_user = options.caller_id.empty() ? DefaultFromUser() : options.caller_id;
  if (!IsDialableUser(from_user))
    return InvalidArgument("caller id '" + MaskNumber(from_user) +
                           "': only digits, letters and + * # . - _ (1-64 characters)");
  if (!IsPlainDisplayName(options.display_name))
    return InvalidArgument("display name: at most 64 bytes, no quotes, backslashes or breaks");
  ZX_ASSIGN_OR_RETURN(std::string headers, FormatExtraHeaders(options.headers));

  auto request = std::make_unique<OutboundRequest>();
  const TrunkOptions& trunk = options_.trunk;
  std::string domain = trunk.domain;
  if (domain.empty() && trunk.configured()) {
    auto proxy = ParseSipUri(trunk.proxy);  // validated at start
    if (proxy.ok()) domain = proxy->HostPort();
  }
  if (domain.empty()) domain = from_host_;
  request->target = std::move(target);
  request->from_uri = "sip:" + EscapeUser(from_user) + "@" + domain;
  request->from_masked = MaskNumber(from_user);
  request->display_name = options.display_name;
  request->extra_headers = std::move(headers);
  request->ring_timeout_ms = options.ring_timeout_ms;
  request->handler = std::move(handler);

  if (!ReserveCallSlot()) {
    UpdateStats([](GatewayStats& s) { ++s.calls_rejected; });
    log::Warn("call.originate_refused reason=capacity active={} max_calls={}", active_calls_.load(),
              options_.max_calls);
    return ResourceExhausted("all " + std::to_string(options_.max_calls) +
                             " call slots are in use");
  }
  CallId id = next_id_++;
  auto* cmd = new Command{};
  cmd->call = id;
  cmd->outbound = std::move(request);
  if (!Push(kOriginate, cmd)) {
    ReleaseCallSlot();
    return Unavailable("the SIP gateway is stopping");
  }
  return id;
}

void GatewayImpl::StartOutbound(CallId id, std::unique_ptr<OutboundRequest> request) {
  UpdateStats([](GatewayStats& s) { ++s.calls_originated; });
  if (stopping_) {  // queued just before the gateway stopped
    ReleaseCallSlot();
    UpdateStats([](GatewayStats& s) { ++s.calls_unanswered; });
    log::Info("call.failed call={} outcome=cancelled code=0 why=\"gateway stopping\"", id);
    request->handler->OnCallFailed(id, CallOutcome::kCancelled, 0);
    return;
  }
  auto call = std::make_unique<Call>(options_.jitter_depth);
  Call* c = call.get();
  c->gw = this;
  c->state = Call::State::kCalling;
  c->info.id = id;
  c->info.direction = CallDirection::kOutbound;
  c->handler = std::move(request->handler);
  c->info.caller_masked = request->from_masked;
  c->info.called_user = request->target.user_masked;
  // In the table from here on: every failure below goes through FailCall (slot, event).
  calls_.emplace(id, std::move(call));
  UpdateStats([this](GatewayStats& s) { s.active_calls = calls_.size(); });

  int err = rtp_listen(&c->rtp, IPPROTO_UDP, &rtp_ip_, options_.rtp_port_min, options_.rtp_port_max,
                       false, &GatewayImpl::OnRtp, nullptr, c);
  if (err) {
    FailCall(c, CallOutcome::kFailed, 0, std::string("no RTP port: ") + strerror(err));
    return;
  }
  mbuf* offer = nullptr;
  err = BuildLocalSdp(c, rtp_local(c->rtp));
  if (!err) err = sdp_encode(&offer, c->sdp, true);
  c->tx = mbuf_alloc(RTP_HEADER_SIZE + kFrameSamples);
  if (err || !c->tx) {
    mem_deref(offer);
    FailCall(c, CallOutcome::kFailed, 0, "SDP offer could not be built");
    return;
  }
  SetUpDetectors(c);

  const OutboundRequest& r = *request;
  const char* routev[1] = {r.target.route.c_str()};
  uint32_t routec = r.target.route.empty() ? 0 : 1;
  log::Info("call.originate call={} to={} from={} via={} ring_timeout_ms={}", id,
            r.target.user_masked, r.from_masked, routec ? r.target.route : "direct",
            r.ring_timeout_ms);
  err = sipsess_connect(&c->sess, sock_, r.target.request_uri.c_str(),
                        r.display_name.empty() ? nullptr : r.display_name.c_str(),
                        r.from_uri.c_str(), options_.user.c_str(), routev, routec,
                        "application/sdp", offer, &GatewayImpl::OnAuth, this, false,
                        &GatewayImpl::OnOffer, &GatewayImpl::OnAnswer, &GatewayImpl::OnProgress,
                        &GatewayImpl::OnEstablished, nullptr, nullptr, &GatewayImpl::OnClose, c,
                        "%s%s", kAllow, r.extra_headers.c_str());
  mem_deref(offer);
  if (err) {
    c->sess = nullptr;
    FailCall(c, CallOutcome::kFailed, 0, std::string("INVITE not sent: ") + strerror(err));
    return;
  }
  tmr_start(&c->setup_tmr, static_cast<uint64_t>(r.ring_timeout_ms), &GatewayImpl::OnRingTimeout,
            c);
}

void GatewayImpl::OnProgress(const sip_msg* msg, void* arg) {
  auto* c = static_cast<Call*>(arg);
  if (c->state != Call::State::kCalling) return;
  GatewayImpl* gw = c->gw;
  bool new_media = false;
  if (HasSdp(msg)) {
    // Early media (RFC 3960): the SDP of an unreliable 183 is the answer to our offer; the 2xx
    // repeats it (or not).
    if (SdpBodyProblem(msg, &gw->rtp_ip_).empty() && sdp_decode(c->sdp, msg->mb, false) == 0 &&
        NegotiateCodec(c)) {
      new_media = !c->early_media;
      c->early_media = true;
    } else {
      log::Warn("call.early_media_ignored call={} reason=sdp_unusable code={}", c->info.id,
                msg->scode);
    }
  }
  int code = msg->scode;
  if (code == 100) return;  // hop by hop, says nothing about the callee
  if (code == c->last_progress && !new_media) return;
  c->last_progress = code;
  log::Info("call.progress call={} code={} early_media={} codec={}", c->info.id, code,
            c->early_media ? 1 : 0, c->early_media ? c->info.codec : "-");
  c->handler->OnCallProgress(c->info.id, code, c->early_media);
}

void GatewayImpl::OnRingTimeout(void* arg) {
  auto* c = static_cast<Call*>(arg);
  if (c->state != Call::State::kCalling) return;
  // Releasing the session sends CANCEL (after the first provisional response, RFC 3261 9.1).
  c->sess = static_cast<sipsess*>(mem_deref(c->sess));
  c->gw->FailCall(c, CallOutcome::kNoAnswer, 0, "ring timeout, cancelled");
}

int GatewayImpl::OnAuth(char** username, char** password, const char* realm, void* arg) {
  auto* gw = static_cast<GatewayImpl*>(arg);
  const TrunkOptions& trunk = gw->options_.trunk;
  if (trunk.username.empty()) {
    log::Warn("sip.auth_unavailable realm=\"{}\" reason=no_trunk_username", realm ? realm : "");
    return EAUTH;
  }
  log::Info("sip.auth realm=\"{}\" user={}", realm ? realm : "", MaskNumber(trunk.username));
  int err = str_dup(username, trunk.username.c_str());
  if (!err) err = str_dup(password, trunk.password.c_str());
  return err;
}

Status GatewayImpl::StartRegistration() {
  const TrunkOptions& trunk = options_.trunk;
  // The address of record is the trunk user at the trunk's domain; the registrar is that
  // domain, reached through the proxy.
  ZX_ASSIGN_OR_RETURN(DialTarget aor_target,
                      ResolveDialTarget(trunk.username, trunk, SipTransport::kDefault));
  ZX_ASSIGN_OR_RETURN(SipUri registrar, ParseSipUri(aor_target.request_uri));
  SipUri aor = registrar;
  aor.params.clear();
  registrar.user.clear();
  std::string reg_uri = registrar.ToString();
  std::string aor_uri = aor.ToString();
  const char* routev[1] = {aor_target.route.c_str()};
  uint32_t routec = aor_target.route.empty() ? 0 : 1;
  UpdateRegistration([](RegistrationStatus& r) { r.state = RegistrationState::kRegistering; });
  int err = sipreg_register(&reg_, sip_, reg_uri.c_str(), aor_uri.c_str(), nullptr, aor_uri.c_str(),
                            static_cast<uint32_t>(trunk.register_expires_s), trunk.username.c_str(),
                            routev, routec, 0, &GatewayImpl::OnAuth, this, false,
                            &GatewayImpl::OnRegisterResponse, this, nullptr, nullptr);
  if (err) return Unavailable(std::string("REGISTER could not be sent: ") + strerror(err));
  log::Info("sip.register registrar={} user={} expires={}", reg_uri, MaskNumber(trunk.username),
            trunk.register_expires_s);
  return Status::Ok();
}

void GatewayImpl::OnRegisterResponse(int err, const sip_msg* msg, void* arg) {
  auto* gw = static_cast<GatewayImpl*>(arg);
  if (!err && msg && msg->scode < 300) {
    uint32_t expires = sipreg_proxy_expires(gw->reg_);
    uint64_t count = 0;
    gw->UpdateRegistration([&](RegistrationStatus& r) {
      r.state = RegistrationState::kRegistered;
      r.last_code = msg->scode;
      r.expires_s = expires;
      r.error.clear();
      count = ++r.successes;
    });
    log::Info("sip.registered code={} expires={} renewals={}", msg->scode, expires, count - 1);
    return;
  }
  std::string error = err ? std::string(strerror(err))
                          : "REGISTER answered " + std::to_string(msg ? msg->scode : 0);
  gw->UpdateRegistration([&](RegistrationStatus& r) {
    r.state = RegistrationState::kFailed;
    r.last_code = msg ? msg->scode : 0;
    r.expires_s = 0;
    r.error = error;
    ++r.failures;
  });
  // libre tries again after a back-off (30 s doubling up to 30 min).
  log::Warn("sip.register_failed code={} error=\"{}\"", msg ? msg->scode : 0, error);
}

}  // namespace zx::telephony::internal
