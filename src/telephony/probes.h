// `zhixian doctor`'s checks of telephony (app/doctor.cc): whether the SIP listen address can be
// bound, whether a configured trunk answers a SIP OPTIONS, and whether a configured speech
// recogniser accepts a connection. Network checks are bounded by `timeout` (name lookup and
// answer each), so that they stay quick offline; nothing is kept open.
#pragma once

#include <chrono>
#include <string>

#include "base/health_check.h"

namespace zx::telephony {

inline constexpr std::chrono::milliseconds kProbeTimeout{2000};

// server.sip ("off" or empty: ok, voice off): bound (UDP, as calls arrive there first) and
// released at once. Not an IP:PORT fails; an address in use or not of this host warns.
HealthCheck CheckSipListen(const std::string& listen);

// trunk.proxy ("sip:HOST[:PORT][;transport=tcp]"; empty: not checked, nullopt): one OPTIONS
// over UDP or TCP; any SIP answer within `timeout` means reachable (ok, naming its status).
OptionalHealthCheck CheckTrunk(const std::string& proxy,
                               std::chrono::milliseconds timeout = kProbeTimeout);

// asr.url (ws:// or wss://; empty: ok, keys only): a TCP connection within `timeout`.
HealthCheck CheckAsr(const std::string& url, std::chrono::milliseconds timeout = kProbeTimeout);

}  // namespace zx::telephony
