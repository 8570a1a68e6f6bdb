// The gateway's life cycle, its command queue, inbound calls and the end of every call.
#include <dirent.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "telephony/gateway_internal.h"
#include "text/pii.h"

namespace zx::telephony {

const char* DigitSourceName(DigitSource source) {
  return source == DigitSource::kRfc4733 ? "rfc4733" : "inband";
}

const char* CallDirectionName(CallDirection direction) {
  return direction == CallDirection::kInbound ? "inbound" : "outbound";
}

const char* TransferStateName(TransferState state) {
  switch (state) {
    case TransferState::kAccepted:
      return "accepted";
    case TransferState::kSucceeded:
      return "succeeded";
    case TransferState::kFailed:
      return "failed";
    case TransferState::kTimedOut:
      break;
  }
  return "timed_out";
}

const char* RegistrationStateName(RegistrationState state) {
  switch (state) {
    case RegistrationState::kDisabled:
      return "disabled";
    case RegistrationState::kRegistering:
      return "registering";
    case RegistrationState::kRegistered:
      return "registered";
    case RegistrationState::kFailed:
      break;
  }
  return "failed";
}

std::string MaskNumber(std::string_view number) {
  // A number is masked by the product's one rule for phone numbers (text/pii.h); other SIP
  // user parts (names, extensions spelt out) keep only their ends.
  std::string_view digits = number.starts_with('+') ? number.substr(1) : number;
  if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos)
    return text::MaskPhone(number);
  if (number.size() >= 7)
    return std::string(number.substr(0, 3)) + "****" +
           std::string(number.substr(number.size() - 4));
  if (number.size() <= 2) return "**";
  return std::string(number.size() - 2, '*') + std::string(number.substr(number.size() - 2));
}

namespace internal {
namespace {
std::atomic<bool> g_running{false};

// The IP address of a peer, without port: per-source limits count addresses.
std::string SourceKey(const sa* src) {
  char buf[64] = "";
  if (re_snprintf(buf, sizeof(buf), "%j", src) <= 0) return "?";
  return buf;
}

// `text` as a Warning header's quoted text: printable ASCII without quotes, at most 120 bytes.
std::string QuotedWarning(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 120))
    out += (c >= ' ' && c <= '~' && c != '"' && c != '\\') ? c : ' ';
  return out;
}
}  // namespace

Call::~Call() {
  tmr_cancel(&setup_tmr);
  tmr_cancel(&refer_tmr);
  mem_deref(refer);
  mem_deref(sess);
  mem_deref(rtp);
  mem_deref(answer);
  mem_deref(tx);
  mem_deref(media);
  mem_deref(sdp);
}

GatewayImpl::GatewayImpl(GatewayOptions options, InboundCallRouter* router)
    : options_(std::move(options)), router_(router) {
  tmr_init(&tick_);
  tmr_init(&shutdown_tmr_);
}

GatewayImpl::~GatewayImpl() {
  if (thread_.joinable()) {
    Push(kShutdown, nullptr);  // shutdown carries no command (and a destructor must not allocate)
    thread_.join();
  }
  g_running = false;
}

Status GatewayImpl::Run() {
  std::promise<Status> started;
  auto ready = started.get_future();
  thread_ = std::thread([this, &started] { Loop(started); });
  Status s = ready.get();
  if (!s.ok()) thread_.join();
  return s;
}

void GatewayImpl::Play(CallId call, SharedPcm audio, uint64_t prompt_id) {
  Command* cmd = new Command{};
  cmd->call = call;
  cmd->audio = std::move(audio);
  cmd->prompt_id = prompt_id;
  Push(kPlay, cmd);
}

void GatewayImpl::StopPlayback(CallId call) {
  Command* cmd = new Command{};
  cmd->call = call;
  Push(kStop, cmd);
}

void GatewayImpl::Hangup(CallId call) {
  Command* cmd = new Command{};
  cmd->call = call;
  Push(kHangup, cmd);
}

GatewayStats GatewayImpl::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

RegistrationStatus GatewayImpl::registration() const {
  std::lock_guard lock(stats_mu_);
  return registration_;
}

bool GatewayImpl::Push(int kind, Command* cmd) {
  std::lock_guard lock(mq_mu_);
  if (!mq_ || mqueue_push(mq_, kind, cmd) != 0) {
    delete cmd;
    return false;
  }
  return true;
}

