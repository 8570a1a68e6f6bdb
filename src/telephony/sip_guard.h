// Checks on what strangers send the gateway, kept free of libre so that they can be unit tested:
// the SDP of an offer or answer (addresses and ports we could actually send to) and the
// allow-list of peers that may place calls (sip.allow_from).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::telephony {

// What is wrong with the connection data of an SDP body, or "" when it is usable: every c= line
// must be "IN IP4 <dotted quad>" (or "IN IP6 <address>" when `ipv6` is true, i.e. our media
// sockets are IPv6), every m= line must have a port 0..65535, and an audio stream must have an
// address (session or media level). libre 1.1.0 silently skips a c= it cannot parse and keeps
// a port of 99999 modulo 65536, so an offer like that would otherwise be answered.
std::string SdpProblem(std::string_view sdp, bool ipv6);

// Peers allowed to place calls: IPv4/IPv6 addresses or CIDR prefixes, separated by commas or
// spaces ("10.1.2.3, 192.168.0.0/24, ::1"). Empty: everyone.
class AllowList {
 public:
  static Result<AllowList> Parse(std::string_view text);
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  // Whether `addr` (sockaddr_in or sockaddr_in6; IPv4-mapped IPv6 counts as IPv4) is listed.
  // An empty list contains nothing (callers check empty() for "everyone").
  bool Contains(const sockaddr* addr) const;

 private:
  struct Entry {
    int family = AF_INET;
    uint8_t bytes[16] = {};
    int prefix = 32;
  };
  std::vector<Entry> entries_;
};

}  // namespace zx::telephony
