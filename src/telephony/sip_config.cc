#include "telephony/sip_config.h"

#include "telephony/gateway.h"

namespace zx::telephony {

const ConfigSection<SipListenConfig>& SipListenConfigSection() {
  static const auto* section = new ConfigSection<SipListenConfig>(
      ConfigSection<SipListenConfig>("server")
          .Text("sip", &SipListenConfig::sip, "SIP listen address HOST:PORT, or off (no voice)")
          .Check([](const SipListenConfig& c, const std::string& prefix) -> std::string {
            // "off": serve runs without the voice gateway (as --sip off).
            if (c.sip == "off" || IsHostPort(c.sip)) return "";
            return prefix + "sip must be HOST:PORT or off, got '" + c.sip + "'";
          }));
  return *section;
}

const ConfigSection<TrunkConfig>& TrunkConfigSection() {
  using C = TrunkConfig;
  static const auto* section = new ConfigSection<C>(
      ConfigSection<C>("trunk")
          .Text("proxy", &C::proxy, "outbound proxy sip:HOST[:PORT][;transport=udp|tcp]")
          .Text("domain", &C::domain, "host of request URIs for numbers")
          .Text("username", &C::username, "digest user and REGISTER address")
          .Text("password", &C::password, "digest password (prefer ZHIXIAN_TRUNK_PASSWORD)")
          .Text("from_user", &C::from_user, "default caller id")
          .Number("register", &C::register_enabled, 0, 1, "1: keep a registration with the proxy")
          .Number("register_expires", &C::register_expires_s, 60, 86400,
                  "registration expiry asked for, seconds")
          .Number("ring_timeout_s", &C::ring_timeout_s, 5, 300,
                  "outbound calls unanswered by then are no_answer")
          .Number("transfer_timeout_s", &C::transfer_timeout_s, 5, 300,
                  "a transfer without result by then fails"));
  return *section;
}

const ConfigSection<SipConfig>& SipConfigSection() {
  using C = SipConfig;
  static const auto* section = new ConfigSection<C>(
      ConfigSection<C>("sip")
          .Number("rtp_latching", &C::rtp_latching, 0, 1,
                  "1: accept a NATed peer's media from its first other source")
          .Number("max_calls_per_source", &C::max_calls_per_source, 0, 100000,
                  "concurrent inbound calls per source IP (0 = no limit)")
          .Number("no_media_timeout_s", &C::no_media_timeout_s, 0, 3600,
                  "end answered calls with no RTP at all after this (0 = never)")
          .Number("media_idle_timeout_s", &C::media_idle_timeout_s, 0, 86400,
                  "end calls whose RTP stopped this long ago (0 = never)")
          .Text("allow_from", &C::allow_from,
                "addresses/prefixes that may place calls, comma-separated")
          .Number("tcp_backlog", &C::tcp_backlog, 1, 65535, "SIP/TCP listen queue length"));
  return *section;
}

GatewayOptions GatewayOptionsFrom(const std::string& listen, const TrunkConfig& trunk,
                                  const SipConfig& sip) {
  GatewayOptions options;
  options.listen = listen;
  options.trunk.proxy = trunk.proxy;
  options.trunk.domain = trunk.domain;
  options.trunk.username = trunk.username;
  options.trunk.password = trunk.password;
  options.trunk.from_user = trunk.from_user;
  options.trunk.register_enabled = trunk.register_enabled != 0;
  options.trunk.register_expires_s = trunk.register_expires_s;
  options.transfer_timeout_ms = trunk.transfer_timeout_s * 1000;
  options.rtp_latching = sip.rtp_latching != 0;
  options.max_calls_per_source = sip.max_calls_per_source;
  options.no_media_timeout_ms = sip.no_media_timeout_s * 1000;
  options.media_idle_timeout_ms = sip.media_idle_timeout_s * 1000;
  options.allow_from = sip.allow_from;
  options.tcp_backlog = sip.tcp_backlog;
  return options;
}

}  // namespace zx::telephony