bool GatewayImpl::ReserveCallSlot() {
  int active = active_calls_.load();
  do {
    if (active >= options_.max_calls) return false;
  } while (!active_calls_.compare_exchange_weak(active, active + 1));
  return true;
}

void GatewayImpl::Loop(std::promise<Status>& started) {
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

Status GatewayImpl::Setup() {
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
  if (options_.transfer_timeout_ms < 1000)
    return InvalidArgument("transfer_timeout_ms must be at least 1000");
  ZX_RETURN_IF_ERROR(ValidateTrunk(options_.trunk));
  if (options_.max_calls_per_source < 0)
    return InvalidArgument("max_calls_per_source must not be negative");
  if (options_.no_media_timeout_ms < 0 || options_.media_idle_timeout_ms < 0)
    return InvalidArgument("no_media_timeout_ms and media_idle_timeout_ms must not be negative");
  if (options_.tcp_backlog < 1) return InvalidArgument("tcp_backlog must be at least 1");
  ZX_ASSIGN_OR_RETURN(allow_, AllowList::Parse(options_.allow_from));
  if (Metrics* m = options_.metrics) {
    auto& refused = m->AddCounter("zhixian_sip_calls_refused_total",
                                  "inbound calls refused before answer", {"reason"});
    m_capacity_ = &refused.With({"capacity"});
    m_refused_source_ = &refused.With({"per_source"});
    m_forbidden_ = &refused.With({"not_allowed"});
    m_foreign_ = &m->AddCounter("zhixian_sip_rtp_foreign_dropped_total",
                                "RTP packets dropped: not from the call's SDP address")
                      .With({});
    m_no_media_ = &m->AddCounter("zhixian_sip_calls_no_media_total",
                                 "calls ended because no RTP arrived (sip.no_media_timeout_s)")
                       .With({});
  }
  rtp_ip_ = laddr;
  sa_set_port(&rtp_ip_, 0);
  if (sa_is_any(&rtp_ip_)) {
    sa def{};
    if (net_default_source_addr_get(sa_af(&laddr), &def) == 0) rtp_ip_ = def;
    sa_set_port(&rtp_ip_, 0);
  }

  // A resolver for trunk host names (nothing is sent unless a name has to be looked up).
  {
    sa nsv[4];
    uint32_t nsn = 4;
    char domain[64] = "";
    if (dns_srv_get(domain, sizeof(domain), nsv, &nsn) == 0 && nsn > 0 &&
        dnsc_alloc(&dnsc_, nullptr, nsv, nsn) != 0)
      dnsc_ = nullptr;
  }
  if (options_.trunk.configured() && !dnsc_) {
    auto proxy = ParseSipUri(options_.trunk.proxy);
    std::string host = proxy.ok() ? proxy->host : std::string();
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    sa probe{};
    if (!host.empty() && sa_set_str(&probe, host.c_str(), 0) != 0)
      log::Warn("sip.dns_unavailable proxy_host={} (no name server found: use an IP address)",
                host);
  }
  if (int err = sip_alloc(&sip_, dnsc_, 32, 32, 32, "zhixian", nullptr, nullptr); err)
    return Internal("sip_alloc failed: " + std::to_string(err));
  // TCP listens on the UDP port's number. With port 0 the system picks that number for UDP,
  // and another socket may hold it for TCP: pick again, a few times, rather than serve UDP only.
  const bool any_port = sa_port(&laddr) == 0;
  for (int attempt = 1;; ++attempt) {
    if (int err = sip_transp_add(sip_, SIP_TRANSP_UDP, &laddr); err)
      return Unavailable("cannot bind SIP/UDP on " + options_.listen + ": " + strerror(err));
    sa bound{};
    if (sip_transp_laddr(sip_, &bound, SIP_TRANSP_UDP, nullptr) == 0) port_ = sa_port(&bound);
    sa tcp_addr = laddr;
    sa_set_port(&tcp_addr, port_);
    const int err = sip_transp_add(sip_, SIP_TRANSP_TCP, &tcp_addr);
    if (err == 0) {
      SetTcpBacklog();
      break;
    }
    if (any_port && attempt < 5) {
      sip_transp_flush(sip_);
      continue;
    }
    log::Warn("sip.tcp_unavailable port={} error={} (UDP only)", port_, strerror(err));
    break;
  }
  {
    char host[64] = "";
    sa local = rtp_ip_;
    if (re_snprintf(host, sizeof(host), "%j", &local) > 0)
      from_host_ = (sa_af(&local) == AF_INET6 ? "[" + std::string(host) + "]" : host) + ":" +
                   std::to_string(port_.load());
  }
  // Our validator runs before the session layer's listener; NOTIFYs of REFER subscriptions
  // go to the event socket (the session layer leaves them alone).
  if (int err = sip_listen(&lsnr_, sip_, true, &GatewayImpl::OnRequest, this); err)
    return Internal("sip_listen failed: " + std::to_string(err));
  if (int err = sipsess_listen(&sock_, sip_, 64, &GatewayImpl::OnConnect, this); err)
    return Internal("sipsess_listen failed: " + std::to_string(err));
  if (int err = sipevent_listen(&evsock_, sip_, 32, 32, nullptr, nullptr); err)
    return Internal("sipevent_listen failed: " + std::to_string(err));
  {
    std::lock_guard lock(mq_mu_);
    if (int err = mqueue_alloc(&mq_, &GatewayImpl::OnCommand, this); err)
      return Internal("mqueue_alloc failed: " + std::to_string(err));
  }
  next_tick_ = tmr_jiffies() + kTickMs;
  tmr_start(&tick_, kTickMs, &GatewayImpl::OnTick, this);
  log::Info(
      "sip.listening addr={} port={} max_calls={} max_calls_per_source={} allow_from={} "
      "no_media_timeout_ms={} media_idle_timeout_ms={} rtp_latching={} trunk={}",
      options_.listen, port_, options_.max_calls, options_.max_calls_per_source,
      allow_.empty() ? std::string("any") : std::to_string(allow_.size()) + "_entries",
      options_.no_media_timeout_ms, options_.media_idle_timeout_ms, options_.rtp_latching ? 1 : 0,
      options_.trunk.configured() ? options_.trunk.proxy : "none");
  if (options_.trunk.register_enabled) {
    ZX_RETURN_IF_ERROR(StartRegistration());
  }
  return Status::Ok();
}

// libre 1.1.0's sip_transp_add listens on TCP with a backlog of 5 and offers no access to the
// socket: find our listening socket among the process's descriptors (a listening TCP socket
// bound to our SIP/TCP address) and listen() again, which on Linux only resizes the queue.
void GatewayImpl::SetTcpBacklog() {
  sa want{};
  if (sip_transp_laddr(sip_, &want, SIP_TRANSP_TCP, nullptr) != 0) return;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) {
    log::Warn("sip.tcp_backlog_unchanged error=\"{}\"", strerror(errno));
    return;
  }
  int done = 0;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    int listening = 0, type = 0;
    socklen_t len = sizeof(int);
    if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
        !listening)
      continue;
    len = sizeof(int);
    if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
        type != SOCK_STREAM)
      continue;
    sa local{};
    local.len = sizeof(local.u);
    if (getsockname(static_cast<int>(fd), &local.u.sa, &local.len) != 0) continue;
    if (!sa_cmp(&local, &want, SA_ALL)) continue;
    if (listen(static_cast<int>(fd), options_.tcp_backlog) == 0) ++done;
  }
  closedir(dir);
  if (done)
    log::Debug("sip.tcp_backlog backlog={}", options_.tcp_backlog);
  else
    log::Warn("sip.tcp_backlog_unchanged error=\"listening socket not found\"");
}

