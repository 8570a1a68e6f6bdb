// `zhixian doctor`'s checks of telephony (app/doctor.cc): whether the SIP listen address can be
// bound, whether a configured trunk answers a SIP OPTIONS, whether a configured speech
// recogniser accepts a connection, and whether the SMS gateway can be used. Network checks are
// bounded by `timeout` (name lookup and answer each), so that they stay quick offline; nothing is
// kept open.
#pragma once

#include <chrono>
#include <string>

#include "base/health_check.h"
#include "telephony/sms_config.h"

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

// [sms] (telephony/sms_gateway.h). none: ok, not configured. file: `data_dir`/sms.jsonl can be
// appended to (checked with access(2): nothing is created or written). http: the gateway can be
// built (auth secret present, CA file loads) and the url's host accepts a TCP connection within
// `timeout`; no message is sent.
HealthCheck CheckSms(const SmsConfig& config, const std::string& data_dir,
                     std::chrono::milliseconds timeout = kProbeTimeout);

}  // namespace zx::telephony
