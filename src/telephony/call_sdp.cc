// The SDP of a call: what we offer or answer, which codec the other side picked, whether its
// description puts us on hold.
#include <strings.h>

#include "telephony/gateway_internal.h"

namespace zx::telephony::internal {

int BuildLocalSdp(Call* c, const sa* addr) {
  sa media_addr = *addr;
  int err = sdp_session_alloc(&c->sdp, &media_addr);
  if (!err)
    err = sdp_media_add(&c->media, c->sdp, sdp_media_audio, sa_port(&media_addr), sdp_proto_rtpavp);
  if (!err)
    err = sdp_format_add(nullptr, c->media, false, "0", "PCMU", 8000, 1, nullptr, nullptr, nullptr,
                         false, nullptr);
  if (!err)
    err = sdp_format_add(nullptr, c->media, false, "8", "PCMA", 8000, 1, nullptr, nullptr, nullptr,
                         false, nullptr);
  if (!err)
    err = sdp_format_add(nullptr, c->media, false, "101", telev_rtpfmt, 8000, 1, nullptr, nullptr,
                         nullptr, false, "0-15");
  if (!err) err = sdp_media_set_lattr(c->media, true, sdp_attr_ptime, "20");
  return err;
}

bool NegotiateCodec(Call* c) {
  bool have_codec = false;
  // The remote list is in the peer's order of preference; libre marks what we support.
  for (le* e = list_head(sdp_media_format_lst(c->media, false)); e; e = e->next) {
    auto* fmt = static_cast<const sdp_format*>(e->data);
    if (!fmt->sup) continue;
    if (strcasecmp(fmt->name, "PCMU") == 0 || strcasecmp(fmt->name, "PCMA") == 0) {
      c->codec = strcasecmp(fmt->name, "PCMU") == 0 ? Codec::kPcmu : Codec::kPcma;
      have_codec = true;
      break;
    }
  }
  if (!have_codec || sdp_media_rport(c->media) == 0) return false;
  if (const sdp_format* te = sdp_media_rformat(c->media, telev_rtpfmt)) c->te_pt = te->pt;
  c->remote = *sdp_media_raddr(c->media);
  c->remote_latched = false;
  c->info.codec = CodecName(c->codec);
  return true;
}

bool RemoteHolds(const sdp_media* media) {
  // libre stores the remote direction from our side: the peer's "sendonly" is our "recvonly".
  bool may_send = (sdp_media_rdir(media) & SDP_SENDONLY) != 0;
  return !may_send || sa_is_any(sdp_media_raddr(media));
}

bool HasSdp(const sip_msg* msg) {
  if (!msg || !msg->mb || mbuf_get_left(msg->mb) == 0) return false;
  return msg_ctype_cmp(&msg->ctyp, "application", "sdp");
}

std::string SdpBodyProblem(const sip_msg* msg, const sa* local) {
  if (!msg || !msg->mb) return "no SDP";
  std::string_view body(reinterpret_cast<const char*>(mbuf_buf(msg->mb)), mbuf_get_left(msg->mb));
  return SdpProblem(body, sa_af(local) == AF_INET6);
}

}  // namespace zx::telephony::internal