void GatewayImpl::Teardown() {
  tmr_cancel(&tick_);
  tmr_cancel(&shutdown_tmr_);
  calls_.clear();
  dead_.clear();
  reg_ = static_cast<sipreg*>(mem_deref(reg_));
  lsnr_ = static_cast<sip_lsnr*>(mem_deref(lsnr_));
  evsock_ = static_cast<sipevent_sock*>(mem_deref(evsock_));
  sock_ = static_cast<sipsess_sock*>(mem_deref(sock_));
  if (sip_) sip_close(sip_, true);
  sip_ = static_cast<sip*>(mem_deref(sip_));
  dnsc_ = static_cast<dnsc*>(mem_deref(dnsc_));
  {
    std::lock_guard lock(mq_mu_);
    mq_ = static_cast<mqueue*>(mem_deref(mq_));
  }
  if (libre_ready_) libre_close();
  libre_ready_ = false;
}

Call* GatewayImpl::Find(CallId id) {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : it->second.get();
}

void GatewayImpl::OnCommand(int kind, void* data, void* arg) {
  auto* self = static_cast<GatewayImpl*>(arg);
  std::unique_ptr<Command> cmd(static_cast<Command*>(data));
  if (kind == kShutdown) {
    self->Shutdown();
    return;
  }
  if (kind == kOriginate) {
    self->StartOutbound(cmd->call, std::move(cmd->outbound));
    return;
  }
  Call* call = self->Find(cmd->call);
  if (!call || call->state == Call::State::kEnded) {
    if (kind == kTransfer) {
      log::Warn("transfer.failed call={} reason=no_such_call", cmd->call);
      // A call already forgotten has no handler left to tell.
      if (call) call->handler->OnTransfer(cmd->call, TransferState::kFailed, 0);
    }
    return;
  }
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
    case kTransfer:
      self->StartTransfer(call, cmd->target);
      break;
  }
}

