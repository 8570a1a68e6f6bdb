// The voice gateway's configuration (config/zhixian.toml): its listen address server.sip, the
// [trunk] that outbound calls and transfers go through (telephony/trunk.h) and the [sip]
// section's defences of the SIP port against strangers (telephony/gateway.h,
// docs/telephony.md).
#pragma once

#include <string>

#include "base/config.h"

namespace zx::telephony {

struct GatewayOptions;  // gateway.h

// server.sip, in the [server] section shared with the HTTP server (http/server_config.h).
struct SipListenConfig {
  std::string sip = "127.0.0.1:5060";  // HOST:PORT
};

struct TrunkConfig {
  std::string proxy;             // "sip:HOST[:PORT][;transport=udp|tcp]"; empty: no trunk
  std::string domain;            // host of request URIs for numbers; empty: the proxy's
  std::string username;          // digest authentication and REGISTER
  std::string password;          // set ZHIXIAN_TRUNK_PASSWORD rather than writing it in the file
  std::string from_user;         // default caller id
  int register_enabled = 0;      // trunk.register; 1: keep a registration with the proxy
  int register_expires_s = 600;  // trunk.register_expires
  int ring_timeout_s = 30;       // outbound calls unanswered by then: no_answer
  int transfer_timeout_s = 30;   // REFER without a final NOTIFY by then: the call stays
};

struct SipConfig {
  int rtp_latching = 0;           // 1: adopt a NATed peer's media source before its SDP one
  int max_calls_per_source = 10;  // concurrent inbound calls per IP (allow_from exempt); 0 off
  int no_media_timeout_s = 10;    // end answered calls without any RTP after this; 0 = never
  int media_idle_timeout_s = 60;  // ... and calls whose RTP stopped this long ago; 0 = never
  std::string allow_from;         // "IP, IP/PREFIX, ..." that may place calls; empty: anyone
  int tcp_backlog = 1024;         // SIP/TCP listen queue
};

// server.sip (HOST:PORT).
const ConfigSection<SipListenConfig>& SipListenConfigSection();
// trunk.* (the same keys could describe each table of a future [[trunks]] array).
const ConfigSection<TrunkConfig>& TrunkConfigSection();
// sip.*.
const ConfigSection<SipConfig>& SipConfigSection();

// The gateway's options from the configuration: the listen address (server.sip), the [trunk]
// (transfers time out after trunk.transfer_timeout) and the [sip] defences; capacity, answering,
// recording, speech and metrics are the caller's to set.
GatewayOptions GatewayOptionsFrom(const std::string& listen, const TrunkConfig& trunk,
                                  const SipConfig& sip);

}  // namespace zx::telephony
