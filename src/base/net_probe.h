// Network probes with a time limit, for checks that must stay quick even offline (doctor):
// resolving a name and connecting a socket, each bounded, never blocking for long.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/status.h"

namespace zx {

struct HostPort {
  std::string host;
  std::string port;
};

// "HOST:PORT" or "[V6]:PORT"; nullopt without a port.
std::optional<HostPort> SplitHostPort(const std::string& s);

// A socket (SOCK_STREAM: connected; SOCK_DGRAM: aimed) at `hp`, non-blocking and close-on-exec,
// the name resolved and the connection made within `timeout` each: the caller closes it.
// kUnavailable with the reason: "cannot resolve HOST within 2 s (name servers unreachable?)",
// "cannot resolve HOST: ...", the socket error, or "no answer within 2 s" (the timeout in
// whole seconds).
Result<int> ConnectWithin(const HostPort& hp, int socket_type, std::chrono::milliseconds timeout);

}  // namespace zx