void GatewayImpl::Shutdown() {
  stopping_ = true;
  std::vector<Call*> live;
  for (auto& [id, call] : calls_) live.push_back(call.get());
  for (Call* call : live) HangupCall(call, "shutdown");
  // Un-REGISTER (expires 0) on the way out.
  bool registered = reg_ && sipreg_registered(reg_);
  if (registered) log::Info("sip.unregister");
  reg_ = static_cast<sipreg*>(mem_deref(reg_));
  // Give the BYEs, CANCELs and the un-REGISTER a moment on the wire, then stop.
  tmr_start(
      &shutdown_tmr_, live.empty() && !registered ? 0 : 200, [](void*) { re_cancel(); }, nullptr);
}

// Request validation: what libre 1.1.0 lets through but we cannot serve.
bool GatewayImpl::OnRequest(const sip_msg* msg, void* arg) {
  auto* self = static_cast<GatewayImpl*>(arg);
  bool is_ack = pl_strcmp(&msg->met, "ACK") == 0;
  const char* problem = nullptr;
  if (!pl_isset(&msg->callid))
    problem = "missing Call-ID";
  else if (!pl_isset(&msg->from.auri))
    problem = "missing From";
  else if (!pl_isset(&msg->from.tag))
    problem = "missing From tag";
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
  // Only listed peers may start calls; requests inside a dialog (To tag) are the dialog's.
  if (!self->allow_.empty() && pl_strcmp(&msg->met, "INVITE") == 0 && !pl_isset(&msg->to.tag) &&
      !self->allow_.Contains(&msg->src.u.sa)) {
    self->UpdateStats([](GatewayStats& s) { ++s.calls_forbidden; });
    if (self->m_forbidden_) self->m_forbidden_->Inc();
    log::Warn("call.rejected reason=not_allowed source={}", SourceKey(&msg->src));
    (void)sip_reply(self->sip_, msg, 403, "Forbidden");
    return true;
  }
  if (pl_strcmp(&msg->met, "OPTIONS") == 0) {  // keep-alive pings from proxies and trunks
    // A dispatcher's probe: 503 takes this node out of its rotation until it answers 200 again.
    std::string why = self->WhyNoNewCalls();
    if (why.empty() && self->active_calls_.load() >= self->options_.max_calls) why = "at capacity";
    self->UpdateStats([refused = !why.empty()](GatewayStats& s) {
      ++s.pings;
      if (refused) ++s.pings_refused;
    });
    if (!why.empty()) {
      (void)sip_replyf(self->sip_, msg, 503, "Service Unavailable",
                       "%sRetry-After: 5\r\nWarning: 399 zhixian \"%s\"\r\n"
                       "Content-Length: 0\r\n\r\n",
                       kAllow, QuotedWarning(why).c_str());
      return true;
    }
    (void)sip_replyf(self->sip_, msg, 200, "OK",
                     "%sAccept: application/sdp\r\n"
                     "Content-Length: 0\r\n\r\n",
                     kAllow);
    return true;
  }
  return false;
}

void GatewayImpl::Reply(const sip_msg* msg, uint16_t code, const char* reason) {
  (void)sip_treply(nullptr, sip_, msg, code, reason);
}

void GatewayImpl::RefuseBusy(const sip_msg* msg) {
  // 503 with Retry-After asks a trunk to try another node; 486 tells a caller we are busy.
  if (options_.over_capacity_code == 503)
    (void)sip_treplyf(nullptr, nullptr, sip_, msg, false, 503, "Service Unavailable",
                      "Retry-After: 5\r\nContent-Length: 0\r\n\r\n");
  else
    Reply(msg, 486, "Busy Here");
}

void GatewayImpl::OnConnect(const sip_msg* msg, void* arg) {
  static_cast<GatewayImpl*>(arg)->HandleInvite(msg);
}

void GatewayImpl::HandleInvite(const sip_msg* msg) {
  UpdateStats([](GatewayStats& s) { ++s.calls_offered; });
  if (stopping_) {
    Reply(msg, 503, "Service Unavailable");
    return;
  }
  if (std::string why = WhyNoNewCalls(); !why.empty()) {
    UpdateStats([](GatewayStats& s) { ++s.calls_rejected; });
    log::Warn("call.rejected reason=not_taking_calls why=\"{}\"", why);
    (void)sip_treplyf(nullptr, nullptr, sip_, msg, false, 503, "Service Unavailable",
                      "Retry-After: 5\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  std::string source = SourceKey(&msg->src);
  bool per_source =
      options_.max_calls_per_source > 0 && !(!allow_.empty() && allow_.Contains(&msg->src.u.sa));
  if (per_source) {
    auto it = calls_by_source_.find(source);
    int active = it == calls_by_source_.end() ? 0 : it->second;
    if (active >= options_.max_calls_per_source) {
      UpdateStats([](GatewayStats& s) { ++s.calls_refused_source; });
      if (m_refused_source_) m_refused_source_->Inc();
      if (options_.on_refused) options_.on_refused("per_source");
      log::Warn("call.rejected reason=per_source source={} active={} code={}", source, active,
                options_.over_capacity_code);
      return RefuseBusy(msg);
    }
  }
  if (!ReserveCallSlot()) {
    UpdateStats([](GatewayStats& s) { ++s.calls_rejected; });
    if (m_capacity_) m_capacity_->Inc();
    if (options_.on_refused) options_.on_refused("capacity");
    log::Warn("call.rejected reason=capacity active={} code={}", active_calls_.load(),
              options_.over_capacity_code);
    return RefuseBusy(msg);
  }
  // From here on every early return gives the slot back.
  struct SlotGuard {
    GatewayImpl* gw;
    bool keep = false;
    ~SlotGuard() {
      if (!keep) gw->ReleaseCallSlot();
    }
  } slot{this};
  if (mbuf_get_left(msg->mb) == 0) {
    log::Warn("call.rejected reason=no_sdp_offer");
    Reply(msg, 488, "Not Acceptable Here");
    return;
  }

  auto call = std::make_unique<Call>(options_.jitter_depth);
  Call* c = call.get();
  c->gw = this;
  c->info.id = next_id_++;
  c->info.direction = CallDirection::kInbound;
  c->info.caller_masked = MaskNumber(PlStr(msg->from.uri.user));
  c->info.caller = PlStr(msg->from.uri.user);
  c->info.called_user = PlStr(msg->uri.user);

  int err = rtp_listen(&c->rtp, IPPROTO_UDP, &rtp_ip_, options_.rtp_port_min, options_.rtp_port_max,
                       false, &GatewayImpl::OnRtp, nullptr, c);
  if (err) {
    log::Error("call.rejected reason=rtp_ports error={}", strerror(err));
    Reply(msg, 503, "Service Unavailable");
    return;
  }
  if ((err = BuildLocalSdp(c, rtp_local(c->rtp))) != 0) {
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
  // libre parses what it cannot use (a c= it skips, a port it wraps): 488, not a call.
  if (std::string problem = SdpBodyProblem(msg, &rtp_ip_); !problem.empty()) {
    UpdateStats([](GatewayStats& s) { ++s.bad_requests; });
    log::Warn("call.rejected reason=unusable_sdp problem=\"{}\"", problem);
    Reply(msg, 488, "Not Acceptable Here");
    return;
  }
  if (!NegotiateCodec(c)) {
    log::Warn("call.rejected reason=no_common_codec");
    Reply(msg, 488, "Not Acceptable Here");
    return;
  }
  c->held = RemoteHolds(c->media);
  SetUpDetectors(c);
  c->tx = mbuf_alloc(RTP_HEADER_SIZE + kFrameSamples);
  if (!c->tx || sdp_encode(&c->answer, c->sdp, false) != 0) {
    Reply(msg, 500, "Server Internal Error");
    return;
  }

  // Whoever takes the call gets its events; nobody: refused before it rings.
  c->handler = router_->OnIncoming(c->info);
  if (!c->handler) {
    log::Warn("call.rejected reason=no_handler");
    Reply(msg, 503, "Service Unavailable");
    return;
  }

  bool ring_first = options_.answer_delay_ms > 0;
  err = sipsess_accept(&c->sess, sock_, msg, ring_first ? 180 : 200, ring_first ? "Ringing" : "OK",
                       options_.user.c_str(), "application/sdp", ring_first ? nullptr : c->answer,
                       &GatewayImpl::OnAuth, this, false, &GatewayImpl::OnOffer,
                       &GatewayImpl::OnAnswer, &GatewayImpl::OnEstablished, nullptr, nullptr,
                       &GatewayImpl::OnClose, c, kAllow);
  if (err) {
    log::Error("call.rejected reason=accept error={}", strerror(err));
    Reply(msg, 500, "Server Internal Error");
    return;
  }
  if (ring_first) {
    tmr_start(&c->setup_tmr, static_cast<uint64_t>(options_.answer_delay_ms),
              &GatewayImpl::OnAnswerTimer, c);
  } else {
    c->state = Call::State::kAnswered;
  }
  log::Info("call.offered call={} from={} to={} codec={}", c->info.id, c->info.caller_masked,
            c->info.called_user, c->info.codec);
  slot.keep = true;
  c->last_media_ms = tmr_jiffies();  // the no-media clock starts at the answer
  if (per_source) {
    c->source_key = source;
    c->counted_source = true;
    ++calls_by_source_[source];
  }
  calls_.emplace(c->info.id, std::move(call));
  UpdateStats([this](GatewayStats& s) { s.active_calls = calls_.size(); });
}

void GatewayImpl::OnAnswerTimer(void* arg) {
  auto* c = static_cast<Call*>(arg);
  if (c->state != Call::State::kRinging) return;
  int err = sipsess_answer(c->sess, 200, "OK", c->answer, kAllow);
  if (err) {
    log::Error("call.answer_failed call={} error={}", c->info.id, strerror(err));
    c->gw->EndCall(c, "error: answer failed");
    return;
  }
  c->state = Call::State::kAnswered;
  c->last_media_ms = tmr_jiffies();
}

// The SDP answer to our offer: in the 2xx of an outbound INVITE, or in the ACK after we offered
// in the 200 to an offerless re-INVITE. (An inbound INVITE without an offer is refused.)
int GatewayImpl::OnAnswer(const sip_msg* msg, void* arg) {
  auto* c = static_cast<Call*>(arg);
  if (c->state != Call::State::kCalling) {
    if (c->state == Call::State::kEstablished && HasSdp(msg) &&
        SdpBodyProblem(msg, &c->gw->rtp_ip_).empty() && sdp_decode(c->sdp, msg->mb, false) == 0 &&
        NegotiateCodec(c))
      c->gw->ApplyHold(c, RemoteHolds(c->media));
    return 0;
  }
  if (!HasSdp(msg)) {
    // The answer may have come in a 183 already; the 2xx then need not repeat it.
    if (c->early_media) return 0;
    log::Warn("call.failed call={} reason=no_sdp_answer", c->info.id);
    c->final_code = 488;
    return EPROTO;
  }
  if (std::string problem = SdpBodyProblem(msg, &c->gw->rtp_ip_); !problem.empty()) {
    log::Warn("call.failed call={} reason=unusable_sdp_answer problem=\"{}\"", c->info.id, problem);
    c->final_code = 488;
    return EPROTO;
  }
  if (int err = sdp_decode(c->sdp, msg->mb, false); err) {
    log::Warn("call.failed call={} reason=sdp_answer_does_not_parse", c->info.id);
    c->final_code = 488;
    return err;
  }
  if (!NegotiateCodec(c)) {
    log::Warn("call.failed call={} reason=no_common_codec", c->info.id);
    c->final_code = 488;
    return EPROTO;
  }
  c->held = RemoteHolds(c->media);
  return 0;
}

void GatewayImpl::StartRecording(Call* c) {
  if (c->recording_started) return;
  c->recording_started = true;
  if (!options_.recorder) return;
  auto sink = options_.recorder(c->info);
  if (sink.ok())
    c->recording = std::move(*sink);  // may be null: not recorded (e.g. the disk budget)
  else
    log::Warn("call.recording_failed call={} error=\"{}\"", c->info.id, sink.status().message());
}

void GatewayImpl::OnEstablished(const sip_msg*, void* arg) {
  auto* c = static_cast<Call*>(arg);
  if (c->state == Call::State::kEnded) return;
  GatewayImpl* gw = c->gw;
  bool outbound = c->info.direction == CallDirection::kOutbound;
  tmr_cancel(&c->setup_tmr);
  c->state = Call::State::kEstablished;
  c->started = true;
  if (c->early_media) {
    // The answered call may be a new RTP stream (new sequence numbers, another source).
    c->early_media = false;
    c->jitter = JitterBuffer(gw->options_.jitter_depth);
    c->rx_pcm.clear();
    c->remote_latched = false;
  }
  // The recording starts with the first RTP packet (OnRtp): a call that never sends media
  // leaves no file. The no-media clock starts now.
  c->last_media_ms = tmr_jiffies();
  gw->UpdateStats([](GatewayStats& s) { ++s.calls_answered; });
  log::Info("call.started call={} direction={} codec={}{}", c->info.id,
            CallDirectionName(c->info.direction), c->info.codec,
            outbound ? " outcome=answered" : "");
  c->handler->OnCallStarted(c->info);
  if (c->held && c->state == Call::State::kEstablished) c->handler->OnHold(c->info.id, true);
}

void GatewayImpl::OnClose(int err, const sip_msg* msg, void* arg) {
  auto* c = static_cast<Call*>(arg);
  GatewayImpl* gw = c->gw;
  if (c->state == Call::State::kCalling) {
    // An outbound attempt that never got answered: the final response tells why.
    int code = c->final_code ? c->final_code : (msg && msg->scode >= 300 ? msg->scode : 0);
    CallOutcome outcome = code ? OutcomeForSipCode(code) : CallOutcome::kFailed;
    std::string why = err ? std::string(strerror(err)) : std::string("final response");
    gw->FailCall(c, outcome, code, why);
    return;
  }
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
  gw->EndCall(c, reason);
}

void GatewayImpl::HangupCall(Call* c, const char* reason) {
  if (c->state == Call::State::kEnded) return;
  if (c->state == Call::State::kRinging && c->sess) {
    (void)sipsess_reject(c->sess, 480, "Temporarily Unavailable", nullptr);
  }
  // Releasing a session sends BYE when established, CANCEL while an INVITE of ours is pending
  // (libre keeps the session alive until the transaction is done).
  c->sess = static_cast<sipsess*>(mem_deref(c->sess));
  if (c->state == Call::State::kCalling) {
    FailCall(c, CallOutcome::kCancelled, 0, reason);
    return;
  }
  EndCall(c, reason);
}

void GatewayImpl::EndCall(Call* c, const std::string& reason) {
  if (c->state == Call::State::kEnded) return;
  c->state = Call::State::kEnded;
  tmr_cancel(&c->setup_tmr);
  tmr_cancel(&c->refer_tmr);
  c->prompts.clear();
  if (c->recording) {
    if (Status s = c->recording->Close(); !s.ok())
      log::Warn("call.recording_failed call={} error=\"{}\"", c->info.id, s.message());
    c->recording.reset();
  }
  log::Info("call.ended call={} reason=\"{}\" rtp_in={} lost={} late={}", c->info.id, reason,
            c->jitter.received(), c->jitter.lost(), c->jitter.late());
  if (c->started) c->handler->OnCallEnded(c->info.id, reason);
  Forget(c);
}

void GatewayImpl::FailCall(Call* c, CallOutcome outcome, int sip_code, const std::string& why) {
  if (c->state == Call::State::kEnded) return;
  c->state = Call::State::kEnded;
  tmr_cancel(&c->setup_tmr);
  c->prompts.clear();
  UpdateStats([](GatewayStats& s) { ++s.calls_unanswered; });
  log::Info("call.failed call={} outcome={} code={} why=\"{}\" early_media={}", c->info.id,
            CallOutcomeName(outcome), sip_code, why, c->early_media ? 1 : 0);
  c->handler->OnCallFailed(c->info.id, outcome, sip_code);
  Forget(c);
}

void GatewayImpl::ReleaseSourceSlot(Call* c) {
  if (!c->counted_source) return;
  c->counted_source = false;
  auto it = calls_by_source_.find(c->source_key);
  if (it != calls_by_source_.end() && --it->second <= 0) calls_by_source_.erase(it);
}

void GatewayImpl::CheckNoMedia(uint64_t now) {
  std::vector<Call*> silent;
  for (auto& [id, call] : calls_) {
    Call* c = call.get();
    bool answered = c->state == Call::State::kAnswered || c->state == Call::State::kEstablished;
    // Never any media: a silent INVITE holding a slot, ended soon. Media that stopped: a peer
    // that vanished (or silence suppression without comfort noise), given longer.
    int limit = c->got_media ? options_.media_idle_timeout_ms : options_.no_media_timeout_ms;
    // On hold the peer may legitimately send nothing (inactive).
    if (answered && !c->held && limit > 0 && now > c->last_media_ms + static_cast<uint64_t>(limit))
      silent.push_back(c);
  }
  for (Call* c : silent) {
    UpdateStats([](GatewayStats& s) { ++s.calls_no_media; });
    if (m_no_media_) m_no_media_->Inc();
    log::Warn(
        "call.no_media call={} direction={} silent_ms={} had_media={} rtp_in={} (ending it "
        "with BYE)",
        c->info.id, CallDirectionName(c->info.direction), now - c->last_media_ms,
        c->got_media ? 1 : 0, c->jitter.received());
    HangupCall(c, "no_media");
  }
}

void GatewayImpl::Forget(Call* c) {
  ReleaseSourceSlot(c);
  auto it = calls_.find(c->info.id);
  if (it != calls_.end()) {
    dead_.push_back(std::move(it->second));  // freed on the next tick, outside libre callbacks
    calls_.erase(it);
    ReleaseCallSlot();
  }
  UpdateStats([this](GatewayStats& s) { s.active_calls = calls_.size(); });
}

void GatewayImpl::StopPrompts(Call* c) {
  auto prompts = std::move(c->prompts);
  c->prompts.clear();
  c->idle = true;
  for (const Prompt& p : prompts) c->handler->OnPlaybackDone(c->info.id, p.id, true);
}

void GatewayImpl::ReportDigit(Call* c, char digit, DigitSource source) {
  UpdateStats([](GatewayStats& s) { ++s.digits; });
  log::Info("call.key call={} source={}", c->info.id, DigitSourceName(source));
  log::Debug("call.key_value call={} key={}", c->info.id, digit);
  if (options_.barge_in_on_key && !c->prompts.empty()) StopPrompts(c);
  if (c->speech) {  // the tone is not the start of an utterance
    if (c->speech->speaking()) c->handler->OnSpeechAbandoned(c->info.id);
    c->speech->RestartListening();
    c->speech_muted_frames = kDigitMuteFrames;
  }
  c->handler->OnDigit(c->info.id, digit, source);
}

void GatewayImpl::SetUpDetectors(Call* c) {
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
}

}  // namespace internal

Result<std::unique_ptr<Gateway>> Gateway::Start(const GatewayOptions& options,
                                                InboundCallRouter* router) {
  if (!router) return InvalidArgument("gateway needs a router for inbound calls");
  bool expected = false;
  if (!internal::g_running.compare_exchange_strong(expected, true))
    return FailedPrecondition("a SIP gateway already runs in this process (libre is global)");
  auto gw = std::make_unique<internal::GatewayImpl>(options, router);
  Status s = gw->Run();
  if (!s.ok()) return s;  // ~GatewayImpl clears g_running
  return std::unique_ptr<Gateway>(std::move(gw));
}

}  // namespace zx::telephony
